import type { Config } from '../../platform/config.ts';
import { migrate } from '../../store/migrate.ts';
import { openDatabase, type Database } from '../../store/open.ts';
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
    await migrate(db, department.migrationsDir);
  } catch (error) {
    await db.close();
    throw error;
  }
  return { db, store: department.createStore(db) };
}
