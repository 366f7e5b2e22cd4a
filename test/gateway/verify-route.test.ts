import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeJWT } from 'did-jwt';
import { verifyCredential as didJwtVcVerifyCredential } from 'did-jwt-vc';
import { Resolver } from 'did-resolver';
import { getResolver } from 'ethr-did-resolver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { didForAddress } from '../../anchor/ledger/did.ts';
import { connectAnchoring } from '../../anchor/log/connect-anchoring.ts';
import { requestCredential } from '../../credentials/request/request-credential.ts';
import { signRequest } from '../../credentials/request/sign-request.ts';
import { createLedgerTrust } from '../../credentials/verify/ledger-trust.ts';
import { memoryNonceStore } from '../../credentials/verify/memory-sources.ts';
import type { VerificationReport } from '../../credentials/verify/report.ts';
import { createPresentation, createWallet, receiveCredential, type Wallet } from '../../credentials/wallet/index.ts';
import { startGateway, type GatewayServer } from '../../gateway/server.ts';
import { createLogger } from '../../platform/log.ts';
import { startSubgraph, type SubgraphServer } from '../../subgraphs/kit/server.ts';
import { startTestLedger, TEST_PASSPHRASE, type TestLedger } from '../anchor/ledger-fixture.ts';
import { departments } from '../support/federation.ts';
import { freePort, runCli } from '../support/processes.ts';
import { testStorage, type TestStorage } from '../support/storage.ts';

/**
 * POST /verify (DESIGN.md "Gateway HTTP") with everything real: credentials issued by a
 * department through the gateway, anchored on the ledger, held in a citizen's wallet and shown
 * as presentations; the answer is always the report (200), valid or not, and 400 only for a
 * body that is not `{ jwt, challenge?, domain? }`.
 */
const logger = createLogger('test', 'silent');
let ledger: TestLedger;
let storage: TestStorage;
let gateway: GatewayServer;
let walletDir: string;
let wallet: Wallet;
const servers: Record<string, SubgraphServer<unknown>> = {};
const closers: (() => unknown)[] = [];

const verify = async (body: unknown): Promise<{ status: number; report: VerificationReport & { error?: { code: string } } }> => {
  const response = await fetch(`${gateway.url}/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.status, report: (await response.json()) as VerificationReport & { error?: { code: string } } };
};
const failed = (report: VerificationReport) => report.checks.filter((c) => !c.ok).map((c) => `${c.id}:${c.code}`);

async function officer(department: 'finance' | 'justice') {
  const key = await ledger.keystore.loadKey(department);
  return { did: didForAddress(key.address, 1337), privateKey: key.privateKey };
}
async function issueTaxClearance(subject: string): Promise<string> {
  const caller = await officer('finance');
  const issued = await requestCredential({
    graphqlUrl: gateway.graphqlUrl,
    department: 'finance',
    audience: caller.did,
    caller,
    type: 'TaxClearanceCredential',
    subject,
    claims: { taxClearance: { status: 'CLEARED', assessedOn: '2026-03-01' } },
  });
  await servers.finance!.log.flush();
  return issued.jwt;
}
/** A justice credential, revoked at once: its status list is one this gateway has not fetched yet. */
async function issueRevoked(subject: string): Promise<string> {
  const caller = await officer('justice');
  const { jwt } = await requestCredential({ graphqlUrl: gateway.graphqlUrl, department: 'justice', audience: caller.did, caller, type: 'NoCriminalRecordCredential', subject });
  const { payload } = decodeJWT(jwt);
  const authorization = await signRequest({ caller, audience: caller.did, subject: payload.sub!, purpose: 'revoke-credential', credentialId: payload.jti! });
  const response = await fetch(gateway.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'mutation($i: ChangeCredentialStatusInput!) { revokeJusticeCredential(input: $i) { status } }', variables: { i: { jti: payload.jti, reason: 'test', authorization } } }),
  });
  expect(((await response.json()) as { data: unknown }).data).toEqual({ revokeJusticeCredential: { status: 'REVOKED' } });
  await servers.justice!.log.flush();
  return jwt;
}

beforeAll(async () => {
  ledger = await startTestLedger();
  storage = testStorage('pglite');
  const gatewayPort = await freePort();
  const config = { ...storage.config, publicUrl: `http://127.0.0.1:${gatewayPort}` };
  for (const name of ['education', 'finance', 'justice'] as const) {
    servers[name] = await startSubgraph(departments[name] as never, { config, port: 0, logger });
    servers[name].log.setAnchoring(
      await connectAnchoring({ config: { dataDir: ledger.dataDir, ledgerRpcUrl: ledger.current.url, ledgerChainId: 1337, ledgerPort: 0 }, keyName: name, logger, passphrase: TEST_PASSPHRASE, intervalMs: 100 }),
    );
  }
  const contracts = ledger.current.contracts;
  const trust = createLedgerTrust({
    rpcUrl: ledger.current.url,
    chainId: 1337,
    contracts: { EthereumDIDRegistry: contracts.EthereumDIDRegistry.address, Anchor: contracts.Anchor.address, TrustedIssuers: contracts.TrustedIssuers.address },
  });
  const nonces = memoryNonceStore();
  closers.push(() => trust.close());
  gateway = await startGateway({
    subgraphs: { education: servers.education!.graphqlUrl, finance: servers.finance!.graphqlUrl, justice: servers.justice!.graphqlUrl },
    port: gatewayPort,
    logger,
    verification: () => ({ trust, nonces }),
  });
  walletDir = fs.mkdtempSync(path.join(os.tmpdir(), 'govshare-verify-wallet-'));
  wallet = await createWallet({ file: path.join(walletDir, 'wallet.json'), passphrase: 'a wallet passphrase', chainId: 1337, scrypt: { N: 2 ** 10, r: 8, p: 1 } });
});

