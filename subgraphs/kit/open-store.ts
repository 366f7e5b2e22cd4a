import { migrate } from '../../store/migrate.ts';
import type { Database, StorageConfig } from '../../store/open.ts';
import { openLogDatabase } from '../../anchor/log/open-log-database.ts';
import type { Department } from './department.ts';
import { CONSENT_MIGRATIONS, CONSENT_MIGRATIONS_NAMESPACE } from './consent/migrations.ts';
import { CREDENTIAL_MIGRATIONS, CREDENTIAL_MIGRATIONS_NAMESPACE } from './credentials/migrations.ts';

export interface OpenedStore<Store> {
  db: Database;
  store: Store;
}

/**
 * Opens a department's own database with its tamper-evident log beside its
 * records (anchor/log; the log is named after the department, whatever schema
 * prefix it lives under), its issued credentials (subgraphs/kit/credentials) and its
 * citizens' consents (subgraphs/kit/consent),
 * brings its schema up to date and builds its store.
 */
export async function openDepartmentStore<Store>(
  department: Department<Store>,
  config: StorageConfig,
): Promise<OpenedStore<Store>> {
  const db = await openLogDatabase(config, department.name, department.name);
  try {
    // Issued credentials and status lists (subgraphs/kit/credentials), like the log, in every department's database.
    await migrate(db, CREDENTIAL_MIGRATIONS, CREDENTIAL_MIGRATIONS_NAMESPACE);
    // Citizens' consents (subgraphs/kit/consent): every department holds data about citizens.
    await migrate(db, CONSENT_MIGRATIONS, CONSENT_MIGRATIONS_NAMESPACE);
    await migrate(db, department.migrationsDir);
  } catch (error) {
    await db.close();
    throw error;
  }
  return { db, store: department.createStore(db) };
}
