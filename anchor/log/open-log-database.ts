import { migrate } from '../../store/migrate.ts';
import { openDatabase, type Database, type StorageConfig } from '../../store/open.ts';
import { RECORD_LOG_MIGRATIONS } from './migrations.ts';

/**
 * Opens (and migrates) the database of a log that has no department around it:
 * the gateway's audit trail, in its own embedded database `<dataDir>/<name>` or
 * its own schema. Entries are appended with `logRecord` exactly as departments
 * log their records, and a log worker anchors it under `logId`.
 */
export async function openLogDatabase(config: StorageConfig, name: string, logId: string): Promise<Database> {
  const db = await openDatabase(config, name);
  try {
    await migrate(db, RECORD_LOG_MIGRATIONS, 'log/');
    await db.query('UPDATE merkle_state SET log_id = $1 WHERE log_id <> $1', [logId]);
    return db;
  } catch (error) {
    await db.close();
    throw error;
  }
}

/** The gateway's audit trail: its database name and its log id on the ledger. */
export const GATEWAY_AUDIT_LOG = { database: 'gateway', logId: 'gateway-audit', keyName: 'gateway' } as const;