afterAll(async () => {
  await gateway?.close();
  for (const close of closers) await close();
  for (const server of Object.values(servers)) await server.close();
  await storage?.cleanup();
  await ledger?.cleanup();
  if (walletDir) fs.rmSync(walletDir, { recursive: true, force: true });
});

describe('POST /verify', () => {
  it('accepts a credential the department issued and anchored, with every check reported', async () => {
    const jwt = await issueTaxClearance(wallet.did);
    const { status, report } = await verify({ jwt });
    expect(status).toBe(200);
    expect(failed(report)).toEqual([]);
    expect(report.valid).toBe(true);
    expect(report.checks.map((c) => c.id)).toEqual(expect.arrayContaining(['signature', 'anchored', 'issuer-accredited', 'status', 'validity-period']));
  });

  it('answers a forged or revoked credential with 200 and the reason', async () => {
    const jwt = await issueTaxClearance(wallet.did);
    const [header, payload, signature] = jwt.split('.');
    const flipped = `${header}.${payload}.${signature!.slice(0, 10)}${signature![10] === 'A' ? 'B' : 'A'}${signature!.slice(11)}`;
    const forged = await verify({ jwt: flipped });
    expect(forged.status).toBe(200);
    expect(forged.report.valid).toBe(false);

    // Status lists are cached for their ttl (60 s here): this list was never fetched by the gateway.
    const doomed = await issueRevoked(wallet.did);
    const revoked = await verify({ jwt: doomed });
    expect(revoked.report.valid).toBe(false);
    expect(failed(revoked.report)).toEqual(['status:REVOKED']);
  });

  it('verifies a wallet presentation bound to the challenge and domain, once', async () => {
    const jwt = await issueTaxClearance(wallet.did);
    wallet = (await receiveCredential(wallet, jwt)).wallet;
    const { jti } = decodeJWT(jwt).payload;
    const vp = await createPresentation(wallet, { challenge: 'challenge-7f3a9c1e', domain: 'https://employer.example', select: [jti!] });
    const first = await verify({ jwt: vp.jwt, challenge: 'challenge-7f3a9c1e', domain: 'https://employer.example' });
    expect(failed(first.report)).toEqual([]);
    expect(first.report.valid).toBe(true);
    expect(first.report.checks.some((c) => c.id.startsWith('credential[0].'))).toBe(true);

    const replayed = await verify({ jwt: vp.jwt, challenge: 'challenge-7f3a9c1e', domain: 'https://employer.example' });
    expect(failed(replayed.report)).toContain('nonce:NONCE_REPLAYED');
    const other = await createPresentation(wallet, { challenge: 'challenge-other', domain: 'https://employer.example', select: [jti!] });
    const wrongDomain = await verify({ jwt: other.jwt, challenge: 'challenge-other', domain: 'https://bank.example' });
    expect(failed(wrongDomain.report)).toContain('audience:AUDIENCE_MISMATCH');
  });

  it.each([
    ['not JSON', '{nope'],
    ['no jwt', { challenge: 'x' }],
    ['a jwt that is not a string', { jwt: 42 }],
    ['unknown members', { jwt: 'a.b.c', extra: true }],
    ['an array', ['a.b.c']],
  ])('refuses %s with 400', async (_name, body) => {
    const { status, report } = await verify(body);
    expect(status).toBe(400);
    expect(report.error?.code).toBe('BAD_REQUEST');
  });

  it('refuses an oversized body with 413 and a wrong content type with 400', async () => {
    const big = await fetch(`${gateway.url}/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jwt: 'a'.repeat(300 * 1024) }) });
    expect(big.status).toBe(413);
    const form = await fetch(`${gateway.url}/verify`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"jwt":"a.b.c"}' });
    expect(form.status).toBe(400);
  });
});

describe('interoperability and the command line', () => {
  it('a credential issued here verifies with plain did-jwt-vc and ethr-did-resolver on the same chain', async () => {
    const jwt = await issueTaxClearance(wallet.did);
    // ethr-did-resolver is typed against its own copy of did-resolver; the shapes agree at run time.
    const resolver = new Resolver(getResolver({ networks: [{ name: '0x539', chainId: 1337, rpcUrl: ledger.current.url, registry: ledger.current.contracts.EthereumDIDRegistry.address }] }) as never);
    const verified = await didJwtVcVerifyCredential(jwt, resolver, { proofPurpose: 'assertionMethod' });
    expect(verified.verified).toBe(true);
    expect(verified.issuer).toBe(decodeJWT(jwt).payload.iss);
    expect(verified.verifiableCredential.type).toContain('TaxClearanceCredential');
  });

  it('govshare verify gives the same verdict from a relying party\'s machine: exit 0 valid, 1 invalid', async () => {
    const contracts = ledger.current.contracts;
    const env = {
      GOVSHARE_DATA_DIR: walletDir,
      LEDGER_RPC_URL: ledger.current.url,
      LEDGER_CHAIN_ID: '1337',
      LEDGER_CONTRACTS: ['EthereumDIDRegistry', 'Anchor', 'TrustedIssuers', 'SharingAgreements'].map((name) => `${name}=${contracts[name as keyof typeof contracts].address}`).join(','),
      GOVSHARE_GATEWAY_URL: gateway.url,
      GOVSHARE_LOG_LEVEL: 'warn',
    };
    const good = path.join(walletDir, 'good.jwt');
    fs.writeFileSync(good, await issueTaxClearance(wallet.did));
    const valid = runCli(['verify', good, '--json'], env);
    expect((await valid.exited).code).toBe(0);
    expect(JSON.parse(valid.output().slice(valid.output().indexOf('{'))).valid).toBe(true);

    const bad = path.join(walletDir, 'revoked.jwt');
    fs.writeFileSync(bad, await issueRevoked(wallet.did));
    const invalid = runCli(['verify', bad], env);
    expect((await invalid.exited).code).toBe(1);
    expect(invalid.output()).toMatch(/credential INVALID[\s\S]*FAIL status REVOKED/);
  });

  it('govshare wallet request: a citizen asks the department through the gateway for their own credential and files it', async () => {
    const env = { GOVSHARE_WALLET: wallet.file, GOVSHARE_WALLET_PASSPHRASE: 'a wallet passphrase', GOVSHARE_DATA_DIR: walletDir, LEDGER_RPC_URL: ledger.current.url, LEDGER_CHAIN_ID: '1337', GOVSHARE_LOG_LEVEL: 'warn' };
    const departmentsAnswer = (await (await fetch(`${gateway.url}/departments`)).json()) as { departments: { department: string; did: string | null }[] };
    expect(departmentsAnswer.departments.map((d) => d.department).sort()).toEqual(['education', 'finance', 'justice']);
    expect(departmentsAnswer.departments.every((d) => d.did?.startsWith('did:ethr:0x539:'))).toBe(true);

    const requested = runCli(['wallet', 'request', 'NoCriminalRecordCredential', '--gateway', gateway.url], env);
    expect((await requested.exited).code).toBe(0);
    expect(requested.output()).toMatch(/received NoCriminalRecordCredential urn:govshare:vc:/);
    const listed = runCli(['wallet', 'list', '--json'], env);
    await listed.exited;
    const held = JSON.parse(listed.output().slice(listed.output().indexOf('{'))) as { did: string; credentials: { type: string }[] };
    expect(held.did).toBe(wallet.did);
    expect(held.credentials.map((c) => c.type)).toContain('NoCriminalRecordCredential');

    // A type the holder has no records for is refused by the department, and nothing is filed.
    const refused = runCli(['wallet', 'request', 'DegreeCredential', '--gateway', gateway.url], env);
    expect((await refused.exited).code).toBe(1);
    expect(refused.output()).toContain('NO_RECORDS');
  });
});
