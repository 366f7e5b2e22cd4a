import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { acquireDirectoryLock } from './lock.ts';
import { preparedStatements } from './pglite-statements.ts';
import { createFromTemplate } from './pglite-template.ts';
import { TYPE_OIDS, parseDate, parseInt8, parseTimestamp, type Database } from './database.ts';

/**
 * A department's embedded database: PGlite (PostgreSQL compiled to WASM) in
 * `<dataDir>/<department>/pg`. PGlite never fsyncs, so a killed process keeps
 * every acknowledged commit but power loss may not (see README): production
 * durability comes from a PostgreSQL server.
 */
export async function openPGlite(dataDir: string, department: string, options: { template?: string } = {}): Promise<Database> {
  const home = path.join(dataDir, department);
  const release = acquireDirectoryLock(home);
  try {
    const dir = path.join(home, 'pg');
    fs.mkdirSync(home, { recursive: true });
    // Three departments on one machine: small buffers keep each near 100 MB.
    const startParams = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'];
    // A database that does not exist yet starts from a copy of an initialised cluster; anything
    // already at `dir` is left to PGlite, as before.
    if (!fs.existsSync(dir)) {
      await createFromTemplate(dir, options.template ?? path.join(dataDir, '.pglite-template'), startParams);
    }
    const pg = await PGlite.create(dir, {
      startParams,
      parsers: {
        [TYPE_OIDS.INT8]: parseInt8,
        [TYPE_OIDS.DATE]: parseDate,
        [TYPE_OIDS.TIMESTAMPTZ]: parseTimestamp,
      },
    });
    // Prepared statements (below) are planned for each execution's own values: a generic plan,
    // made without them, cannot see how long an array parameter is, and halved the Merkle log's
    // integration (bench P3-append, 96k → 43k leaves/s) by joining 10,000-element arrays badly.
    await pg.exec(`CREATE SCHEMA IF NOT EXISTS ${department}; SET search_path TO ${department}; SET plan_cache_mode = force_custom_plan`);
    // Every parameterised statement runs prepared, in one protocol exchange (pglite-statements.ts),
    // under the same locks PGlite's own query takes: outside a transaction both (none may be open),
    // inside one only the query lock (the transaction holds the other).
    const statements = preparedStatements(pg);
    return {
      kind: 'pglite',
      location: dir,
      query: (sql, params) => pg._runExclusiveTransaction(() => pg._runExclusiveQuery(() => statements.run(sql, params))),
      async transaction(work) {
        return pg.transaction((tx) =>
          work({
            query: async (sql, params) => {
              if (tx.closed) throw new Error('Transaction is closed');
              return pg._runExclusiveQuery(() => statements.run(sql, params));
            },
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
