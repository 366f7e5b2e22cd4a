import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { didForAddress } from '../../anchor/ledger/did.ts';
import { seedDemo } from '../../demo/seed.ts';
import { demoCitizens } from '../../demo/citizens.ts';
import { agencyKeyName } from '../../demo/agencies.ts';
import { createAgencyToken } from '../../gateway/auth/agency-token.ts';
import { connectAuthenticator, type ConnectedAuthenticator } from '../../gateway/auth/connect.ts';
import { createAuditWriter } from '../../gateway/audit/audit-writer.ts';
import { openAuditTrail } from '../../gateway/audit/open-audit-trail.ts';
import { memoryRateLimiter } from '../../gateway/limits/rate-limiter.ts';
import { connectAgreements, type ConnectedAgreements } from '../../gateway/policy/connect.ts';
import { startGateway, type GatewayServer } from '../../gateway/server.ts';
import type { Database } from '../../store/database.ts';
import { startTestLedger, TEST_PASSPHRASE, type TestLedger } from '../anchor/ledger-fixture.ts';
import { capturingLogger, startDepartments, type RunningDepartments } from '../support/federation.ts';
import { testStorage, type TestStorage, pgliteTemplate } from '../support/storage.ts';

/**
 * The attack suite of issue 6, table-driven, against one gateway wired as `govshare serve
 * gateway` wires it (agency authentication, policy from the ledger's demo agreements, audit
 * trail, request budgets, limits, masking). Each row: the hostile request, the refusal (HTTP
 * status, code, reason) or the filtered answer, and — where it matters — how many requests
 * reached the departments (counted from the gateway's own /metrics).
 * Restricted fields through every GraphQL construct, the plan-cache poisoning cases and
 * agreement expiry/termination are covered at length in policy.test.ts; consent in the
 * departments' consent tests; here they appear once each as part of the table.
 */
const silent = capturingLogger('gateway').logger;
let ledger: TestLedger;
let storage: TestStorage;
let departments: RunningDepartments;
let gateway: GatewayServer;
let auth: ConnectedAuthenticator;
let agreements: ConnectedAgreements;
let auditDir: string;
let auditDb: Database;
const citizen = demoCitizens(2)[1]!;

interface Attack {
  method?: 'GET' | 'POST';
  /** A GraphQL request body (JSON-encoded) or a raw body string. */
  body?: unknown;
  query?: string;
  variables?: Record<string, unknown>;
  headers?: Record<string, string>;
  /** Bearer token for the request ('audit' = a fresh audit-office token). */
  as?: 'audit' | ((this: void) => Promise<string>);
  search?: string;
}
interface Outcome {
  status: number;
  body: { data?: any; errors?: { message: string; path?: unknown[]; extensions?: Record<string, any> }[] } & Record<string, any>;
  fetches: number;
  text: string;
}

