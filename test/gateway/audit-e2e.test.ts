import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnchorClient } from '../../anchor/ledger/anchor-client.ts';
import { createDidResolver, didForAddress } from '../../anchor/ledger/did.ts';
import { createDidVersionReader } from '../../anchor/ledger/did-version.ts';
import { startLogWorker, type LogWorker } from '../../anchor/log/log-worker.ts';
import { GATEWAY_AUDIT_LOG } from '../../anchor/log/open-log-database.ts';
import { connectAnchoring } from '../../anchor/log/connect-anchoring.ts';
import { verifyProofBundle } from '../../anchor/log/verify-bundle.ts';
import { seedDemo } from '../../demo/seed.ts';
import { demoCitizens } from '../../demo/citizens.ts';
import { agencyKeyName } from '../../demo/agencies.ts';
import { createAgencyAuthenticator } from '../../gateway/auth/authenticate-agency.ts';
import { createAgencyToken } from '../../gateway/auth/agency-token.ts';
import { memoryReplayGuard } from '../../gateway/auth/replay-guard.ts';
import { createAuditWriter, type AuditWriter } from '../../gateway/audit/audit-writer.ts';
import { openAuditTrail } from '../../gateway/audit/open-audit-trail.ts';
import { memoryRateLimiter } from '../../gateway/limits/rate-limiter.ts';
import { connectAgreements, type ConnectedAgreements } from '../../gateway/policy/connect.ts';
import { startGateway, type GatewayServer } from '../../gateway/server.ts';
import type { Database } from '../../store/database.ts';
import { startTestLedger, TEST_PASSPHRASE, type TestLedger } from '../anchor/ledger-fixture.ts';
import { capturingLogger, startDepartments, type RunningDepartments } from '../support/federation.ts';
import { codes, gql } from '../support/graphql.ts';
import { testStorage, type TestStorage, pgliteTemplate } from '../support/storage.ts';

/**
 * The gateway's audit trail end to end, as `govshare serve gateway` wires it: the demo
 * agreements on a real ledger, agency tokens, policy, a request budget, and every request —
 * granted, filtered or refused — committed to the trail before its answer, anchored, and
 * readable by the citizen it concerned (and only by them) with proofs that check against the
 * ledger.
 */
const silent = capturingLogger('gateway').logger;
let ledger: TestLedger;
let storage: TestStorage;
let departments: RunningDepartments;
let gateway: GatewayServer;
let auditDir: string;
let db: Database;
let writer: AuditWriter;
let auditLog: LogWorker;
let agreements: ConnectedAgreements;
const closers: (() => unknown)[] = [];
const gatewayDid = didForAddress('0x00000000000000000000000000000000000000a7', 1337);
const citizen = demoCitizens(1)[0]!;
const endpoint = () => ({ rpcUrl: ledger.current.url, chainId: 1337 });

async function tokenFor(keyName: string, purpose: string, key?: { address: string; privateKey: string }): Promise<string> {
  const wallet = key ?? (await ledger.keystore.loadKey(keyName));
  return createAgencyToken({ agencyDid: didForAddress(wallet.address, 1337), privateKey: wallet.privateKey, gatewayDid, purpose });
}
const entries = () => db.query<Record<string, any>>('SELECT * FROM audit_entries ORDER BY at, id');
const last = async () => (await entries()).at(-1)!;

beforeAll(async () => {
  ledger = await startTestLedger();
  storage = testStorage('pglite');
  await seedDemo(storage.config, 4);
  departments = await startDepartments(storage);
  auditDir = fs.mkdtempSync(path.join(os.tmpdir(), 'govshare-audit-e2e-'));
  db = await openAuditTrail({ dataDir: auditDir, ...pgliteTemplate() });
  writer = createAuditWriter(db);
  auditLog = startLogWorker({ db, logId: GATEWAY_AUDIT_LOG.logId, logger: silent });
  auditLog.setAnchoring(
    await connectAnchoring({ config: { dataDir: ledger.dataDir, ledgerPort: Number(new URL(ledger.current.url).port) }, keyName: GATEWAY_AUDIT_LOG.keyName, logger: silent, passphrase: TEST_PASSPHRASE, intervalMs: 100 }),
  );
  agreements = await connectAgreements({
    config: { dataDir: ledger.dataDir, ledgerRpcUrl: ledger.current.url, ledgerChainId: 1337, ledgerPort: 0 },
    logger: silent,
    passphrase: TEST_PASSPHRASE,
    pollMs: 200,
  });
  await agreements.source.ready();
  const registry = ledger.current.contracts.EthereumDIDRegistry.address;
  const resolver = createDidResolver({ ...endpoint(), registry });
  const versions = createDidVersionReader({ ...endpoint(), registry });
  const replay = memoryReplayGuard();
  closers.push(() => resolver.close(), () => versions.close(), () => replay.close(), () => agreements.close());
  const authenticate = createAgencyAuthenticator({ gatewayDid, resolver, versions, replay });
  gateway = await startGateway({
    subgraphs: departments.urls,
    port: 0,
    logger: silent,
    authenticator: () => authenticate,
    policy: { agreements: () => agreements.source },
    audit: { writer, db },
    rateLimiter: memoryRateLimiter({ limit: 5, windowMs: 60_000 }),
  });
});

afterAll(async () => {
  await gateway?.close();
  for (const close of closers) await close();
  await departments?.close();
  await writer?.close();
  await auditLog?.stop();
  await db?.close();
  await storage?.cleanup();
  await ledger?.cleanup();
  if (auditDir) fs.rmSync(auditDir, { recursive: true, force: true });
});

