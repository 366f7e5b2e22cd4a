import { randomUUID } from 'node:crypto';
import { Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDidResolver, didForAddress, type DidResolver } from '../../anchor/ledger/did.ts';
import { createDidVersionReader, type DidVersionReader } from '../../anchor/ledger/did-version.ts';
import { seedDemo } from '../../demo/seed.ts';
import { startGateway, type GatewayServer } from '../../gateway/server.ts';
import { createSubgraphTokenSigner, SUBGRAPH_TOKEN_HEADER, type DecisionContext, type SubgraphTokenSigner } from '../../gateway/subgraph-client/subgraph-token.ts';
import { loadConfig } from '../../platform/config.ts';
import { createLogger } from '../../platform/log.ts';
import { connectGatewayTrust } from '../../subgraphs/kit/connect-gateway-trust.ts';
import type { Department } from '../../subgraphs/kit/department.ts';
import { COMPOSITION_QUERY } from '../../subgraphs/kit/admit-gateway.ts';
import { startSubgraph, type SubgraphServer } from '../../subgraphs/kit/server.ts';
import { createGatewayTrust, type GatewayTrust } from '../../subgraphs/kit/trust-gateway.ts';
import { startTestLedger, TEST_PASSPHRASE, type TestLedger } from '../anchor/ledger-fixture.ts';
import { departments } from '../support/federation.ts';
import { codes, gql, type GraphQLResponse } from '../support/graphql.ts';
import { testStorage, type TestStorage } from '../support/storage.ts';

/**
 * Subgraphs trust only the gateway (DESIGN.md "Trust model", issue 6), as served: every GraphQL
 * request to a department must carry the gateway's token for that department and that request;
 * a direct call, another department's token, another request's token or a stranger's is
 * refused with 401 GATEWAY_TOKEN_INVALID and its reason, and 503 while the ledger cannot be
 * read. The gateway's own requests, and the composition query it sends at start, pass; the
 * public HTTP routes stay open.
 */
const logger = createLogger('test', 'silent');
type Name = 'education' | 'finance' | 'justice';
const NAMES: Name[] = ['education', 'finance', 'justice'];
const context: DecisionContext = { agency: null, purpose: null, agreements: [], consentCategories: [], decision: 'test' };

let ledger: TestLedger;
let storage: TestStorage;
let resolver: DidResolver;
let versions: DidVersionReader;
let gatewayDid: string;
let sign: SubgraphTokenSigner;
let gateway: GatewayServer;
const servers = {} as Record<Name, SubgraphServer<unknown>>;
/** What each department's server sees as its trust right now (tests swap it to model the ledger). */
const trusts = {} as Record<Name, GatewayTrust | undefined>;
const closers: (() => unknown)[] = [];

/** A direct call to a department, with the headers given. */
async function direct(name: Name, query: string, headers: Record<string, string> = {}, variables?: Record<string, unknown>): Promise<GraphQLResponse> {
  return gql(servers[name].graphqlUrl, query, variables, headers);
}
const gatewayUrls = () => ({ education: servers.education.graphqlUrl, finance: servers.finance.graphqlUrl, justice: servers.justice.graphqlUrl });
/** Headers as the gateway would send them for `audience`, bound to request `rid`. */
const asGateway = (audience: string, rid: string, signer: SubgraphTokenSigner = sign) => ({ 'x-request-id': rid, [SUBGRAPH_TOKEN_HEADER]: signer(audience, rid, context) });
const refusal = (response: GraphQLResponse) => ({ status: response.status, code: response.errors?.[0]?.extensions?.code, reason: response.errors?.[0]?.extensions?.reason });

beforeAll(async () => {
  ledger = await startTestLedger();
  const endpoint = { rpcUrl: ledger.current.url, chainId: 1337 };
  const registry = ledger.current.contracts.EthereumDIDRegistry.address;
  resolver = createDidResolver({ ...endpoint, registry });
  versions = createDidVersionReader({ ...endpoint, registry });
  closers.push(() => resolver.close(), () => versions.close());
  const key = await ledger.keystore.loadKey('gateway');
  gatewayDid = didForAddress(key.address, 1337);
  sign = createSubgraphTokenSigner({ gatewayDid, privateKey: key.privateKey });

  storage = testStorage('pglite');
  await seedDemo(storage.config, 3);
  for (const name of NAMES) {
    trusts[name] = createGatewayTrust({ department: name, gatewayDids: [gatewayDid], resolver, versions });
    servers[name] = await startSubgraph(departments[name] as Department<unknown>, { config: storage.config, port: 0, logger, gatewayTrust: () => trusts[name] });
  }
  gateway = await startGateway({
    subgraphs: gatewayUrls(),
    port: 0,
    logger,
    subgraphTokens: () => sign,
  });
});

afterAll(async () => {
  await gateway?.close();
  for (const name of NAMES) await servers[name]?.close();
  for (const close of closers) await close();
  await storage?.cleanup();
  await ledger?.cleanup();
});