const config = () => ({ dataDir: ledger.dataDir, ledgerRpcUrl: ledger.current.url, ledgerChainId: 1337, ledgerPort: 0, redisUrl: undefined as string | undefined });
async function agencyToken(name: string, options: { purpose?: string; now?: Date; key?: { privateKey: string }; gatewayDid?: string } = {}): Promise<string> {
  const wallet = await ledger.keystore.loadKey(agencyKeyName(name));
  return createAgencyToken({
    agencyDid: didForAddress(wallet.address, 1337),
    privateKey: (options.key ?? wallet).privateKey,
    gatewayDid: options.gatewayDid ?? auth.gatewayDid,
    purpose: options.purpose ?? 'audit',
    ...(options.now && { now: options.now }),
  });
}
async function fetches(): Promise<number> {
  const text = await (await fetch(`${gateway.url}/metrics`)).text();
  return [...text.matchAll(/^govshare_subgraph_fetches_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
}
async function send(attack: Attack): Promise<Outcome> {
  const headers: Record<string, string> = { ...(attack.method !== 'GET' && { 'content-type': 'application/json' }), ...attack.headers };
  if (attack.as) headers.authorization = `Bearer ${attack.as === 'audit' ? await agencyToken('audit-office') : await attack.as()}`;
  const body = attack.method === 'GET' ? undefined : typeof attack.body === 'string' ? attack.body : JSON.stringify(attack.body ?? { query: attack.query, variables: attack.variables });
  // Let the counters of the previous request settle (each fetch is counted as it ends).
  await new Promise((r) => setTimeout(r, 50));
  const before = await fetches();
  const response = await fetch(`${gateway.graphqlUrl}${attack.search ?? ''}`, { method: attack.method ?? 'POST', headers, ...(body !== undefined && { body }) });
  const text = await response.text();
  let parsed: Outcome['body'] = {};
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON: the assertions look at text */
  }
  await new Promise((r) => setTimeout(r, 50));
  return { status: response.status, body: parsed, fetches: (await fetches()) - before, text };
}
const codesOf = (outcome: Outcome) => (outcome.body.errors ?? []).map((e) => `${e.extensions?.code}${e.extensions?.reason ? `/${e.extensions.reason}` : ''}`);

beforeAll(async () => {
  ledger = await startTestLedger();
  storage = testStorage('pglite');
  await seedDemo(storage.config, 3);
  departments = await startDepartments(storage);
  auth = await connectAuthenticator({ config: config(), logger: silent, passphrase: TEST_PASSPHRASE });
  agreements = await connectAgreements({ config: config(), logger: silent, passphrase: TEST_PASSPHRASE, pollMs: 200 });
  await agreements.source.ready();
  auditDir = fs.mkdtempSync(path.join(os.tmpdir(), 'govshare-attacks-'));
  auditDb = await openAuditTrail({ dataDir: auditDir, ...pgliteTemplate() });
  gateway = await startGateway({
    subgraphs: departments.urls,
    port: 0,
    logger: silent,
    authenticator: () => auth.authenticate,
    policy: { agreements: () => agreements.source },
    audit: { writer: createAuditWriter(auditDb), db: auditDb },
    rateLimiter: memoryRateLimiter({ limit: 10_000, windowMs: 60_000 }),
    verification: () => ({ trust: auth.verifierTrust, nonces: auth.nonces }),
    subgraphTokens: () => auth.subgraphTokens,
  });
});

afterAll(async () => {
  await gateway?.close();
  agreements?.close();
  await auth?.close();
  await departments?.close();
  await auditDb?.close();
  await storage?.cleanup();
  await ledger?.cleanup();
  if (auditDir) fs.rmSync(auditDir, { recursive: true, force: true });
});

const deep = (levels: number) => {
  let inner = 'did';
  for (let i = 0; i < levels; i++) inner = `enrolments { student { ${inner} } }`;
  return `{ citizen(did: "${'did:ethr:0x539:0x' + '0'.repeat(40)}") { ${inner} } }`;
};
const heavy = 'budgets(first: 100) { edges { node { appropriations { budget { appropriations { budget { appropriations { id } } } } } } } }';

describe('hostile operations are refused before any department is asked', () => {
  it.each<[string, Attack, { status: number; codes: string[] }]>([
    ['introspection', { query: '{ __schema { types { name } } }' }, { status: 400, codes: ['GRAPHQL_VALIDATION_FAILED'] }],
    ['introspection through __type', { query: '{ __type(name: "Citizen") { fields { name } } }' }, { status: 400, codes: ['GRAPHQL_VALIDATION_FAILED'] }],
    ['alias enumeration', { query: `{ ${Array.from({ length: 40 }, (_, i) => `a${i}: budget(id: "${i}") { id }`).join(' ')} }` }, { status: 400, codes: ['GRAPHQL_VALIDATION_FAILED/ALIAS_LIMIT'] }],
    ['deep nesting', { query: deep(7), as: 'audit' }, { status: 400, codes: ['GRAPHQL_VALIDATION_FAILED/DEPTH_LIMIT', 'GRAPHQL_VALIDATION_FAILED/COST_LIMIT'] }],
    ['a fragment cycle', { query: '{ budgets(first: 1) { ...A } } fragment A on BudgetConnection { edges { node { id } } ...B } fragment B on BudgetConnection { ...A }' }, { status: 400, codes: ['GRAPHQL_VALIDATION_FAILED'] }],
    ['too many root fields', { query: `{ ${Array.from({ length: 12 }, (_, i) => `f${i}: budgets(first: 1) { pageInfo { hasNextPage } }`).join(' ')} }` }, { status: 400, codes: ['GRAPHQL_VALIDATION_FAILED/ROOT_FIELD_LIMIT'] }],
    ['a token bomb (wide, duplicated fields)', { query: `{ budgets(first: 1) { edges { node { ${'id '.repeat(5_000)} } } } }` }, { status: 400, codes: ['GRAPHQL_PARSE_FAILED'] }],
    ['directive overloading', { query: `{ budgets(first: 1) { pageInfo { hasNextPage ${'@include(if: true) '.repeat(30)} } } }` }, { status: 400, codes: ['GRAPHQL_VALIDATION_FAILED/DIRECTIVE_LIMIT'] }],
    ['a huge list argument', { query: '{ budgets(first: 1000000) { edges { node { id title } } } }' }, { status: 400, codes: ['GRAPHQL_VALIDATION_FAILED/COST_LIMIT'] }],
    ['nested lists over the cost budget', { query: `{ ${heavy} }` }, { status: 400, codes: ['GRAPHQL_VALIDATION_FAILED/COST_LIMIT'] }],
    ['a cost-limit bypass by naming the operation __schema', { query: `query __schema { ${heavy} }` }, { status: 400, codes: ['GRAPHQL_VALIDATION_FAILED/COST_LIMIT'] }],
    ['a cost-limit bypass by naming a fragment __schema', { query: `{ ...__schema } fragment __schema on Query { ${heavy} }` }, { status: 400, codes: ['GRAPHQL_VALIDATION_FAILED/COST_LIMIT'] }],
    ['a body bomb', { body: JSON.stringify({ query: `{ budgets(first: 1) { pageInfo { hasNextPage } } }`, variables: { pad: 'x'.repeat(300 * 1024) } }) }, { status: 413, codes: ['PAYLOAD_TOO_LARGE'] }],
    ['batching', { body: [{ query: '{ budgets(first: 1) { pageInfo { hasNextPage } } }' }, { query: '{ budgets(first: 1) { pageInfo { hasNextPage } } }' }] }, { status: 400, codes: [] }],
    ['CSRF: a GET without a preflight header', { method: 'GET', search: `?query=${encodeURIComponent('{ budgets(first: 1) { pageInfo { hasNextPage } } }')}` }, { status: 400, codes: [] }],
    ['CSRF: a simple POST (text/plain)', { headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: '{ budgets(first: 1) { pageInfo { hasNextPage } } }' }) }, { status: 400, codes: [] }],
    ['a mutation over GET', { method: 'GET', headers: { 'apollo-require-preflight': 'true' }, search: `?query=${encodeURIComponent('mutation { __typename }')}` }, { status: 405, codes: [] }],
  ])('%s', async (_name, attack, expected) => {
    const outcome = await send(attack);
    expect(outcome.status).toBe(expected.status);
    for (const code of expected.codes) expect(codesOf(outcome)).toContain(code);
    expect(outcome.fetches).toBe(0);
    expect(outcome.text).not.toMatch(/127\.0\.0\.1|stacktrace|at .*\.ts:\d+/);
  });

  it('gives no field suggestions that would map the schema', async () => {
    const outcome = await send({ query: '{ citizn(did: "x") { did } budgts { id } }' });
    expect(outcome.status).toBe(400);
    expect(outcome.text).not.toMatch(/Did you mean/i);
    expect(outcome.fetches).toBe(0);
  });
});

