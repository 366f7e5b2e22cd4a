import type { Config } from '../platform/config.ts';
import type { Database } from './database.ts';
import { openPGlite } from './pglite.ts';
import { openPostgres } from './postgres.ts';

export type { Database, Queryable } from './database.ts';

/**
 * Opens a department's database as configured: PostgreSQL when GOVSHARE_DB_URL
 * is set (schema = the department, prefixed by GOVSHARE_DB_SCHEMA_PREFIX so
 * several deployments or test runs can share one server), PGlite otherwise.
 */
export function openDatabase(config: Pick<Config, 'dataDir' | 'dbUrl' | 'schemaPrefix' | 'pgliteTemplate'>, department: string): Promise<Database> {
  if (config.dbUrl) return openPostgres(config.dbUrl, `${config.schemaPrefix ?? ''}${department}`);
  return openPGlite(config.dataDir, department, config.pgliteTemplate === undefined ? {} : { template: config.pgliteTemplate });
}
