import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalRow, checkRecords, planTable, timestampValue, type RecordFinding } from '../../anchor/log/check-records.ts';
import { logRecord } from '../../anchor/log/log-record.ts';
import { openLogDatabase } from '../../anchor/log/open-log-database.ts';
import { canonicalRecord, newSalt, recordDigest } from '../../anchor/log/record-digest.ts';
import { parseTimestamp, type Queryable } from '../../store/database.ts';
import type { Database } from '../../store/open.ts';
import { STORAGES, testStorage, type TestStorage } from '../support/storage.ts';

/**
 * `govshare audit` re-hashes rows from one JSON text per row instead of the driver's row
 * objects (anchor/log/check-records.ts). The digest is what the store logged from the driver's
 * row (`logRecord` on `RETURNING *`), so for every column type a department may use, on both
 * storages, the text re-hashed here must be exactly `canonicalRecord` of the driver's row, and
 * the audit's verdict on every row, clean or tampered by SQL, must be the verdict of re-hashing
 * the driver's rows (the implementation before it, kept here as the oracle).
 */

const KINDS_TABLE = `CREATE TABLE kinds (
  id uuid PRIMARY KEY,
  t text, v varchar(40), u uuid, b bool, i2 int2, i4 int4, i8 int8, n numeric, n2 numeric(6, 2),
  d date, ts timestamptz, j jsonb, js json, by bytea, tags text[]
)`;

const tricky = [
  'plain',
  '',
  'quote " backslash \\ slash /',
  'controls \u0001\u0008\t\n\f\r\u001f\u007f',
  'unicode é ü 中文 \u2028 \u2029 emoji 😀 🏳️‍🌈',
  '{"not": "json"}',
  'NULL',
  'a,b {c} "d"',
  ' leading and trailing ',
];

/** Rows covering every kind's edges (null everywhere in one). */
function kindRows(): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [
    { t: null, v: null, u: null, b: null, i2: null, i4: null, i8: null, n: null, n2: null, d: null, ts: null, j: null, js: null, by: null, tags: null },
  ];
  [...tricky, ...tricky, ...tricky].forEach((text, k) => {
    rows.push({
      t: text,
      v: text.slice(0, 40),
      u: randomUUID(),
      b: k % 2 === 0,
      i2: [-32768, 32767, 0, -1][k % 4],
      i4: [-2147483648, 2147483647, 0, 42][k % 4],
      i8: [Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 0, -7, 1234567890123][k % 5],
      n: ['1.50', '-0.000', 'NaN', '12345678901234567890.123456789012345678901234567890', '1e-20', 'Infinity', '-Infinity', '0', '7'][k % 9],
      n2: ['1.5', '-9999.99', '0', '3.14159'][k % 4],
      d: ['2026-01-01', '1970-01-01', '0001-01-01', '9999-12-31', '2000-02-29', 'infinity', '-infinity', '1999-12-31', '2026-11-25'][k % 9],
      ts: ['2026-11-25 08:21:10.914567+00', '1970-01-01 00:00:00+00', '1969-12-31 23:59:59.9999+00', '0099-03-04 05:06:07.1+00', '2026-11-25 08:21:10+00', '2026-01-01 00:00:00.12+00', '9999-12-31 23:59:59.999999+00', '2026-11-25 10:21:10.5+02', '1900-06-15 12:00:00.000001+00'][k % 9],
      // jsonb as JSON text: key order, number forms, a __proto__ key, unicode, nesting, scalars.
      j: [
        '{"b": 1, "a": [1, 2.5, "3", null, true], "nested": {"z": {"y": "x"}}}',
        '[]',
        '"a string"',
        '12345678901234567890',
        '{"__proto__": {"polluted": true}, "constructor": 1, "": "empty key", "é": "accent", "\u2028": "sep", "10": "digits", "2": "two"}',
        '{"num": 1.0, "exp": 1e21, "small": 1e-7, "neg": -0, "big": 1.0000000000000000001}',
        'null',
        '{"deep": [[[{"a": [{}]}]]]}',
        'true',
      ][k % 9],
      js: ['{"b": 2,  "a": 1, "a": 3}', '[1, 2.0, 1e2]', '"x"', '{}'][k % 4],
      by: [Buffer.alloc(0), randomBytes(40), Buffer.from([0, 255, 62, 63]), null][k % 4],
      tags: [[], ['a', null, 'NULL', '', 'x,y', '"q"', 'b\\s', '{br}', 'é 😀'], [text], null, ['one']][k % 5],
    });
  });
  // A text longer than the hasher's first buffer, in 3-byte characters.
  rows.push({ ...rows[1], u: randomUUID(), t: '中'.repeat(70_000) });
  return rows;
}

