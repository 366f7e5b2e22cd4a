import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { acquireDirectoryLock } from './lock.ts';
import { TYPE_OIDS, parseDate, parseInt8, parseTimestamp, type Database, type Queryable } from './database.ts';

/**
 * A department's embedded database: PGlite (PostgreSQL compiled to WASM) in
 * `<dataDir>/<department>/pg`. PGlite never fsyncs, so a killed process keeps
 * every acknowledged commit but power loss may not (see README): production
 * durability comes from a PostgreSQL server.
 */
export async function openPGlite(dataDir: string, department: string): Promise<Database> {
  const home = path.join(dataDir, department);
  const release = acquireDirectoryLock(home);
  try {
    const dir = path.join(home, 'pg');
    fs.mkdirSync(home, { recursive: true });
    const pg = await PGlite.create(dir, {
      // Three departments on one machine: small buffers keep each near 100 MB.
      startParams: [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'],
      parsers: {
        [TYPE_OIDS.INT8]: parseInt8,
        [TYPE_OIDS.DATE]: parseDate,
        [TYPE_OIDS.TIMESTAMPTZ]: parseTimestamp,
      },
    });
    await pg.exec(`CREATE SCHEMA IF NOT EXISTS ${department}; SET search_path TO ${department}`);
    const run: Queryable['query'] = async (sql, params) => (await pg.query(sql, params as unknown[])).rows as never;
    return {
      kind: 'pglite',
      location: dir,
      query: run,
      async transaction(work) {
        return pg.transaction((tx) =>
          work({
            query: async (sql, params) => (await tx.query(sql, params as unknown[])).rows as never,
            exec: async (sql) => void (await tx.exec(sql)),
          }),
        );
      },
      async exec(sql) {
        await pg.exec(sql);
      },
      async close() {
        // Idempotent: a server closed by a test and again by its teardown must not throw.
        if (pg.closed) return;
        try {
          await pg.close();
        } finally {
          release();
        }
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}
