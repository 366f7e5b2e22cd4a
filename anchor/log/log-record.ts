import type { Queryable } from '../../store/database.ts';
import { newSalt, recordDigest } from './record-digest.ts';

/**
 * The outbox write: called by a department's store inside the transaction
 * that commits `row` (a new record, or the new version of a mutable one), so
 * the record and its log entry commit or vanish together. Pass the row as
 * the database returned it (`RETURNING *` or a re-read), so `govshare audit`
 * re-reading it later computes the same digest.
 */
export async function logRecord(tx: Queryable, table: string, row: Record<string, unknown> & { id: unknown }): Promise<void> {
  const salt = newSalt();
  await tx.query('INSERT INTO record_log (record_table, record_id, salt, digest) VALUES ($1, $2, $3, $4)', [
    table,
    String(row.id),
    salt,
    recordDigest(table, row, salt),
  ]);
}
