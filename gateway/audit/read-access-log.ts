import { loadRecordProofs, type RecordProof } from '../../anchor/log/proof.ts';
import type { Queryable } from '../../store/database.ts';

/** One access to a citizen's data, as the citizen sees it, with what they need to verify it. */
export interface AccessRecord {
  at: string;
  agency: string | null;
  purpose: string | null;
  decision: string;
  agreements: unknown;
  fields: string[];
  categories: string[];
  consent: string | null;
  subgraphs: string[];
  /** The two logged rows, exactly as hashed into the gateway's Merkle log, and their proofs. */
  entry: { row: Record<string, unknown>; proof: RecordProof | null };
  release: { row: Record<string, unknown>; proof: RecordProof | null };
}

/**
 * "Who accessed my data, when, for what purpose, under which agreement" (issue 6): the
 * citizen's release rows, newest first, each with its request's entry row. Both rows come back
 * whole with their proof bundles, so the citizen can check offline that the gateway logged and
 * anchored them (anchor/log/verify-bundle.ts with `record: row`) — and neither row names any
 * other citizen. Keyset pagination on (time, id).
 */
export async function readAccessLog(db: Queryable, citizenDid: string, options: { limit?: number; before?: string } = {}): Promise<AccessRecord[]> {
  const limit = Math.min(Math.max(options.limit ?? 50, 1), 500);
  const rows = await db.query<{ release_id: string; entry_id: string }>(
    `SELECT r.id AS release_id, e.id AS entry_id
       FROM audit_releases r JOIN audit_entries e ON e.id = r.entry_id
      WHERE r.citizen_did = $1 AND ($2::timestamptz IS NULL OR e.at < $2::timestamptz)
      ORDER BY e.at DESC, r.id
      LIMIT ${limit}`,
    [citizenDid, options.before ?? null],
  );
  // The rows whole (SELECT *), exactly as the log hashed them.
  const ids = rows.map((r) => ({ entry: String(r.entry_id), release: String(r.release_id) }));
  const entries = await byId(db, 'audit_entries', ids.map((i) => i.entry));
  const releases = await byId(db, 'audit_releases', ids.map((i) => i.release));
  const proofs = await loadRecordProofs(db, ids.flatMap((i) => [{ table: 'audit_entries', id: i.entry }, { table: 'audit_releases', id: i.release }]));
  return ids.map((i, n) => {
    const entry = entries.get(i.entry)!;
    const release = releases.get(i.release)!;
    return {
      at: String(entry.at),
      agency: (entry.agency_did as string | null) ?? null,
      purpose: (entry.purpose as string | null) ?? null,
      decision: String(entry.decision),
      agreements: entry.agreements,
      fields: release.fields as string[],
      categories: release.categories as string[],
      consent: (release.consent as string | null) ?? null,
      subgraphs: entry.subgraphs as string[],
      entry: { row: entry, proof: proofs[2 * n] ?? null },
      release: { row: release, proof: proofs[2 * n + 1] ?? null },
    };
  });
}

async function byId(db: Queryable, table: 'audit_entries' | 'audit_releases', ids: string[]): Promise<Map<string, Record<string, unknown>>> {
  if (!ids.length) return new Map();
  const rows = await db.query<Record<string, unknown>>(`SELECT * FROM ${table} WHERE id = ANY($1::uuid[])`, [ids]);
  return new Map(rows.map((row) => [String(row.id), row]));
}
