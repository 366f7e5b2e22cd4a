import { GovshareError } from '../../platform/errors.ts';
import type { Queryable } from '../../store/database.ts';
import { recordDigest } from './record-digest.ts';

/**
 * Before a store writes a new version of a mutable record, the version it is
 * about to replace must be the one it last logged. Otherwise a change made
 * behind the store's back (plain SQL) would be carried into the log as if it
 * were legitimate by the next proper update. Refuses with RECORD_TAMPERED and
 * leaves the record for `govshare audit` to name. A record never logged (written
 * before the log existed) is refused the same way.
 */
export async function assertLoggedVersion(tx: Queryable, table: string, row: Record<string, unknown> & { id: unknown }): Promise<void> {
  // Salted entries only: an unsalted leaf under the same name is not a version of the record.
  const [entry] = await tx.query<{ salt: Uint8Array; digest: Uint8Array }>(
    'SELECT salt, digest FROM record_log WHERE record_table = $1 AND record_id = $2 AND salt IS NOT NULL ORDER BY seq DESC LIMIT 1',
    [table, String(row.id)],
  );
  if (!entry || !recordDigest(table, row, entry.salt).equals(Buffer.from(entry.digest))) {
    throw new GovshareError('RECORD_TAMPERED', `${table} ${String(row.id)} was changed outside the department's store; it cannot be updated until the change is investigated (govshare audit)`, {
      detail: { table, id: String(row.id) },
    });
  }
}