const COLUMNS = ['t', 'v', 'u', 'b', 'i2', 'i4', 'i8', 'n', 'n2', 'd', 'ts', 'j', 'js', 'by', 'tags'];
const TYPES = ['text', 'varchar', 'uuid', 'bool', 'int2', 'int4', 'int8', 'numeric', 'numeric', 'date', 'timestamptz', 'jsonb', 'json', 'bytea', 'text[]'];

/** Writes rows as a store does: the row the database returns, logged in the same transaction. */
async function storeRows(db: Database, table: string, rows: Record<string, unknown>[], columns = COLUMNS, types = TYPES): Promise<string[]> {
  const ids: string[] = [];
  for (const values of rows) {
    const id = randomUUID();
    ids.push(id);
    await db.transaction(async (tx) => {
      const params = [id, ...columns.map((c) => values[c] ?? null)];
      const [row] = await tx.query<Record<string, unknown> & { id: unknown }>(
        `INSERT INTO ${table} (id, ${columns.join(', ')}) VALUES ($1::uuid, ${columns.map((_, i) => `$${i + 2}::${types[i]}`).join(', ')}) RETURNING *`,
        params,
      );
      await logRecord(tx, table, row!);
    });
  }
  return ids;
}

/** The audit as it was: the driver's rows, each re-hashed against the latest salted entry of its record. */
async function oracle(db: Queryable, table: string): Promise<RecordFinding[]> {
  const rows = await db.query<Record<string, unknown> & { id: unknown }>(`SELECT * FROM ${table} ORDER BY id`);
  const entries = await db.query<{ record_id: string; salt: Uint8Array; digest: Uint8Array }>(
    'SELECT DISTINCT ON (record_id) record_id, salt, digest FROM record_log WHERE record_table = $1 AND salt IS NOT NULL ORDER BY record_id, seq DESC',
    [table],
  );
  const latest = new Map(entries.map((e) => [e.record_id, e]));
  const findings: RecordFinding[] = [];
  for (const row of rows) {
    const entry = latest.get(String(row.id));
    latest.delete(String(row.id));
    if (!entry) findings.push({ table, id: String(row.id), problem: 'INSERTED' });
    else if (!recordDigest(table, row, entry.salt).equals(Buffer.from(entry.digest))) findings.push({ table, id: String(row.id), problem: 'ALTERED' });
  }
  for (const id of latest.keys()) findings.push({ table, id, problem: 'DELETED' });
  return sorted(findings);
}

const sorted = (findings: RecordFinding[]) =>
  [...findings].sort((a, b) => (a.problem + a.id < b.problem + b.id ? -1 : a.problem + a.id > b.problem + b.id ? 1 : 0));

