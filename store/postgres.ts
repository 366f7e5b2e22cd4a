import pg from 'pg';
import { TYPE_OIDS, parseDate, parseInt8, parseTimestamp, type Database } from './database.ts';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === TYPE_OIDS.INT8) return parseInt8;
    if (oid === TYPE_OIDS.DATE) return parseDate;
    if (oid === TYPE_OIDS.TIMESTAMPTZ) return parseTimestamp;
    return pg.types.getTypeParser(oid, format ?? 'text');
  },
} as pg.CustomTypesConfig;

/**
 * A department's tables in its own schema of a PostgreSQL server. Every pooled
 * connection starts with `search_path` set to that schema, so the department's
 * SQL never names it and cannot reach another department's tables by accident.
 */
export async function openPostgres(url: string, schema: string): Promise<Database> {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid schema name "${schema}"`);
  const bootstrap = new pg.Client({ connectionString: url });
  await bootstrap.connect();
  try {
    await bootstrap.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  } catch (error) {
    // Two processes creating the same schema at once race on the catalog; the loser can go on.
    if ((error as { code?: string }).code !== '23505') throw error;
  } finally {
    await bootstrap.end();
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    options: `-c search_path=${schema}`,
    types: typeParsers,
  });
  // An idle client that loses its server must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  return {
    kind: 'postgres',
    location: `schema ${schema}`,
    async query(sql, params) {
      return (await pool.query(sql, params as unknown[])).rows;
    },
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work({
          query: async (sql, params) => (await client.query(sql, params as unknown[])).rows,
          exec: async (sql) => void (await client.query(sql)),
        });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    async exec(sql) {
      await pool.query(sql);
    },
    async close() {
      if (!pool.ended) await pool.end();
    },
  };
}
