import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate } from '../../store/migrate.ts';
import { openDatabase } from '../../store/open.ts';
import { STORAGES, testStorage } from '../support/storage.ts';

const migrations = fs.mkdtempSync(path.join(os.tmpdir(), 'govshare-migrations-'));
fs.writeFileSync(path.join(migrations, '001_init.sql'), 'CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL, amount int8, on_day date, at timestamptz DEFAULT now());');
fs.writeFileSync(path.join(migrations, '002_more.sql'), 'ALTER TABLE notes ADD COLUMN tag text; CREATE INDEX notes_tag ON notes (tag);');
afterAll(() => fs.rmSync(migrations, { recursive: true, force: true }));

describe.each(STORAGES)('storage on %s', (kind) => {
  it('applies each migration once and returns rows with the same JS types', async () => {
    const storage = testStorage(kind);
    const db = await openDatabase(storage.config, 'education');
    try {
      expect(await migrate(db, migrations)).toEqual(['001_init', '002_more']);
      expect(await migrate(db, migrations)).toEqual([]);
      await db.transaction(async (tx) => {
        await tx.query('INSERT INTO notes (id, body, amount, on_day, tag) VALUES ($1, $2, $3, $4, $5)', [1, 'a', 9_007_199_254_740_991, '2026-02-28', 'x']);
      });
      const [row] = await db.query<Record<string, unknown>>('SELECT * FROM notes');
      expect(row).toMatchObject({ id: 1, body: 'a', amount: 9_007_199_254_740_991, on_day: '2026-02-28', tag: 'x' });
      expect(row!.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    } finally {
      await db.close();
      await storage.cleanup();
    }
  });

  it('rolls a failed transaction back completely', async () => {
    const storage = testStorage(kind);
    const db = await openDatabase(storage.config, 'finance');
    try {
      await migrate(db, migrations);
      await expect(
        db.transaction(async (tx) => {
          await tx.query("INSERT INTO notes (id, body) VALUES (1, 'kept?')");
          await tx.query("INSERT INTO notes (id, body) VALUES (1, 'duplicate')");
        }),
      ).rejects.toThrow();
      expect(await db.query('SELECT * FROM notes')).toEqual([]);
    } finally {
      await db.close();
      await storage.cleanup();
    }
  });
});