describe.each(STORAGES)('the audit re-hashes every column type as the store logged it (%s)', (kind) => {
  let storage: TestStorage;
  let db: Database;
  let ids: string[];

  beforeAll(async () => {
    storage = testStorage(kind);
    db = await openLogDatabase(storage.config, 'checkrecords', 'checkrecords');
    await db.exec(KINDS_TABLE);
    ids = await storeRows(db, 'kinds', kindRows());
  });

  afterAll(async () => {
    await db?.close();
    await storage?.cleanup();
  });

  it('reads every supported column type through the JSON plan', async () => {
    const plan = await planTable(db, 'kinds');
    expect(plan?.columns.map((c) => c.name)).toEqual(['id', ...COLUMNS]);
  });

  it('builds, for every row, exactly the canonical text of the driver row', async () => {
    const plan = (await planTable(db, 'kinds'))!;
    const driverRows = await db.query<Record<string, unknown> & { id: string }>('SELECT * FROM kinds');
    const byId = new Map(driverRows.map((row) => [row.id, row]));
    const jsonRows = await db.query<{ j: string }>(plan.sql);
    const n = plan.columns.length;
    let compared = 0;
    for (const { j } of jsonRows) {
      const values = JSON.parse(j) as unknown[];
      expect(values[n + 3], 'a row for every entry').toBe(true);
      const driverRow = byId.get(values[0] as string)!;
      expect(canonicalRow(plan, values)).toBe(canonicalRecord('kinds', driverRow));
      compared++;
    }
    expect(compared).toBe(ids.length);
  });

  it('finds the rows intact, as the store wrote them', async () => {
    expect(await checkRecords(db, ['kinds'])).toEqual({ checked: ids.length, findings: [] });
  });

  it('gives the verdict of re-hashing the driver rows on every change made by SQL', async () => {
    // One change per column (and shape), each on its own row.
    const changes = [
      "t = t || 'x'",
      "t = 'different'",
      "v = 'other'",
      'u = gen_random_uuid()',
      'b = NOT coalesce(b, false)',
      'i2 = coalesce(i2, 0) + 1',
      'i4 = 5',
      'i8 = 9007199254740990',
      "n = '1.500'", // same number, another text: the store would have logged '1.500'
      'n2 = 1.51',
      "d = '2026-01-02'",
      "ts = ts + interval '1 millisecond'",
      "ts = ts + interval '1 microsecond'", // below the millisecond kept by the driver: not a change the digest sees
      `j = '{"a": 1}'`,
      `j = j`, // not a change
      `js = '{"a":1}'`,
      "by = '\\x00'",
      "tags = '{a,b}'",
      "tags = '{{a,b},{c,d}}'",
      "tags = '[0:1][1:1]={{a},{b}}'",
      "tags = '{}'",
    ];
    for (let k = 0; k < changes.length; k++) await db.query(`UPDATE kinds SET ${changes[k]} WHERE id = $1`, [ids[k % ids.length]]);
    // The same elements from another index: neither driver (so neither the digest) sees array bounds.
    const [one] = await db.query<{ id: string }>("UPDATE kinds SET tags = '[0:0]={one}' WHERE id = ANY($1) AND tags = '{one}' RETURNING id", [ids.slice(changes.length)]);
    expect(one).toBeDefined();
    // A row written behind the store's back, and a logged row deleted.
    await db.query("INSERT INTO kinds (id, t) VALUES (gen_random_uuid(), 'never logged')");
    await db.query('DELETE FROM kinds WHERE id = $1', [ids[ids.length - 1]]);

    const expected = await oracle(db, 'kinds');
    expect(expected.filter((f) => f.problem === 'ALTERED').length).toBeGreaterThan(10);
    expect(expected.filter((f) => f.problem !== 'ALTERED').map((f) => f.problem)).toEqual(['DELETED', 'INSERTED']);
    const result = await checkRecords(db, ['kinds']);
    expect(sorted(result.findings)).toEqual(expected);
    expect(result.findings.find((f) => f.id === one!.id)).toBeUndefined();
    expect(result.checked).toBe(ids.length);
  });

  it('checks a table with a column type it does not read as JSON the old way, with the same verdicts', async () => {
    await db.exec('CREATE TABLE other_kinds (id bigint PRIMARY KEY, f float8, at timestamp, ns int4[], name text)');
    const rows: Record<string, unknown>[] = [];
    for (let i = 1; i <= 6; i++) {
      await db.transaction(async (tx) => {
        const [row] = await tx.query<Record<string, unknown> & { id: unknown }>(
          'INSERT INTO other_kinds (id, f, at, ns, name) VALUES ($1, $2, $3, $4, $5) RETURNING *',
          [i, i / 3, '2026-01-01 10:00:00', [i, i + 1], `n${i}`],
        );
        rows.push(row!);
        await logRecord(tx, 'other_kinds', row!);
      });
    }
    expect(await planTable(db, 'other_kinds')).toBeUndefined();
    expect(await checkRecords(db, ['other_kinds'])).toEqual({ checked: 6, findings: [] });
    await db.query('UPDATE other_kinds SET f = 0.5 WHERE id = 2');
    await db.query('DELETE FROM other_kinds WHERE id = 3');
    await db.query("INSERT INTO other_kinds (id, name) VALUES (7, 'never logged')");
    const result = await checkRecords(db, ['other_kinds']);
    expect(sorted(result.findings)).toEqual(await oracle(db, 'other_kinds'));
    expect(sorted(result.findings)).toEqual([
      { table: 'other_kinds', id: '2', problem: 'ALTERED' },
      { table: 'other_kinds', id: '3', problem: 'DELETED' },
      { table: 'other_kinds', id: '7', problem: 'INSERTED' },
    ]);
  });

  it('names records by their id as the driver gives it (bigint and text keys), across many pages', async () => {
    await db.exec('CREATE TABLE many (id bigint PRIMARY KEY, label text NOT NULL, at timestamptz NOT NULL DEFAULT now())');
    await db.exec("CREATE TABLE named (id text PRIMARY KEY, n int4 NOT NULL, at timestamptz NOT NULL DEFAULT now() - random() * interval '300 days')");
    const count = 12_345;
    for (const [table, values] of [
      ['many', (i: number) => [i * 1000, `row ${i}`]],
      ['named', (i: number) => [`urn:test:${i}`, i]],
    ] as const) {
      const inserted = await db.query<Record<string, unknown> & { id: unknown }>(
        `INSERT INTO ${table} SELECT * FROM unnest($1::${table === 'many' ? 'bigint' : 'text'}[], $2::${table === 'many' ? 'text' : 'int4'}[]) RETURNING *`,
        [Array.from({ length: count }, (_, i) => values(i)[0]), Array.from({ length: count }, (_, i) => values(i)[1])],
      );
      const salts = inserted.map(() => newSalt());
      await db.query(
        'INSERT INTO record_log (record_table, record_id, salt, digest) SELECT $1, u.id, u.s, u.d FROM unnest($2::text[], $3::bytea[], $4::bytea[]) AS u(id, s, d)',
        [table, inserted.map((r) => String(r.id)), salts, inserted.map((row, i) => recordDigest(table, row, salts[i]!))],
      );
    }
    // A later version of one record logged (the latest entry counts), an unsalted leaf under another's name (ignored).
    await db.transaction(async (tx) => {
      const [row] = await tx.query<Record<string, unknown> & { id: unknown }>("UPDATE many SET label = 'second version' WHERE id = 5000 RETURNING *");
      await logRecord(tx, 'many', row!);
    });
    await db.query("INSERT INTO record_log (record_table, record_id, salt, digest) VALUES ('named', 'urn:test:7', NULL, $1)", [randomBytes(32)]);
    const progress: number[] = [];
    expect(await checkRecords(db, ['many', 'named'], (n) => progress.push(n))).toEqual({ checked: 2 * count, findings: [] });
    expect(progress.at(-1)).toBe(2 * count);
    expect(progress.length).toBeGreaterThan(4);

    await db.query("UPDATE many SET label = 'changed' WHERE id IN (7000, 5000, 12000000)");
    await db.query("UPDATE named SET n = -1 WHERE id = 'urn:test:12'");
    await db.query("DELETE FROM named WHERE id = 'urn:test:9'");
    const result = await checkRecords(db, ['many', 'named']);
    expect(result.findings).toEqual([
      { table: 'many', id: '5000', problem: 'ALTERED' },
      { table: 'many', id: '7000', problem: 'ALTERED' },
      { table: 'many', id: '12000000', problem: 'ALTERED' },
      { table: 'named', id: 'urn:test:12', problem: 'ALTERED' },
      { table: 'named', id: 'urn:test:9', problem: 'DELETED' },
    ]);
    expect(sorted(result.findings)).toEqual(sorted([...(await oracle(db, 'many')), ...(await oracle(db, 'named'))]));
  });

  it('fails like the driver on a value the driver cannot give (an int8 beyond 2^53)', async () => {
    await db.exec('CREATE TABLE big (id uuid PRIMARY KEY, n int8)');
    await storeRows(db, 'big', [{ n: 1 }], ['n'], ['int8']);
    await db.query('UPDATE big SET n = 9007199254740993');
    await expect(db.query('SELECT * FROM big')).rejects.toThrow(RangeError);
    await expect(checkRecords(db, ['big'])).rejects.toThrow(RangeError);
  });

  it('turns every timestamptz PostgreSQL prints into the string parseTimestamp gives', async () => {
    const rows = await db.query<{ t: string }>(
      `SELECT (timestamptz '0001-01-01 00:00:00+00' + random() * interval '9998 years' + (random() * 86400000000)::int8 * interval '1 microsecond')::text AS t
         FROM generate_series(1, 5000)
       UNION ALL SELECT (timestamptz '2026-01-01 00:00:00+00' + g * interval '1 microsecond' * 1111)::text FROM generate_series(0, 999) g`,
    );
    for (const { t } of rows) expect(timestampValue(t)).toBe(parseTimestamp(t));
    for (const t of ['2026-11-25 09:21:10.914+01', '2026-11-25 03:51:10.9+05:30', '2026-11-25 08:21:10-03', '2026-11-25 08:21:10.123456+00', '2026-11-25 08:21:10.1234567+00']) {
      expect(timestampValue(t)).toBe(parseTimestamp(t));
    }
  });
});

