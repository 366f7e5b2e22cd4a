import type { Config } from '../platform/config.ts';
import type { Database } from './database.ts';
import { openPGlite } from './pglite.ts';
import { openPostgres } from './postgres.ts';

export type { Database, Queryable } from './database.ts';

/** The settings that say where a component's database is (embedded under the data dir, or a server). */
export type StorageConfig = Pick<Config, 'dataDir' | 'dbUrl' | 'schemaPrefix' | 'pgliteTemplate'>;

/**
 * Opens a department's database as configured: PostgreSQL when GOVSHARE_DB_URL
 * is set (schema = the department, prefixed by GOVSHARE_DB_SCHEMA_PREFIX so
 * several deployments or test runs can share one server), PGlite otherwise.
 */
export function openDatabase(config: StorageConfig, department: string): Promise<Database> {
  if (config.dbUrl) return openPostgres(config.dbUrl, `${config.schemaPrefix ?? ''}${department}`);
  return openPGlite(config.dataDir, department, config.pgliteTemplate === undefined ? {} : { template: config.pgliteTemplate });
}
