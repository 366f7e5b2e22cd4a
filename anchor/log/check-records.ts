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
    const seen = new Set<string>();
    let after: unknown;
    for (;;) {
      // Keyset pages on the primary key (its own type: uuid, bigint...), so each page is one index range scan.
      const rows = await db.query<Record<string, unknown> & { id: unknown }>(
        after === undefined ? `SELECT * FROM ${table} ORDER BY id LIMIT ${PAGE}` : `SELECT * FROM ${table} WHERE id > $1 ORDER BY id LIMIT ${PAGE}`,
        after === undefined ? [] : [after],
      );
      if (rows.length === 0) break;
      const ids = rows.map((r) => String(r.id));
      const logged = await db.query<{ record_id: string; salt: Uint8Array; digest: Uint8Array }>(
        `SELECT DISTINCT ON (record_id) record_id, salt, digest FROM record_log
          WHERE record_table = $1 AND record_id = ANY($2::text[]) ORDER BY record_id, seq DESC`,
        [table, ids],
      );
      const latest = new Map(logged.map((l) => [l.record_id, l]));
      for (const row of rows) {
        const id = String(row.id);
        seen.add(id);
        const entry = latest.get(id);
        if (!entry) findings.push({ table, id, problem: 'INSERTED' });
        else if (!recordDigest(table, row, entry.salt).equals(Buffer.from(entry.digest))) findings.push({ table, id, problem: 'ALTERED' });
      }
      checked += rows.length;
      onProgress?.(checked);
      after = rows[rows.length - 1]!.id;
    }
    const everLogged = await db.query<{ record_id: string }>('SELECT DISTINCT record_id FROM record_log WHERE record_table = $1', [table]);
    for (const { record_id } of everLogged) if (!seen.has(record_id)) findings.push({ table, id: record_id, problem: 'DELETED' });
  }
  return { checked, findings };
}
