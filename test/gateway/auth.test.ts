import { Wallet } from 'ethers';
import { createJWT } from 'did-jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDidResolver, didForAddress, rotateKey } from '../../anchor/ledger/did.ts';
import { createDidVersionReader } from '../../anchor/ledger/did-version.ts';
import { ensureContracts } from '../../anchor/ledger/deploy.ts';
import { embeddedDeployer } from '../../anchor/ledger/seed.ts';
import { nodeES256KSigner } from '../../credentials/sign/es256k-signer.ts';
import { createAgencyAuthenticator } from '../../gateway/auth/authenticate-agency.ts';
import { createAgencyToken } from '../../gateway/auth/agency-token.ts';
import { memoryReplayGuard, redisReplayGuard } from '../../gateway/auth/replay-guard.ts';
import { startGateway, type GatewayServer } from '../../gateway/server.ts';
import { testStorage, type TestStorage } from '../support/storage.ts';
import { startDepartments, type RunningDepartments } from '../support/federation.ts';
import { freePort } from '../support/processes.ts';
import { startTestLedger, type TestLedger } from '../anchor/ledger-fixture.ts';

/**
 * Agency authentication at the gateway: DID-signed bearer tokens, checked
 * against the agency's DID document on the ledger, for this gateway only,
 * short-lived and single-use; every refusal with its reason.
 */
