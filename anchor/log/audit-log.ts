import type { Queryable } from '../../store/database.ts';
import type { AnchorClient } from '../ledger/anchor-client.ts';
import { logIdFor } from '../ledger/anchor-client.ts';
import { HASH_SIZE, MerkleTree, bytesEqual, leafHash, verifyConsistency } from '../merkle.ts';
import { TILE_NODES } from './tiles.ts';

export interface LogFinding {
  /**
   * LEAF_ALTERED: a record's logged digest no longer matches the leaf the tree was built from.
   * LEAF_GAP: leaf indexes are not contiguous, or a leaf's log entry is gone (a log row was removed).
   * ROOT_MISMATCH: the leaves do not give the root anchored on the ledger for that size.
   * NOT_CONSISTENT: the consistency proof between two successive anchored checkpoints fails.
   * LOG_TRUNCATED: the ledger holds a checkpoint larger than the log.
   * CHECKPOINT_NOT_ON_LEDGER: a checkpoint the department recorded as anchored is not on the ledger.
   */
  problem: 'LEAF_ALTERED' | 'LEAF_GAP' | 'ROOT_MISMATCH' | 'NOT_CONSISTENT' | 'LOG_TRUNCATED' | 'CHECKPOINT_NOT_ON_LEDGER';
  detail: string;
  table?: string;
  id?: string;
  treeSize?: number;
}

export interface LogAuditResult {
  leaves: number;
  anchoredCheckpoints: number;
  findings: LogFinding[];
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Leaves per page of the rebuild (batches hold at most 10,000 each). */
const PAGE_LEAVES = 50_000;

/**
 * The logged digest of each of `seqs` that still has its record_log row. Seqs
 * of neighbouring batches are mostly consecutive, so when they are dense the
 * rows come from one range scan of the primary key (sequential pages); a
 * sparse set is looked up by seq. One row back either way: seqs as text and
 * digests concatenated as hex (PGlite charges per row and per bytea value).
 */
async function loggedDigests(db: Queryable, seqs: readonly number[]): Promise<Map<number, Buffer>> {
  const found = new Map<number, Buffer>();
  if (seqs.length === 0) return found;
  let low = seqs[0]!;
  let high = low;
  for (const seq of seqs) {
    if (seq < low) low = seq;
    if (seq > high) high = seq;
  }
  const select = "SELECT string_agg(seq::text, ',' ORDER BY seq) AS seqs, encode(string_agg(digest, ''::bytea ORDER BY seq), 'hex') AS digests FROM record_log";
  const [row] =
    high - low < 2 * seqs.length + 1_000
      ? await db.query<{ seqs: string | null; digests: string | null }>(`${select} WHERE seq BETWEEN $1 AND $2`, [low, high])
      : await db.query<{ seqs: string | null; digests: string | null }>(`${select} WHERE seq = ANY($1::bigint[])`, [seqs]);
  if (!row?.seqs || row.digests == null) return found;
  const digests = Buffer.from(row.digests, 'hex');
  row.seqs.split(',').forEach((seq, i) => found.set(Number(seq), digests.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE)));
  return found;
}

/** The stored leaf hashes (level-0 tiles), read forward a page of tiles at a time. */
class StoredLeaves {
  readonly #db: Queryable;
  #firstTile = 0;
  #tiles: Uint8Array[] = [];
  constructor(db: Queryable) {
    this.#db = db;
  }

  /** Leaves [start, start + count), undefined where none is stored. */
  async range(start: number, count: number): Promise<(Uint8Array | undefined)[]> {
    const firstTile = Math.floor(start / TILE_NODES);
    const lastTile = Math.floor((start + count - 1) / TILE_NODES);
    if (firstTile < this.#firstTile || lastTile >= this.#firstTile + this.#tiles.length) {
      const upTo = Math.max(lastTile, firstTile + Math.ceil(PAGE_LEAVES / TILE_NODES));
      // Hex text: PGlite decodes a bytea value several times slower.
      const rows = await this.#db.query<{ tile: number; hashes: string }>(
        "SELECT tile, encode(hashes, 'hex') AS hashes FROM merkle_tiles WHERE level = 0 AND tile BETWEEN $1 AND $2 ORDER BY tile",
        [firstTile, upTo],
      );
      this.#firstTile = firstTile;
      this.#tiles = new Array(upTo - firstTile + 1).fill(new Uint8Array(0));
      for (const row of rows) this.#tiles[Number(row.tile) - firstTile] = Buffer.from(row.hashes, 'hex');
    }
    const out: (Uint8Array | undefined)[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const index = start + i;
      const tile = this.#tiles[Math.floor(index / TILE_NODES) - this.#firstTile]!;
      const offset = (index % TILE_NODES) * HASH_SIZE;
      out[i] = tile.length >= offset + HASH_SIZE ? tile.subarray(offset, offset + HASH_SIZE) : undefined;
    }
    return out;
  }
}

/**
 * The second half of `govshare audit`: the log itself against the ledger.
 * Rebuilds the tree from the logged digests (RFC 9162 §2.1.1), checks every
 * stored leaf against them, then every checkpoint anchored on the ledger for
 * this log: its root must be the rebuilt root at its size, and each pair of
 * successive checkpoints must verify with a consistency proof (RFC 9162
 * §2.1.4) — the log only ever grew.
 */
