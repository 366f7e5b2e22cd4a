import type { Queryable } from '../../store/database.ts';
import { recordDigest } from './record-digest.ts';

/** One record whose stored row disagrees with the log. */
export interface RecordFinding {
  table: string;
  id: string;
  /**
   * ALTERED: the row no longer hashes to its latest logged digest.
   * INSERTED: a row the store never logged (written behind its back).
   * DELETED: a logged record whose row is gone.
   */
  problem: 'ALTERED' | 'INSERTED' | 'DELETED';
}

export interface RecordCheckResult {
  checked: number;
  findings: RecordFinding[];
}

const PAGE = 5_000;
/** Column aliases for the joined log entry; no record table has columns of these names. */
const SALT = '__govshare_log_salt';
const DIGEST = '__govshare_log_digest';

/**
 * Re-hashes every row of `tables` and compares it with the latest log entry
 * of that record (`govshare audit`, first half: records against leaves). Reads
 * in keyset pages so memory stays flat on large departments.
 */
export async function checkRecords(
  db: Queryable,
  tables: readonly string[],
  onProgress?: (checked: number) => void,
): Promise<RecordCheckResult> {
  const findings: RecordFinding[] = [];
  let checked = 0;
  for (const table of tables) {
    if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`not a table name: ${table}`);
    // Each page of rows comes with the latest salted log entry of each row (an unsalted leaf is
    // not a record digest: 003_unsalted_leaves.sql), in one query (one index
    // probe per row inside the database instead of a second round of rows); salt and digest
    // as hex text, which PGlite hands back several times faster than bytea.
    const pageQuery = (where: string) =>
      `SELECT t.*, encode(e.salt, 'hex') AS ${SALT}, encode(e.digest, 'hex') AS ${DIGEST} FROM ${table} t
         LEFT JOIN LATERAL (SELECT salt, digest FROM record_log WHERE record_table = $1 AND record_id = t.id::text AND salt IS NOT NULL ORDER BY seq DESC LIMIT 1) e ON true
        ${where} ORDER BY t.id LIMIT ${PAGE}`;
    let after: unknown;
    for (;;) {
      // Keyset pages on the primary key (its own type: uuid, bigint...), so each page is one index range scan.
      const rows = await db.query<Record<string, unknown> & { id: unknown }>(
        after === undefined ? pageQuery('') : pageQuery('WHERE t.id > $2'),
        after === undefined ? [table] : [table, after],
      );
      if (rows.length === 0) break;
      for (const joined of rows) {
        const { [SALT]: salt, [DIGEST]: digest, ...row } = joined as Record<string, unknown> & { id: unknown };
        const id = String(row.id);
        if (salt == null || digest == null) findings.push({ table, id, problem: 'INSERTED' });
        else if (recordDigest(table, row, Buffer.from(salt as string, 'hex')).toString('hex') !== digest) findings.push({ table, id, problem: 'ALTERED' });
      }
      checked += rows.length;
      onProgress?.(checked);
      after = rows[rows.length - 1]!.id;
    }
    // Logged records whose row is gone, found by the database (no id list comes back to compare).
    const deleted = await db.query<{ record_id: string }>(
      `SELECT record_id FROM (SELECT DISTINCT record_id FROM record_log WHERE record_table = $1 AND salt IS NOT NULL EXCEPT SELECT id::text FROM ${table}) gone ORDER BY record_id`,
      [table],
    );
    for (const { record_id } of deleted) findings.push({ table, id: record_id, problem: 'DELETED' });
  }
  return { checked, findings };
}
