import { fileURLToPath } from 'node:url';
import { GATEWAY_AUDIT_LOG, openLogDatabase } from '../../anchor/log/open-log-database.ts';
import { migrate } from '../../store/migrate.ts';
import type { Database, StorageConfig } from '../../store/open.ts';

export const AUDIT_MIGRATIONS = fileURLToPath(new URL('./migrations', import.meta.url));

/**
 * The gateway's audit database: its Merkle log (anchored under the gateway's key by a log
 * worker, like a department's) and the audit tables, in `<dataDir>/gateway` or the `gateway`
 * schema of GOVSHARE_DB_URL.
 */
export async function openAuditTrail(config: StorageConfig): Promise<Database> {
  const db = await openLogDatabase(config, GATEWAY_AUDIT_LOG.database, GATEWAY_AUDIT_LOG.logId);
  try {
    await migrate(db, AUDIT_MIGRATIONS, 'audit/');
    return db;
  } catch (error) {
    await db.close();
    throw error;
  }
}