export async function auditLog(db: Queryable, logName: string, anchor: AnchorClient, onProgress?: (leaves: number) => void): Promise<LogAuditResult> {
  const findings: LogFinding[] = [];
  const tree = new MerkleTree();
  const leaves = new StoredLeaves(db);
  let expected = 0;
  for (;;) {
    // The batches that assigned leaves [expected, expected + PAGE_LEAVES), each with its seqs in leaf order.
    const batches = await db.query<{ first_leaf: number; seqs: string }>(
      "SELECT first_leaf, array_to_string(seqs, ',') AS seqs FROM log_batches WHERE first_leaf >= $1 AND first_leaf < $2 ORDER BY first_leaf",
      [expected, expected + PAGE_LEAVES],
    );
    if (batches.length === 0) {
      // Done, unless batch rows were removed over a whole page: carry on from the next one.
      const [next] = await db.query<{ first_leaf: number | null }>('SELECT min(first_leaf) AS first_leaf FROM log_batches WHERE first_leaf >= $1', [expected]);
      if (next?.first_leaf == null) break;
      findings.push({ problem: 'LEAF_GAP', detail: `leaves ${expected}..${next.first_leaf - 1} are missing from the log`, treeSize: expected });
      expected = next.first_leaf;
      continue;
    }
    const seqsOf = batches.map((batch) => batch.seqs.split(',').map(Number));
    const digests = await loggedDigests(db, seqsOf.flat());
    for (let b = 0; b < batches.length; b++) {
      const batch = batches[b]!;
      const seqs = seqsOf[b]!;
      if (batch.first_leaf !== expected) {
        findings.push({ problem: 'LEAF_GAP', detail: `leaves ${expected}..${batch.first_leaf - 1} are missing from the log`, treeSize: expected });
        // Keep going from what exists: the roots below will not match and say so.
        expected = batch.first_leaf;
      }
      const stored = await leaves.range(expected, seqs.length);
      const batchLeaves: Uint8Array[] = [];
      for (let i = 0; i < seqs.length; i++) {
        const leafIndex = expected + i;
        const storedLeaf = stored[i];
        const digest = digests.get(seqs[i]!);
        if (digest === undefined) {
          findings.push({ problem: 'LEAF_GAP', detail: `the log entry of leaf ${leafIndex} (seq ${seqs[i]}) is missing from the log`, treeSize: leafIndex });
          if (storedLeaf) batchLeaves.push(storedLeaf);
          continue;
        }
        const leaf = leafHash(digest);
        if (storedLeaf && !bytesEqual(leaf, storedLeaf)) {
          const [entry] = await db.query<{ record_table: string; record_id: string }>('SELECT record_table, record_id FROM record_log WHERE seq = $1', [seqs[i]]);
          findings.push({ problem: 'LEAF_ALTERED', detail: `the logged digest of leaf ${leafIndex} changed after it was integrated`, table: entry?.record_table, id: entry?.record_id });
        }
        batchLeaves.push(storedLeaf ?? leaf);
      }
      tree.appendLeaves(batchLeaves);
      expected += seqs.length;
    }
    onProgress?.(tree.size);
  }

  const logId = logIdFor(logName);
  const count = await anchor.checkpointCount(logId);
  let previous: { treeSize: number; root: Uint8Array } | undefined;
  for (let i = 0; i < count; i++) {
    const checkpoint = await anchor.checkpointAt(logId, i);
    const root = Buffer.from(checkpoint.root.replace(/^0x/, ''), 'hex');
    if (checkpoint.treeSize > tree.size) {
      findings.push({ problem: 'LOG_TRUNCATED', detail: `the ledger anchors size ${checkpoint.treeSize}, the log holds ${tree.size} leaves`, treeSize: checkpoint.treeSize });
      break;
    }
    const rebuilt = tree.rootAt(checkpoint.treeSize);
    if (!bytesEqual(rebuilt, root)) {
      findings.push({ problem: 'ROOT_MISMATCH', detail: `at size ${checkpoint.treeSize} the ledger holds ${hex(root)}, the log gives ${hex(rebuilt)}`, treeSize: checkpoint.treeSize });
    }
    if (previous && !verifyConsistency(previous.treeSize, checkpoint.treeSize, tree.consistencyProof(previous.treeSize, checkpoint.treeSize), previous.root, root)) {
      findings.push({ problem: 'NOT_CONSISTENT', detail: `no consistency between anchored sizes ${previous.treeSize} and ${checkpoint.treeSize}`, treeSize: checkpoint.treeSize });
    }
    previous = { treeSize: checkpoint.treeSize, root };
  }

  // Every checkpoint the department believes anchored must be on the ledger with the same root.
  const local = await db.query<{ tree_size: number; root: Uint8Array }>('SELECT tree_size, root FROM checkpoints WHERE tx_hash IS NOT NULL ORDER BY tree_size');
  for (const { tree_size, root } of local) {
    const onChain = await anchor.readCheckpoint(logId, tree_size);
    if (!onChain || onChain.root.replace(/^0x/, '').toLowerCase() !== hex(root)) {
      findings.push({ problem: 'CHECKPOINT_NOT_ON_LEDGER', detail: `checkpoint of size ${tree_size} recorded as anchored is not on the ledger`, treeSize: tree_size });
    }
  }
  return { leaves: tree.size, anchoredCheckpoints: count, findings };
}