describe('the tables govshare audit re-hashes', () => {
  it('are all read through the JSON plan (a new column type needs COLUMN_KINDS and a case above, or falls back to driver rows)', async () => {
    const { education } = await import('../../subgraphs/education/index.ts');
    const { finance } = await import('../../subgraphs/finance/index.ts');
    const { justice } = await import('../../subgraphs/justice/index.ts');
    const { openDepartmentStore } = await import('../../subgraphs/kit/open-store.ts');
    const { openAuditTrail } = await import('../../gateway/audit/open-audit-trail.ts');
    const { AUDIT_TABLES } = await import('../../gateway/audit/audit-entry.ts');
    const storage = testStorage('pglite');
    try {
      const unplanned: string[] = [];
      const opened: [Database, readonly string[]][] = [];
      for (const department of [education, finance, justice] as { name: string; recordedTables: readonly string[] }[]) {
        opened.push([(await openDepartmentStore(department as Parameters<typeof openDepartmentStore>[0], storage.config)).db, department.recordedTables]);
      }
      opened.push([await openAuditTrail(storage.config), AUDIT_TABLES]);
      for (const [db, tables] of opened) {
        for (const table of tables) if (!(await planTable(db, table))) unplanned.push(table);
        await db.close();
      }
      expect(unplanned).toEqual([]);
    } finally {
      await storage.cleanup();
    }
  });
});