const CITIZEN = 'query Person($did: DID!) { citizen(did: $did) { name taxClearance { status } criminalRecord { clean } } }';

describe('every request on the record', () => {
  it('records a granted request with its agency, purpose, agreements, departments and the fields released about the citizen', async () => {
    const response = await gql(gateway.graphqlUrl, CITIZEN, { did: citizen.did }, { authorization: `Bearer ${await tokenFor(agencyKeyName('audit-office'), 'audit')}` });
    expect(response.errors).toBeUndefined();
    const entry = await last();
    expect(entry).toMatchObject({ decision: 'granted', purpose: 'audit', operation_name: 'Person', citizen_count: 1 });
    expect(entry.agency_did).toBe(didForAddress(ledger.keystore.address(agencyKeyName('audit-office')), 1337));
    expect(entry.subgraphs).toEqual(['finance', 'justice']);
    expect(entry.agreements.map((a: { legalBasis: string }) => a.legalBasis)).toEqual(['statute', 'statute', 'statute']);
    const [release] = await db.query<Record<string, any>>('SELECT * FROM audit_releases WHERE entry_id = $1', [entry.id]);
    expect(release).toMatchObject({ citizen_did: citizen.did });
    expect(release!.fields).toEqual(expect.arrayContaining(['Citizen.name', 'Citizen.taxClearance', 'Citizen.criminalRecord']));
    expect(release!.categories).toEqual(expect.arrayContaining(['finance.identity', 'finance.tax', 'justice.criminal-record']));
  });

  it('records a filtered request with the denied paths, and an agency with the wrong purpose gets nothing restricted', async () => {
    const response = await gql(gateway.graphqlUrl, CITIZEN, { did: citizen.did }, { authorization: `Bearer ${await tokenFor(agencyKeyName('audit-office'), 'marketing')}` });
    expect(codes(response)).toContain('UNAUTHORIZED_FIELD');
    expect(await last()).toMatchObject({ decision: 'filtered', code: 'UNAUTHORIZED_FIELD', purpose: 'marketing', citizen_count: 0 });
    expect((await last()).denied_paths).toEqual(['citizen.name', 'citizen.taxClearance', 'citizen.criminalRecord']);
  });

  it('records refusals before GraphQL runs: a forged token, and an agency over its budget (429 with Retry-After)', async () => {
    const forged = await tokenFor('', 'audit', { address: ledger.keystore.address(agencyKeyName('audit-office')), privateKey: (await ledger.keystore.loadKey('education')).privateKey });
    const refused = await gql(gateway.graphqlUrl, CITIZEN, { did: citizen.did }, { authorization: `Bearer ${forged}` });
    expect(refused.status).toBe(401);
    expect(await last()).toMatchObject({ decision: 'refused', code: 'UNAUTHENTICATED', agency_did: null, citizen_count: 0 });

    const taxBureau = agencyKeyName('tax-bureau');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const answer = await gql(gateway.graphqlUrl, '{ __typename }', {}, { authorization: `Bearer ${await tokenFor(taxBureau, 'tax-administration')}` });
      statuses.push(answer.status);
      if (answer.status === 429) {
        expect(codes(answer)).toEqual(['RATE_LIMITED']);
        expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
      }
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect(await last()).toMatchObject({ decision: 'refused', code: 'RATE_LIMITED', purpose: 'tax-administration' });
  });
});

describe('a citizen asking who accessed their data', () => {
  it('sees the agency, purpose and fields, with rows whose proofs check against the anchored log; nobody else reads it', async () => {
    const wallet = { address: citizen.did.split(':').at(-1)!, privateKey: citizen.privateKey };
    const token = await tokenFor('', 'access-log', wallet);
    const answer = await fetch(`${gateway.url}/access-log`, { headers: { authorization: `Bearer ${token}` } });
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as { citizen: string; accesses: any[] };
    expect(body.citizen).toBe(citizen.did);
    expect(body.accesses).toHaveLength(1);
    expect(body.accesses[0]).toMatchObject({ purpose: 'audit', decision: 'granted', consent: null });
    expect(body.accesses[0].fields).toContain('Citizen.taxClearance');

    // Once anchored, each row checks against the ledger exactly as the gateway hashed it.
    const anchor = createAnchorClient({ ...endpoint(), contract: ledger.current.contracts.Anchor.address });
    const resolver = createDidResolver({ ...endpoint(), registry: ledger.current.contracts.EthereumDIDRegistry.address });
    closers.push(() => anchor.close(), () => resolver.close());
    let anchored: any;
    for (let i = 0; i < 100; i++) {
      const again = await fetch(`${gateway.url}/access-log`, { headers: { authorization: `Bearer ${await tokenFor('', 'access-log', wallet)}` } });
      anchored = ((await again.json()) as { accesses: any[] }).accesses[0];
      if (anchored.entry.proof?.status === 'ANCHORED' && anchored.release.proof?.status === 'ANCHORED') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const part of [anchored.entry, anchored.release]) {
      const verdict = await verifyProofBundle(part.proof, { record: part.row, ledger: { anchor, resolver } });
      expect(verdict.checks.filter((c) => !c.ok)).toEqual([]);
      expect(verdict.valid).toBe(true);
    }

    expect((await fetch(`${gateway.url}/access-log`)).status).toBe(401);
    const wrongPurpose = await fetch(`${gateway.url}/access-log`, { headers: { authorization: `Bearer ${await tokenFor('', 'audit', wallet)}` } });
    expect(((await wrongPurpose.json()) as { error: { reason: string } }).error.reason).toBe('PURPOSE_MISMATCH');
  });
});
