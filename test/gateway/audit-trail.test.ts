import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApolloServer } from '@apollo/server';
import { buildSchema, type GraphQLObjectType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRecords } from '../../anchor/log/check-records.ts';
import { recordDigest } from '../../anchor/log/record-digest.ts';
import { AUDIT_TABLES, sha256Hex } from '../../gateway/audit/audit-entry.ts';
import { auditPlugin } from '../../gateway/audit/audit-plugin.ts';
import { createAuditWriter, type AuditWriter } from '../../gateway/audit/audit-writer.ts';
import { openAuditTrail } from '../../gateway/audit/open-audit-trail.ts';
import { readAccessLog } from '../../gateway/audit/read-access-log.ts';
import { RequestAudit, type AuditedContext } from '../../gateway/audit/request-audit.ts';
import type { Database } from '../../store/database.ts';
import { STORAGES, testStorage } from '../support/storage.ts';

/**
 * The audit trail in the request path: every request becomes an entry committed before the
 * answer leaves, with what was released about which citizen (by field, never by value), and
 * a citizen reads exactly their own releases with rows that hash to the log's digests.
 */
const ALICE = 'did:ethr:0x539:0x00000000000000000000000000000000000a11ce';
const BOB = 'did:ethr:0x539:0x0000000000000000000000000000000000000b0b';
const AGENCY = 'did:ethr:0x539:0x00000000000000000000000000000000000a6e7c';

const schema = buildSchema(/* GraphQL */ `
  type Query { citizen(did: String!): Citizen, citizens: [Citizen!]!, budget: Int }
  type Citizen { did: String!, name: String, tax: Tax, nothing: String }
  type Tax { status: String, year: Int }
`);
const resolvers: Record<string, Record<string, (parent: { did: string }, args: { did: string }) => unknown>> = {
  Query: { citizen: (_, { did }) => ({ did }), citizens: () => [{ did: ALICE }, { did: BOB }], budget: () => 42 },
  Citizen: { name: ({ did }) => (did === ALICE ? 'Alice' : 'Bob'), tax: () => ({ status: 'CLEAR', year: 2026 }), nothing: () => null },
};
for (const [type, fields] of Object.entries(resolvers)) {
  for (const [name, resolve] of Object.entries(fields)) (schema.getType(type) as GraphQLObjectType).getFields()[name]!.resolve = resolve as never;
}

let dataDir: string;
let db: Database;
let writer: AuditWriter;
let server: ApolloServer<AuditedContext>;