describe('agency authentication', () => {
  let ledger: TestLedger;
  let storage: TestStorage;
  let departments: RunningDepartments;
  let gateway: GatewayServer;
  let redisDown: GatewayServer;
  const gatewayDid = didForAddress(Wallet.createRandom().address, 1337);
  let agencyKey: Wallet = new Wallet(Wallet.createRandom().privateKey);
  const agencyDid = didForAddress(agencyKey.address, 1337);
  const closers: (() => unknown)[] = [];

  const authenticator = (replay = memoryReplayGuard()) => {
    const endpoint = { rpcUrl: ledger.current.url, chainId: 1337 };
    const registry = ledger.current.contracts.EthereumDIDRegistry.address;
    const resolver = createDidResolver({ ...endpoint, registry });
    const versions = createDidVersionReader({ ...endpoint, registry });
    closers.push(() => resolver.close(), () => versions.close(), () => replay.close());
    return createAgencyAuthenticator({ gatewayDid, resolver, versions, replay });
  };
  const token = (overrides: { key?: Wallet; aud?: string; purpose?: string; lifetimeSeconds?: number; now?: Date } = {}) =>
    createAgencyToken({
      agencyDid,
      privateKey: (overrides.key ?? agencyKey).privateKey,
      gatewayDid: overrides.aud ?? gatewayDid,
      purpose: overrides.purpose ?? 'benefit-eligibility',
      ...(overrides.lifetimeSeconds !== undefined && { lifetimeSeconds: overrides.lifetimeSeconds }),
      ...(overrides.now && { now: overrides.now }),
    });
  const ask = async (authorization?: string, url = gateway.graphqlUrl) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization !== undefined && { authorization }) },
      body: JSON.stringify({ query: '{ institutions(first: 1) { edges { node { id } } } }' }),
    });
    const body = await response.json();
    return { status: response.status, reason: body.errors?.[0]?.extensions?.reason as string | undefined, code: body.errors?.[0]?.extensions?.code, body };
  };

  beforeAll(async () => {
    ledger = await startTestLedger();
    storage = testStorage('pglite');
    departments = await startDepartments(storage);
    const auth = authenticator();
    gateway = await startGateway({ subgraphs: departments.urls, port: 0, authenticator: () => auth });
    const deadRedis = redisReplayGuard(`redis://127.0.0.1:${await freePort()}`);
    const authDown = authenticator(deadRedis);
    redisDown = await startGateway({ subgraphs: departments.urls, port: 0, authenticator: () => authDown });
  });

  afterAll(async () => {
    await gateway?.close();
    await redisDown?.close();
    for (const close of closers) await close();
    await departments?.close();
    await storage?.cleanup();
    await ledger?.cleanup();
  });

  it('serves an anonymous caller and an agency with a good token', async () => {
    expect((await ask()).status).toBe(200);
    const good = await ask(`Bearer ${await token()}`);
    expect(good.status).toBe(200);
    expect(good.body.errors).toBeUndefined();
  });

  it.each([
    ['a replayed token', async (t: string) => t, 'NONCE_REPLAYED'],
    ['no Bearer scheme', async (t: string) => t.replace('Bearer ', 'Basic '), 'MALFORMED'],
    // 22 fewer base64url characters: a canonical 48-byte signature, which is no ES256K signature.
    ['a token with a truncated signature', async (t: string) => t.slice(0, -22), 'SIGNATURE_INVALID'],
    ['a token that is not base64url', async (t: string) => `${t.slice(0, -3)}*+/`, 'MALFORMED'],
  ])('refuses %s', async (_what, mangle, reason) => {
    const bearer = `Bearer ${await token()}`;
    if (reason === 'NONCE_REPLAYED') expect((await ask(bearer)).status).toBe(200);
    const refused = await ask(await mangle(bearer));
    expect(refused).toMatchObject({ status: 401, code: 'UNAUTHENTICATED', reason });
    expect(refused.body.data ?? null).toBeNull();
  });

  it('refuses alg none, a wrong audience, an expired or too long-lived token, a missing purpose', async () => {
    const payload = (await token()).split('.')[1];
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    expect(await ask(`Bearer ${none}`)).toMatchObject({ status: 401, reason: 'ALGORITHM_NOT_ALLOWED' });
    expect(await ask(`Bearer ${await token({ aud: didForAddress(Wallet.createRandom().address, 1337) })}`)).toMatchObject({ status: 401, reason: 'AUDIENCE_MISMATCH' });
    expect(await ask(`Bearer ${await token({ now: new Date(Date.now() - 10 * 60_000) })}`)).toMatchObject({ status: 401, reason: 'EXPIRED' });
    expect(await ask(`Bearer ${await token({ lifetimeSeconds: 3600 })}`)).toMatchObject({ status: 401, reason: 'LIFETIME_TOO_LONG' });
    const noPurpose = await createJWT(
      { aud: gatewayDid, exp: Math.floor(Date.now() / 1000) + 60, jti: 'abcdefghijklmnopqrstuv' },
      { issuer: agencyDid, signer: nodeES256KSigner(agencyKey.privateKey), alg: 'ES256K' },
    );
    expect(await ask(`Bearer ${noPurpose}`)).toMatchObject({ status: 401, reason: 'PURPOSE_MISSING' });
  });

  it('refuses a token signed by a key that is not in the agency\'s DID document', async () => {
    expect(await ask(`Bearer ${await token({ key: new Wallet(Wallet.createRandom().privateKey) })}`)).toMatchObject({ status: 401, reason: 'SIGNATURE_INVALID' });
  });

  it('counts refusals by reason in /metrics', async () => {
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/govshare_refusals_total\{[^}]*code="UNAUTHENTICATED",reason="NONCE_REPLAYED"[^}]*\} 1/);
    expect(metrics).toMatch(/govshare_refusals_total\{[^}]*reason="SIGNATURE_INVALID"[^}]*\} [1-9]/);
  });

  it('honours a key rotation on the ledger within a second (the version read is reused that long)', async () => {
    const newKey = new Wallet(Wallet.createRandom().privateKey);
    const endpoint = { rpcUrl: ledger.current.url, chainId: 1337 };
    // The agency's old key pays for its own rotation: give it gas first.
    await ensureContracts({ ...endpoint, deployer: embeddedDeployer(ledger.dataDir), dataDir: ledger.dataDir, members: [agencyKey.address, newKey.address] });
    await rotateKey({ ...endpoint, registry: ledger.current.contracts.EthereumDIDRegistry.address, identity: agencyKey.address, from: agencyKey, to: newKey });
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await ask(`Bearer ${await token()}`)).toMatchObject({ status: 401, reason: 'SIGNATURE_INVALID' });
    agencyKey = newKey;
    expect((await ask(`Bearer ${await token()}`)).status).toBe(200);
  });

  it('fails closed (503) when the store of used token ids cannot answer, and still serves anonymous callers', async () => {
    expect(await ask(`Bearer ${await token()}`, redisDown.graphqlUrl)).toMatchObject({ status: 503, reason: 'REPLAY_CHECK_UNAVAILABLE' });
    expect((await ask(undefined, redisDown.graphqlUrl)).status).toBe(200);
    const dead = redisReplayGuard(`redis://127.0.0.1:${await freePort()}`);
    await expect(dead.ping()).rejects.toThrow();
    await dead.close();
  });

  it('shares used token ids across gateways through Redis', async () => {
    const a = redisReplayGuard('redis://127.0.0.1:6379');
    const b = redisReplayGuard('redis://127.0.0.1:6379');
    const jti = `test-${Date.now()}-${Math.random()}`;
    try {
      expect(await a.claim(jti, Date.now() + 60_000)).toBe(true);
      expect(await b.claim(jti, Date.now() + 60_000)).toBe(false);
      await a.ping();
    } finally {
      await a.close();
      await b.close();
    }
  });

  // Last: it stops the ledger.
  it('answers 503 RESOLUTION_UNAVAILABLE when the ledger is down, never accepting the token', async () => {
    await ledger.stop();
    expect(await ask(`Bearer ${await token()}`)).toMatchObject({ status: 503, reason: 'RESOLUTION_UNAVAILABLE' });
    await ledger.restart();
  });
});
