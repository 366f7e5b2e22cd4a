import type { Config } from '../../platform/config.ts';
import { migrate } from '../../store/migrate.ts';
import { openDatabase, type Database } from '../../store/open.ts';
import { RECORD_LOG_MIGRATIONS } from '../../anchor/log/migrations.ts';
import type { Department } from './department.ts';

export interface OpenedStore<Store> {
  db: Database;
  store: Store;
}

/** Opens a department's own database, brings its schema up to date and builds its store. */
export async function openDepartmentStore<Store>(
  department: Department<Store>,
  config: Pick<Config, 'dataDir' | 'dbUrl' | 'schemaPrefix'>,
): Promise<OpenedStore<Store>> {
  const db = await openDatabase(config, department.name);
  try {
    // The department's tamper-evident log lives beside its records (anchor/log).
    await migrate(db, RECORD_LOG_MIGRATIONS, 'log/');
    await migrate(db, department.migrationsDir);
    // The log is named after the department, whatever schema (prefix) it lives in.
    await db.query('UPDATE merkle_state SET log_id = $1 WHERE log_id <> $1', [department.name]);
  } catch (error) {
    await db.close();
    throw error;
  }
  return { db, store: department.createStore(db) };
}