describe('a department served with gateway trust', () => {
  it('answers the gateway: a query across the three departments, each fetch with its own token', async () => {
    // No policy configured on this gateway: every field is released, so each department is reached.
    const response = await gql(gateway.graphqlUrl, '{ citizens(first: 3) { edges { node { did name degrees { title } criminalRecord { clean } } } } }');
    expect(response.errors).toBeUndefined();
    expect(response.data!.citizens.edges).toHaveLength(3);
    for (const { node } of response.data!.citizens.edges) {
      expect(node.name).toEqual(expect.any(String));
      expect(node.criminalRecord).toEqual({ clean: expect.any(Boolean) });
    }
  });

  it('answers the composition query without a token (the SDL is public), and only that exact text', async () => {
    const sdl = await direct('education', COMPOSITION_QUERY);
    expect(sdl.status).toBe(200);
    expect(sdl.data!._service.sdl).toContain('registerEducationConsent');
    const more = await direct('education', '{ _service { sdl } __typename }');
    expect(refusal(more)).toEqual({ status: 401, code: 'GATEWAY_TOKEN_INVALID', reason: 'MISSING' });
    const introspection = await direct('education', '{ __schema { queryType { name } } }');
    expect(refusal(introspection)).toEqual({ status: 401, code: 'GATEWAY_TOKEN_INVALID', reason: 'MISSING' });
  });

  it('refuses a direct call without a token, and runs nothing', async () => {
    const code = `TRUST${randomUUID().slice(0, 6).toUpperCase()}`;
    const write = await direct('education', `mutation { registerInstitution(input: { name: "Bypass College", code: "${code}", kind: COLLEGE, city: "Hangzhou", country: "CN" }) { institution { id } } }`);
    expect(refusal(write)).toEqual({ status: 401, code: 'GATEWAY_TOKEN_INVALID', reason: 'MISSING' });
    expect(write.data ?? null).toBeNull();
    const rows = await (servers.education as SubgraphServer<{ db: { query: (sql: string, p: unknown[]) => Promise<unknown[]> } }>).store.db.query('SELECT 1 FROM institutions WHERE code = $1', [code]);
    expect(rows).toEqual([]);
    const read = await direct('finance', '{ citizens(first: 1) { edges { node { did name } } } }');
    expect(refusal(read)).toEqual({ status: 401, code: 'GATEWAY_TOKEN_INVALID', reason: 'MISSING' });
  });

  it.each([
    ["another department's token", () => asGateway('finance', 'rid-other-dept-1'), 'AUDIENCE_MISMATCH'],
    ["another request's token", () => ({ ...asGateway('education', 'rid-first-request'), 'x-request-id': 'rid-second-request' }), 'REQUEST_MISMATCH'],
    ['a token without the request id it names', () => ({ [SUBGRAPH_TOKEN_HEADER]: sign('education', 'rid-named', context) }), 'REQUEST_MISMATCH'],
    ["a stranger's token", () => {
      const stranger = Wallet.createRandom();
      return asGateway('education', 'rid-stranger', createSubgraphTokenSigner({ gatewayDid: didForAddress(stranger.address, 1337), privateKey: stranger.privateKey }));
    }, 'ISSUER_NOT_TRUSTED'],
    ["the gateway's DID signed by another key", () => asGateway('education', 'rid-forged', createSubgraphTokenSigner({ gatewayDid, privateKey: Wallet.createRandom().privateKey })), 'SIGNATURE_INVALID'],
    ['an agency bearer token in its place', () => ({ 'x-request-id': 'rid-bearer', [SUBGRAPH_TOKEN_HEADER]: 'eyJhbGciOiJFUzI1NksiLCJ0eXAiOiJKV1QifQ.eyJpc3MiOiJ4In0.c2ln' }), 'MALFORMED'],
  ])('refuses %s with 401 and the reason', async (_what, headers, reason) => {
    const response = await direct('education', '{ institutions(first: 1) { edges { node { id } } } }', headers());
    expect(refusal(response)).toEqual({ status: 401, code: 'GATEWAY_TOKEN_INVALID', reason });
    expect(response.data ?? null).toBeNull();
  });

  it("accepts the gateway's token for this department and this request, directly too", async () => {
    const response = await direct('education', '{ institutions(first: 1) { edges { node { id } } } }', asGateway('education', 'rid-good-1'));
    expect(response.status).toBe(200);
    expect(response.errors).toBeUndefined();
    expect(response.data!.institutions.edges).toHaveLength(1);
  });

  it('refuses a gateway that sends no token (before its key is available): the client sees GATEWAY_TOKEN_INVALID', async () => {
    // As `govshare serve gateway` runs until the ledger answers: it composes (no token needed), then cannot sign.
    const unsigned = await startGateway({ subgraphs: gatewayUrls(), port: 0, logger, subgraphTokens: () => undefined });
    try {
      const response = await gql(unsigned.graphqlUrl, '{ institutions(first: 1) { edges { node { id } } } }');
      expect(response.data?.institutions ?? null).toBeNull();
      expect(codes(response)).toEqual(['GATEWAY_TOKEN_INVALID']);
    } finally {
      await unsigned.close();
    }
  });

  it('keeps the public routes open', async () => {
    const base = servers.education.url;
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
    // Not 401: no key yet (503), an unknown list or proof (404).
    expect((await fetch(`${base}/identity`)).status).toBe(503);
    expect((await fetch(`${base}/status/revocation-1`)).status).toBe(404);
    expect((await fetch(`${base}/credentials/urn%3Agovshare%3Avc%3Ax/proof`)).status).toBe(404);
  });

  it('refuses with 503 and is not ready while gateway tokens cannot be checked (ledger not connected, or not answering)', async () => {
    const saved = trusts.justice;
    try {
      trusts.justice = undefined;
      const waiting = await direct('justice', '{ courts(first: 1) { edges { node { id } } } }', asGateway('justice', 'rid-waiting'));
      expect(refusal(waiting)).toEqual({ status: 503, code: 'GATEWAY_TOKEN_INVALID', reason: 'RESOLUTION_UNAVAILABLE' });
      // No token at all is still a plain refusal: it would be refused whatever the ledger says.
      expect(refusal(await direct('justice', '{ courts(first: 1) { edges { node { id } } } }'))).toMatchObject({ status: 401, reason: 'MISSING' });
      const ready = await fetch(`${servers.justice.url}/ready`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { down: { name: string }[] }).down.map((d) => d.name)).toEqual(['gateway-trust']);
      // The gateway's /ready waits on it too.
      expect((await fetch(`${gateway.url}/ready`)).status).toBe(503);

      // A ledger that does not answer: the token cannot be checked.
      const dead = { rpcUrl: 'http://127.0.0.1:9', chainId: 1337 };
      const registry = ledger.current.contracts.EthereumDIDRegistry.address;
      const deadResolver = createDidResolver({ ...dead, registry });
      const deadVersions = createDidVersionReader({ ...dead, registry });
      closers.push(() => deadResolver.close(), () => deadVersions.close());
      trusts.justice = createGatewayTrust({ department: 'justice', gatewayDids: [gatewayDid], resolver: deadResolver, versions: deadVersions });
      const down = await direct('justice', '{ courts(first: 1) { edges { node { id } } } }', asGateway('justice', 'rid-ledger-down'));
      expect(refusal(down)).toEqual({ status: 503, code: 'GATEWAY_TOKEN_INVALID', reason: 'RESOLUTION_UNAVAILABLE' });
      // Through the gateway: no data, and an error the gateway masks (a 5xx from a department).
      const viaGateway = await gql(gateway.graphqlUrl, '{ courts(first: 1) { edges { node { id } } } }');
      expect(viaGateway.data?.courts ?? null).toBeNull();
      expect(viaGateway.errors?.length).toBe(1);
    } finally {
      trusts.justice = saved;
    }
    expect((await direct('justice', '{ courts(first: 1) { edges { node { id } } } }', asGateway('justice', 'rid-back'))).status).toBe(200);
  });
});

