import type { Database } from '../../store/database.ts';
import { HASH_SIZE, appendToFrontier, frontierRoot, leafHash } from '../merkle.ts';
import { readHead } from './state.ts';
import { TileWriter } from './tiles.ts';

export interface IntegrationResult {
  /** Leaves added by this call. */
  integrated: number;
  size: number;
  root: Uint8Array;
}

/**
 * Moves committed outbox rows into the Merkle tree: each pending record_log
 * row (named in log_pending) becomes the next leaf (leaf data = its digest,
 * RFC 9162 §2.1.1 leaf hash), the new complete-subtree nodes are appended to
 * their tiles, the batch's leaf assignment is stored as one log_batches row
 * and the head advances — all in one short transaction that holds the head's
 * row lock, so two integrators (two instances on one PostgreSQL schema) never
 * interleave. Hashing happens inside the transaction but is CPU only (no I/O
 * awaited). A row that commits late with a lower seq than integrated ones is
 * still in log_pending: it becomes a later leaf, never skipped.
 */
/** Leaves integrated per transaction at most: one short transaction, however large the backlog. */
export const INTEGRATION_BATCH = 10_000;

export async function integratePending(db: Database, maxLeaves = INTEGRATION_BATCH): Promise<IntegrationResult> {
  if (!Number.isSafeInteger(maxLeaves) || maxLeaves < 1) throw new RangeError(`maxLeaves must be a positive integer, got ${maxLeaves}`);
  return db.transaction(async (tx) => {
    const head = await readHead(tx, true);
    // The oldest pending marks, up to maxLeaves, taken as a range of seqs; one row back: seqs
    // as text and digests concatenated as hex (PGlite charges by row and by bytea value).
    // A mark committed after this statement's snapshot is not taken, whatever its seq.
    // The seq range bound lets the join walk record_log's primary key over the taken range:
    // without it the planner hashed the whole table per batch, so integration slowed as the
    // log grew (73k leaves/s at 200,000 rows, 108k with the bound, flat at 600,000).
    const [taken] = await tx.query<{ n: number; seqs: string | null; digests: string | null }>(
      `WITH taken AS (
         DELETE FROM log_pending
          WHERE seq <= coalesce((SELECT seq FROM log_pending ORDER BY seq OFFSET $1 - 1 LIMIT 1), 9223372036854775807)
         RETURNING seq
       )
       SELECT count(*)::int8 AS n, array_to_string(array_agg(l.seq ORDER BY l.seq), ',') AS seqs,
              encode(string_agg(l.digest, ''::bytea ORDER BY l.seq), 'hex') AS digests
         FROM taken JOIN record_log l ON l.seq = taken.seq
        WHERE l.seq BETWEEN (SELECT min(seq) FROM taken) AND (SELECT max(seq) FROM taken)`,
      [maxLeaves],
    );
    const count = Number(taken?.n ?? 0);
    if (count === 0 || !taken?.seqs || !taken.digests) return { integrated: 0, size: head.frontier.size, root: head.root };
    const seqs = taken.seqs.split(',').map(Number);
    const digests = Buffer.from(taken.digests, 'hex');
    if (seqs.length !== count || digests.length !== count * HASH_SIZE) throw new Error('pending log entries came back malformed');

    const leaves = new Array<Uint8Array>(count);
    // RFC 9162 leaf hashes, SHA-256(0x00 || digest).
    for (let i = 0; i < count; i++) leaves[i] = leafHash(digests.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE));
    const tiles = new TileWriter();
    const next = appendToFrontier(head.frontier, leaves, (level, index, hash) => tiles.put(level, index, hash));
    const root = frontierRoot(next);
    await tiles.write(tx);
    await tx.query('INSERT INTO log_batches (first_leaf, seqs, seq_span) VALUES ($1, $2::bigint[], int8range($3, $4, \'[]\'))', [
      head.frontier.size,
      `{${taken.seqs}}`,
      seqs[0],
      seqs[count - 1],
    ]);
    await tx.query('UPDATE merkle_state SET size = $1, root = $2, frontier = $3', [next.size, Buffer.from(root), next.hashes.map((h) => Buffer.from(h))]);
    return { integrated: count, size: next.size, root };
  });
}
