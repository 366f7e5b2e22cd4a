import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPGlite } from '../../store/pglite.ts';
import { preparedStatements } from '../../store/pglite-statements.ts';
import type { Database } from '../../store/database.ts';

/**
 * The embedded store runs parameterised statements prepared, in one protocol exchange
 * (store/pglite-statements.ts). It must answer exactly as PGlite's own query does, keep each
 * statement prepared once, stay within its bound, survive a table changing under it, and never
 * slip a statement into another caller's open transaction.
 */
describe('prepared statements on PGlite', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'govshare-statements-'));
  let db: Database;
  let pg: PGlite;

  beforeAll(async () => {
    db = await openPGlite(dataDir, 'education');
    await db.exec(`CREATE TABLE kinds (
      id int PRIMARY KEY, label text, big int8, amount numeric, flag boolean, at timestamptz, on_day date,
      tags text[], doc jsonb, raw bytea, ids uuid[]
    )`);
    // A second, plain PGlite on its own directory: the reference answers.
    pg = await PGlite.create(path.join(dataDir, 'reference'));
  });
  afterAll(async () => {
    await db.close();
    await pg.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const row = [
    7,
    "it's \"quoted\", {braced} and \\ slashed",
    9_007_199_254_740_991,
    '12.50',
    true,
    new Date('2026-02-28T10:11:12.345Z'),
    '2026-02-28',
    ['a', 'b,c', 'd"e', 'f\\g', '', 'NULL'],
    { nested: { list: [1, 'two', null] }, 'quote"key': "it's" },
    Buffer.from([0, 1, 2, 254, 255]),
    ['6f1e0c3a-5f0e-4c4b-9a53-0c9e2d6f7a10'],
  ];

  it('writes and reads every parameter type as PGlite.query does', async () => {
    await db.query('INSERT INTO kinds VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)', row);
    const [ours] = await db.query<Record<string, unknown>>('SELECT * FROM kinds WHERE id = $1 AND tags = $2', [7, row[7]]);

    await pg.exec(`CREATE TABLE kinds (
      id int PRIMARY KEY, label text, big int8, amount numeric, flag boolean, at timestamptz, on_day date,
      tags text[], doc jsonb, raw bytea, ids uuid[]
    )`);
    await pg.query('INSERT INTO kinds VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)', row);
    const { rows: [theirs] } = await pg.query<Record<string, unknown>>('SELECT * FROM kinds WHERE id = $1 AND tags = $2', [7, row[7]]);

    // Same stored values: compare as text, where the store's own parsers (int8, timestamptz) differ from PGlite's defaults.
    const asText = 'SELECT id::text, label, big::text, amount::text, flag::text, at::text, on_day::text, tags::text, doc::text, raw::text, ids::text FROM kinds';
    expect(await db.query(asText)).toEqual((await pg.query(asText)).rows);
    expect(ours).toMatchObject({ id: 7, label: row[1], big: row[2], amount: '12.50', flag: true, at: '2026-02-28T10:11:12.345Z', on_day: '2026-02-28', tags: row[7], doc: row[8], ids: row[10] });
    expect(Buffer.from(ours!.raw as Uint8Array)).toEqual(row[9]);
    expect(theirs).toMatchObject({ label: row[1], tags: row[7], doc: row[8] });
    // null and undefined are SQL NULL, as with PGlite.query.
    await db.query('INSERT INTO kinds (id, label, doc) VALUES ($1, $2, $3)', [8, null, undefined]);
    expect(await db.query('SELECT label, doc FROM kinds WHERE id = $1', [8])).toEqual([{ label: null, doc: null }]);
  });

  it('plans each execution for its own values, never with a generic plan', async () => {
    // A generic plan cannot see an array parameter's length: it halved the Merkle log's integration.
    // (Left to Postgres' default, the statement below gets a generic plan from its sixth run on.)
    const text = 'SELECT count(*)::int AS n FROM kinds WHERE id = ANY($1)';
    for (let i = 0; i < 8; i++) expect(await db.query(text, [[7, 8, i]])).toEqual([{ n: 2 }]);
    expect(await db.query('SELECT generic_plans::int AS generic, custom_plans::int AS custom FROM pg_prepared_statements WHERE statement = $1', [text])).toEqual([{ generic: 0, custom: 8 }]);
  });

  it('prepares a statement once however often it runs', async () => {
    const text = 'SELECT count(*)::int AS n FROM kinds WHERE id <> $1';
    for (let i = 0; i < 20; i++) expect(await db.query(text, [-1 - i])).toEqual([{ n: 2 }]);
    const prepared = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement = $1', [text]);
    expect(prepared).toEqual([{ n: 1 }]);
  });

  it('keeps at most `max` statements prepared, closing the least recently used', async () => {
    const own = await PGlite.create();
    try {
      const statements = preparedStatements(own, { max: 3 });
      for (let i = 0; i < 10; i++) expect(await statements.run(`SELECT $1::int + ${i} AS n`, [1])).toEqual([{ n: 1 + i }]);
      // The next exchange closes what the last eviction left; then three remain (the count itself is the third).
      await statements.run('SELECT 1 AS one');
      expect(await statements.run('SELECT count(*)::int AS n FROM pg_prepared_statements')).toEqual([{ n: 3 }]);
      // A statement closed by eviction is prepared again when it comes back.
      expect(await statements.run('SELECT $1::int + 0 AS n', [5])).toEqual([{ n: 5 }]);
    } finally {
      await own.close();
    }
  });

  it('prepares again when a migration changes the columns a statement returns', async () => {
    await db.exec('CREATE TABLE changing (id int PRIMARY KEY)');
    await db.query('INSERT INTO changing VALUES ($1)', [1]);
    expect(await db.query('SELECT * FROM changing WHERE id = $1', [1])).toEqual([{ id: 1 }]);
    await db.exec("ALTER TABLE changing ADD COLUMN note text DEFAULT 'added'");
    expect(await db.query('SELECT * FROM changing WHERE id = $1', [1])).toEqual([{ id: 1, note: 'added' }]);
  });

  it('reports errors with their SQLSTATE and keeps working after them', async () => {
    await expect(db.query('INSERT INTO kinds (id) VALUES ($1)', [7])).rejects.toMatchObject({ code: '23505' });
    await expect(db.query('SELEC nothing')).rejects.toMatchObject({ code: '42601' });
    await expect(db.query('SELECT $1::int AS n', ['not a number'])).rejects.toMatchObject({ code: '22P02' });
    expect(await db.query('SELECT $1::int AS n', [3])).toEqual([{ n: 3 }]);
  });

  it('runs inside a transaction, and a rollback keeps the statements usable', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO kinds (id, label) VALUES ($1, $2)', [20, 'rolled back']);
        await tx.query('INSERT INTO kinds (id, label) VALUES ($1, $2)', [20, 'duplicate']);
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect(await db.query('SELECT id FROM kinds WHERE id = $1', [20])).toEqual([]);
    await db.transaction(async (tx) => {
      await tx.query('INSERT INTO kinds (id, label) VALUES ($1, $2)', [20, 'committed']);
    });
    expect(await db.query('SELECT label FROM kinds WHERE id = $1', [20])).toEqual([{ label: 'committed' }]);
  });

  it('never runs a statement inside another caller\'s open transaction', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const transaction = db
      .transaction(async (tx) => {
        await tx.query('INSERT INTO kinds (id, label) VALUES ($1, $2)', [30, 'in a transaction that fails']);
        await held;
        throw new Error('rolled back on purpose');
      })
      .catch((error: Error) => error.message);
    // Issued while the transaction is open: it must wait for it, not see or join it.
    const outside = db.query<{ n: number }>('SELECT count(*)::int AS n FROM kinds WHERE id = $1', [30]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    expect(await transaction).toBe('rolled back on purpose');
    expect(await outside).toEqual([{ n: 0 }]);
  });

  it('refuses a transaction\'s statement after it has ended', async () => {
    let kept: Parameters<Parameters<Database['transaction']>[0]>[0] | undefined;
    await db.transaction(async (tx) => {
      kept = tx;
    });
    await expect(kept!.query('SELECT 1')).rejects.toThrow(/closed/);
  });
});