const run = async (query: string, options: { variables?: Record<string, unknown>; agency?: boolean; audit?: RequestAudit } = {}) => {
  const audit = options.audit ?? new RequestAudit();
  const response = await server.executeOperation(
    { query, ...(options.variables && { variables: options.variables }) },
    { contextValue: { requestId: `req-${Math.random()}`, audit, ...(options.agency !== false && { agency: { did: AGENCY, purpose: 'audit' } }) } },
  );
  return { response, audit, result: response.body.kind === 'single' ? response.body.singleResult : undefined };
};
const entries = () => db.query<Record<string, unknown>>('SELECT * FROM audit_entries ORDER BY at, id');
const releasesOf = (entryId: unknown) => db.query<{ citizen_did: string; fields: string[] }>('SELECT * FROM audit_releases WHERE entry_id = $1 ORDER BY citizen_did', [entryId]);

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'govshare-audit-'));
  db = await openAuditTrail({ dataDir });
  writer = createAuditWriter(db);
  server = new ApolloServer<AuditedContext>({ schema, plugins: [auditPlugin({ writer })] });
  await server.start();
});
afterAll(async () => {
  await server?.stop();
  await db?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('audit entries', () => {
  it('records who asked, hashes of request and response, and which fields about which citizen were released', async () => {
    const before = (await entries()).length;
    const audit = new RequestAudit();
    audit.subgraphs.add('finance');
    audit.policy = { decision: 'filtered', code: 'UNAUTHORIZED_FIELD', agreements: [{ id: 7, categories: ['finance.tax'], legalBasis: 'statute' }], deniedPaths: ['citizen.secret'], categoryOf: (f) => (f.startsWith('Tax.') || f === 'Citizen.tax' ? 'finance.tax' : undefined) };
    const query = 'query One($did: String!) { person: citizen(did: $did) { fullName: name ...Taxes nothing } }\nfragment Taxes on Citizen { tax { status } }';
    const { result } = await run(query, { variables: { did: ALICE }, audit });
    expect(result?.data).toEqual({ person: { fullName: 'Alice', tax: { status: 'CLEAR' }, nothing: null } });

    const all = await entries();
    expect(all).toHaveLength(before + 1);
    const entry = all.at(-1)!;
    expect(entry).toMatchObject({
      agency_did: AGENCY,
      purpose: 'audit',
      decision: 'filtered',
      code: 'UNAUTHORIZED_FIELD',
      operation_name: 'One',
      subgraphs: ['finance'],
      denied_paths: ['citizen.secret'],
      agreements: [{ id: 7, categories: ['finance.tax'], legalBasis: 'statute' }],
      citizen_count: 1,
      response_hash: sha256Hex(JSON.stringify(result)),
    });
    // The citizen is named by the did argument (not selected); a null field is not a release; no values kept.
    const releases = await releasesOf(entry.id);
    expect(releases).toEqual([expect.objectContaining({ citizen_did: ALICE, fields: ['Citizen.name', 'Citizen.tax', 'Tax.status'], categories: ['finance.tax'] })]);
    expect(JSON.stringify(all.at(-1))).not.toContain('Alice');
  });

  it('attributes list items to each citizen by the did in the answer, and records anonymous public reads too', async () => {
    await run('{ citizens { did name } }');
    const listed = (await entries()).at(-1)!;
    expect((await releasesOf(listed.id)).map((r) => [r.citizen_did, r.fields])).toEqual([
      [ALICE, ['Citizen.did', 'Citizen.name']],
      [BOB, ['Citizen.did', 'Citizen.name']],
    ].sort());
    await run('{ budget }', { agency: false });
    expect((await entries()).at(-1)).toMatchObject({ agency_did: null, decision: 'granted', citizen_count: 0 });
  });

  it('records a refused request as refused, with its code', async () => {
    const { result } = await run('{ citizen(did: 1) { name } }');
    expect(result?.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect((await entries()).at(-1)).toMatchObject({ decision: 'refused', code: 'GRAPHQL_VALIDATION_FAILED' });
  });

  it('commits an entry recorded right after another one resolved (no lost wake-up)', async () => {
    const before = (await entries()).length;
    const entry = { at: new Date(), requestId: 'sequential', agencyDid: null, purpose: null, decision: 'granted' as const, code: null, operationName: null, operationHash: null, requestHash: 'a', responseHash: 'b', agreements: [], subgraphs: [], deniedPaths: [], releases: [] };
    await writer.record(entry);
    await writer.record({ ...entry, requestId: 'sequential-2' });
    await writer.record({ ...entry, requestId: 'sequential-3' });
    expect((await entries()).length).toBe(before + 3);
  });

  it('commits many concurrent requests in few transactions, losing none', async () => {
    const before = (await entries()).length;
    await Promise.all(Array.from({ length: 60 }, (_, i) => run(`{ citizen(did: "${i % 2 ? ALICE : BOB}") { name } }`)));
    expect((await entries()).length).toBe(before + 60);
  });

  it('is append-only, and every row is in the log as stored', async () => {
    await expect(db.query("UPDATE audit_entries SET decision = 'granted'")).rejects.toThrow(/append-only/);
    await expect(db.query('DELETE FROM audit_releases')).rejects.toThrow(/append-only/);
    const clean = await checkRecords(db, AUDIT_TABLES);
    expect(clean.findings).toEqual([]);
    expect(clean.checked).toBeGreaterThan(60);
  });
});

describe('a citizen reading who accessed their data', () => {
  it('sees only their releases, each with rows that hash to the logged digests', async () => {
    const log = await readAccessLog(db, ALICE, { limit: 500 });
    expect(log.length).toBeGreaterThan(30);
    for (const access of log) {
      expect(access.release.row.citizen_did).toBe(ALICE);
      expect(JSON.stringify(access.entry.row)).not.toContain(BOB.slice(-10));
      for (const [table, part] of [['audit_entries', access.entry], ['audit_releases', access.release]] as const) {
        expect(part.proof).not.toBeNull();
        expect(recordDigest(table, part.row, Buffer.from(part.proof!.salt!, 'base64url')).toString('hex')).toBe(part.proof!.digest);
      }
    }
    expect(log[0]!.agency).toBe(AGENCY);
    expect(await readAccessLog(db, 'did:ethr:0x539:0x000000000000000000000000000000000000dead')).toEqual([]);
  });
});

describe('when the trail cannot record', () => {
  it('withholds the answer with AUDIT_UNAVAILABLE', async () => {
    const broken = createAuditWriter({ ...db, query: async () => { throw new Error('disk full'); } } as Database);
    const strict = new ApolloServer<AuditedContext>({ schema, plugins: [auditPlugin({ writer: broken })] });
    await strict.start();
    try {
      const response = await strict.executeOperation({ query: `{ citizen(did: "${ALICE}") { name } }` }, { contextValue: { requestId: 'r', audit: new RequestAudit() } });
      const result = response.body.kind === 'single' ? response.body.singleResult : undefined;
      expect(result?.data).toBeNull();
      expect(result?.errors?.[0]?.extensions?.code).toBe('AUDIT_UNAVAILABLE');
      expect(response.http.status).toBe(503);
    } finally {
      await strict.stop();
    }
  });
});

describe.each(STORAGES)('a batch written as one statement (%s)', (kind) => {
  it('stores every row as its logged digest says, odd text included, and loses none', async () => {
    const storage = testStorage(kind);
    const trail = await openAuditTrail(storage.config);
    try {
      const batchWriter = createAuditWriter(trail);
      const at = new Date('2026-11-25T08:21:10.914Z');
      const entry = (i: number) => ({
        at,
        requestId: `batch-${i}`,
        agencyDid: i % 3 === 0 ? null : AGENCY,
        // A NUL and a lone surrogate cannot be stored as they are: recorded as U+FFFD, not failing the batch.
        purpose: i === 1 ? 'benefit\u0000check \uD800' : 'benefit-eligibility',
        decision: 'granted' as const,
        code: null,
        operationName: i % 2 ? 'Cross' : null,
        operationHash: 'a'.repeat(64),
        requestHash: 'b'.repeat(64),
        responseHash: 'c'.repeat(64),
        agreements: i % 2 ? [{ id: 7, categories: ['education.degree', 'finance.tax'], legalBasis: 'consent' as const }] : [],
        subgraphs: ['education', 'finance'],
        deniedPaths: i % 2 ? [] : ['citizen.tax'],
        releases: Array.from({ length: i % 3 }, (_, k) => ({ citizen: k ? BOB : ALICE, fields: ['Citizen.name', 'Citizen.tax'], categories: ['finance.tax'], consent: k ? null : `urn:uuid:consent-${i}` })),
      });
      await Promise.all(Array.from({ length: 40 }, (_, i) => batchWriter.record(entry(i))));
      await batchWriter.close();
      const stored = await trail.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_entries');
      expect(stored[0]!.n).toBe(40);
      const releases = await trail.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_releases');
      expect(releases[0]!.n).toBe(Array.from({ length: 40 }, (_, i) => i % 3).reduce((a, b) => a + b, 0));
      const [odd] = await trail.query<{ purpose: string }>("SELECT purpose FROM audit_entries WHERE request_id = 'batch-1'");
      expect(odd!.purpose).toBe('benefit\uFFFDcheck \uFFFD');
      const check = await checkRecords(trail, AUDIT_TABLES);
      expect(check.findings).toEqual([]);
      expect(check.checked).toBe(40 + releases[0]!.n);
    } finally {
      await trail.close();
      await storage.cleanup();
    }
  });

  // The foreign key from releases to entries became one check per statement (migration 002):
  // what it guaranteed must still hold.
  it('refuses a release that names no entry, alone or among good ones, and any truncation', async () => {
    const storage = testStorage(kind);
    const trail = await openAuditTrail(storage.config);
    try {
      const entryId = '00000000-0000-4000-8000-000000000001';
      await trail.query(
        `INSERT INTO audit_entries (id, at, request_id, decision, request_hash, response_hash) VALUES ($1, now(), 'check', 'granted', 'x', 'y')`,
        [entryId],
      );
      const release = (id: string, entry: string) => `('${id}', '${entry}', '${ALICE}', '{Citizen.name}')`;
      const insert = (...rows: string[]) => trail.query(`INSERT INTO audit_releases (id, entry_id, citizen_did, fields) VALUES ${rows.join(', ')}`);
      const orphan = '00000000-0000-4000-8000-0000000000ff';
      await expect(insert(release('00000000-0000-4000-8000-000000000011', orphan))).rejects.toThrow(/names an entry that is not on the audit trail/);
      await expect(
        insert(release('00000000-0000-4000-8000-000000000012', entryId), release('00000000-0000-4000-8000-000000000013', orphan)),
      ).rejects.toThrow(/not on the audit trail/);
      expect(await trail.query('SELECT id FROM audit_releases')).toEqual([]);
      await insert(release('00000000-0000-4000-8000-000000000014', entryId), release('00000000-0000-4000-8000-000000000015', entryId));
      expect(await trail.query('SELECT id FROM audit_releases')).toHaveLength(2);
      await expect(trail.query('TRUNCATE audit_releases')).rejects.toThrow(/append-only: TRUNCATE on audit_releases/);
      await expect(trail.query('TRUNCATE audit_entries CASCADE')).rejects.toThrow(/append-only: TRUNCATE on audit_entries/);
      expect(await trail.query('SELECT id FROM audit_entries')).toHaveLength(1);
    } finally {
      await trail.close();
      await storage.cleanup();
    }
  });
});