describe('the gateways a served department trusts', () => {
  it('are the keystore\'s gateway key on this host plus GOVSHARE_GATEWAY_DIDS, each checked on the ledger', async () => {
    const remote = Wallet.createRandom();
    const remoteDid = didForAddress(remote.address, 1337);
    // As an operator may paste it: the address in its checksummed case (one identity all the same).
    const configured = `did:ethr:0x539:${remote.address}`;
    const config = loadConfig({ GOVSHARE_DATA_DIR: ledger.dataDir, LEDGER_RPC_URL: ledger.current.url, LEDGER_CHAIN_ID: '1337', GOVSHARE_GATEWAY_DIDS: ` ${configured} ,` });
    expect(config.gatewayDids).toEqual([configured]);
    const connected = await connectGatewayTrust({ department: 'finance', config, logger, passphrase: TEST_PASSPHRASE });
    closers.push(() => connected.close());
    expect(connected.gatewayDids).toEqual([gatewayDid, configured]);
    const remoteSigner = createSubgraphTokenSigner({ gatewayDid: remoteDid, privateKey: remote.privateKey });
    for (const signer of [sign, remoteSigner]) expect(await connected.verify(signer('finance', 'rid-host', context), 'rid-host')).toEqual(context);
    const stranger = Wallet.createRandom();
    await expect(connected.verify(createSubgraphTokenSigner({ gatewayDid: didForAddress(stranger.address, 1337), privateKey: stranger.privateKey })('finance', 'r', context), 'r')).rejects.toMatchObject({
      code: 'GATEWAY_TOKEN_INVALID',
      reason: 'ISSUER_NOT_TRUSTED',
    });
  });

  it('refuses a GOVSHARE_GATEWAY_DIDS that is not a list of DIDs', () => {
    expect(() => loadConfig({ GOVSHARE_GATEWAY_DIDS: 'gateway.example.org' })).toThrow(/GOVSHARE_GATEWAY_DIDS must be comma-separated DIDs/);
  });
});
