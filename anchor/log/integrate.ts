import type { Database } from '../../store/database.ts';
import { appendToFrontier, frontierRoot, leafHash } from '../merkle.ts';
import { readHead } from './state.ts';

export interface IntegrationResult {
  /** Leaves added by this call. */
  integrated: number;
  size: number;
  root: Uint8Array;
}

/**
 * Moves committed outbox rows into the Merkle tree: each pending record_log
 * row becomes the next leaf (leaf data = its digest, RFC 9162 §2.1.1 leaf
 * hash), the new complete-subtree nodes are stored, and the head advances —
 * all in one short transaction that holds the head's row lock, so two
 * integrators (two instances on one PostgreSQL schema) never interleave.
 * Hashing happens inside the transaction but is CPU only (no I/O awaited).
 */
export async function integratePending(db: Database, maxLeaves = 10_000): Promise<IntegrationResult> {
  return db.transaction(async (tx) => {
    const head = await readHead(tx, true);
    const pending = await tx.query<{ seq: number; digest: Uint8Array }>(
      'SELECT seq, digest FROM record_log WHERE leaf_index IS NULL ORDER BY seq LIMIT $1',
      [maxLeaves],
    );
    if (pending.length === 0) return { integrated: 0, size: head.frontier.size, root: head.root };

    const levels: number[] = [];
    const indexes: number[] = [];
    const hashes: Buffer[] = [];
    const next = appendToFrontier(
      head.frontier,
      pending.map((p) => leafHash(p.digest)),
      (level, index, hash) => {
        levels.push(level);
        indexes.push(index);
        hashes.push(Buffer.from(hash));
      },
    );
    const root = frontierRoot(next);
    await tx.query('INSERT INTO merkle_nodes (level, idx, hash) SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::bytea[])', [levels, indexes, hashes]);
    await tx.query(
      'UPDATE record_log l SET leaf_index = u.leaf FROM unnest($1::bigint[], $2::bigint[]) AS u(seq, leaf) WHERE l.seq = u.seq',
      [pending.map((p) => p.seq), pending.map((_, i) => head.frontier.size + i)],
    );
    await tx.query('UPDATE merkle_state SET size = $1, root = $2, frontier = $3', [next.size, Buffer.from(root), next.hashes.map((h) => Buffer.from(h))]);
    return { integrated: pending.length, size: next.size, root };
  });
}