describe('token attacks are refused (401 UNAUTHENTICATED with the reason) and nothing is fetched', () => {
  const parts = async () => (await agencyToken('audit-office')).split('.');
  it.each<[string, () => Promise<string>, string]>([
    ['alg none', async () => { const [, payload] = await parts(); return `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`; }, 'ALGORITHM_NOT_ALLOWED'],
    ['an expired token', () => agencyToken('audit-office', { now: new Date(Date.now() - 3_600_000) }), 'EXPIRED'],
    ['a token for another audience', () => agencyToken('audit-office', { gatewayDid: didForAddress(Wallet.createRandom().address, 1337) }), 'AUDIENCE_MISMATCH'],
    ['a key not in the agency\'s DID document', () => agencyToken('audit-office', { key: Wallet.createRandom() }), 'SIGNATURE_INVALID'],
    ['an edited payload', async () => { const [header, payload, signature] = await parts(); const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()); claims.purpose = 'court-proceedings'; return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`; }, 'SIGNATURE_INVALID'],
  ])('%s', async (_name, token, reason) => {
    const outcome = await send({ query: 'query($d: DID!) { citizen(did: $d) { name } }', variables: { d: citizen.did }, as: token });
    expect(outcome.status).toBe(401);
    expect(codesOf(outcome)).toEqual([`UNAUTHENTICATED/${reason}`]);
    expect(outcome.fetches).toBe(0);
  });

  it('a replayed token (jti is single-use)', async () => {
    const token = await agencyToken('audit-office');
    const first = await send({ query: 'query($d: DID!) { citizen(did: $d) { name } }', variables: { d: citizen.did }, as: async () => token });
    expect(first.status).toBe(200);
    const again = await send({ query: 'query($d: DID!) { citizen(did: $d) { name } }', variables: { d: citizen.did }, as: async () => token });
    expect(codesOf(again)).toEqual(['UNAUTHENTICATED/NONCE_REPLAYED']);
    expect(again.fetches).toBe(0);
  });
});

describe('injection strings in every argument type reach no query as code', () => {
  const sqlish = "x' OR '1'='1'; DROP TABLE payments; --";
  it.each<[string, string, Record<string, unknown>, string[]]>([
    ['a DID', 'query($d: DID!) { citizen(did: $d) { did } }', { d: `did:ethr:0x539:${sqlish}` }, ['INVALID_DID']],
    ['an ID', 'query($id: ID!) { budget(id: $id) { id } }', { id: sqlish }, []],
    ['a String filter', 'query($p: String) { payments(first: 1, payerDepartment: $p) { edges { node { id } } } }', { p: sqlish }, ['INVALID_ARGUMENT']],
    ['a cursor', 'query($a: String) { budgets(first: 1, after: $a) { edges { node { id } } } }', { a: sqlish }, ['INVALID_CURSOR']],
    ['an Int', 'query($n: Int) { budgets(first: $n) { edges { node { id } } } }', { n: sqlish }, ['BAD_USER_INPUT']],
  ])('%s', async (_name, query, variables, expected) => {
    const outcome = await send({ query, variables });
    expect(outcome.status).toBeLessThan(500);
    expect(codesOf(outcome)).toEqual(expected);
    // The data is still there, and the answer says nothing about the database.
    const payments = await send({ query: '{ payments(first: 1) { edges { node { id } } } }' });
    expect(payments.body.data.payments.edges).toHaveLength(1);
    expect(outcome.text).not.toMatch(/syntax error|relation|postgres|pglite/i);
  });
});

describe('restricted data', () => {
  const QUERY = 'query($d: DID!) { citizen(did: $d) { did name ...Record } } fragment Record on Citizen { criminalRecord { clean } secret: taxClearance { status } }';

  it('reaches an anonymous caller as null + UNAUTHORIZED_FIELD through aliases and fragments, fetching nothing restricted', async () => {
    const outcome = await send({ query: QUERY, variables: { d: citizen.did } });
    expect(outcome.body.data).toEqual({ citizen: { did: citizen.did, name: null, criminalRecord: null, secret: null } });
    expect((outcome.body.errors ?? []).map((e) => [e.path, e.extensions?.code])).toEqual([
      [['citizen', 'name'], 'UNAUTHORIZED_FIELD'],
      [['citizen', 'criminalRecord'], 'UNAUTHORIZED_FIELD'],
      [['citizen', 'secret'], 'UNAUTHORIZED_FIELD'],
    ]);
    expect(outcome.fetches).toBe(1); // the one department answering citizen(did), for the DID alone
  });

  it('is not leaked through the plan cache: the same text by the audit office, then anonymously', async () => {
    const full = await send({ query: QUERY, variables: { d: citizen.did }, as: 'audit' });
    expect(full.body.errors).toBeUndefined();
    expect(full.body.data.citizen.name).toBeTypeOf('string');
    const anonymous = await send({ query: QUERY, variables: { d: citizen.did } });
    expect(anonymous.body.data.citizen.name).toBeNull();
    expect(anonymous.fetches).toBe(1);
    const again = await send({ query: QUERY, variables: { d: citizen.did }, as: 'audit' });
    expect(again.body.data).toEqual(full.body.data);
  });

  it('is refused whole for a mutation the caller may not run', async () => {
    // The tax bureau holds no agreement for education.degree: awarding degrees is not its to do.
    const outcome = await send({ query: 'mutation($i: AwardDegreeInput!) { awardDegree(input: $i) { __typename } }', variables: { i: {} }, as: async () => agencyToken('tax-bureau', { purpose: 'tax-administration' }) });
    expect(codesOf(outcome)[0]).toMatch(/^FORBIDDEN_FIELDS/);
    expect(outcome.fetches).toBe(0);
  });
});

describe('a department that fails', () => {
  it('is answered as SUBGRAPH_UNAVAILABLE without leaking its address, and the others still answer', async () => {
    await departments.justice.close();
    const outcome = await send({ query: 'query($d: DID!) { citizen(did: $d) { name criminalRecord { clean } } }', variables: { d: citizen.did }, as: 'audit' });
    expect(outcome.status).toBe(200);
    expect(outcome.body.data.citizen.name).toBeTypeOf('string');
    expect(codesOf(outcome)).toEqual(['SUBGRAPH_UNAVAILABLE']);
    expect(outcome.text).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|justice|stack/i);
  });
});
