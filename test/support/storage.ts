import type { StorageConfig } from '../../store/open.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * The two storages every department suite runs against: embedded PGlite in a
 * fresh temp dir, and the PostgreSQL server on 127.0.0.1:5432 (database test)
 * in schemas with a prefix unique to this run, dropped afterwards.
 */
export const TEST_DB_URL = process.env.GOVSHARE_TEST_DB_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type StorageKind = 'pglite' | 'postgres';
export const STORAGES: StorageKind[] = ['pglite', 'postgres'];

export interface TestStorage {
  config: StorageConfig;
  cleanup(): Promise<void>;
}

/**
 * Where test databases are copied from (GOVSHARE_PGLITE_TEMPLATE, set for every test by
 * vitest.config.ts), for a test that opens an embedded database with a config of its own.
 */
export function pgliteTemplate(): { pgliteTemplate?: string } {
  const template = process.env.GOVSHARE_PGLITE_TEMPLATE;
  return template ? { pgliteTemplate: template } : {};
}

export function testStorage(kind: StorageKind): TestStorage {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'govshare-test-'));
  if (kind === 'pglite') {
    return { config: { dataDir, ...pgliteTemplate() }, cleanup: async () => fs.rmSync(dataDir, { recursive: true, force: true }) };
  }
  const schemaPrefix = `t${randomBytes(4).toString('hex')}_`;
  return {
    config: { dataDir, dbUrl: TEST_DB_URL, schemaPrefix },
    async cleanup() {
      fs.rmSync(dataDir, { recursive: true, force: true });
      const client = new pg.Client({ connectionString: TEST_DB_URL });
      await client.connect();
      try {
        const { rows } = await client.query<{ nspname: string }>('SELECT nspname FROM pg_namespace WHERE nspname LIKE $1', [`${schemaPrefix}%`]);
        for (const { nspname } of rows) await client.query(`DROP SCHEMA "${nspname}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}
