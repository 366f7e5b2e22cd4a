import type { Queryable } from '../../store/database.ts';
import type { AnchorClient } from '../ledger/anchor-client.ts';
import { logIdFor } from '../ledger/anchor-client.ts';
import { MerkleTree, bytesEqual, leafHash, verifyConsistency } from '../merkle.ts';

export interface LogFinding {
  /**
   * LEAF_ALTERED: a record's logged digest no longer matches the leaf the tree was built from.
   * LEAF_GAP: leaf indexes are not contiguous (a log row was removed).
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
  const PAGE = 20_000;
  let expected = 0;
  for (;;) {
    const rows = await db.query<{ leaf_index: number; record_table: string; record_id: string; digest: Uint8Array; stored: Uint8Array | null }>(
      `SELECT l.leaf_index, l.record_table, l.record_id, l.digest, n.hash AS stored
         FROM record_log l LEFT JOIN merkle_nodes n ON n.level = 0 AND n.idx = l.leaf_index
        WHERE l.leaf_index >= $1 ORDER BY l.leaf_index LIMIT ${PAGE}`,
      [expected],
    );
    if (rows.length === 0) break;
    const leaves: Uint8Array[] = [];
    for (const row of rows) {
      if (row.leaf_index !== expected) {
        findings.push({ problem: 'LEAF_GAP', detail: `leaves ${expected}..${row.leaf_index - 1} are missing from the log`, treeSize: expected });
        // Keep going from what exists: the roots below will not match and say so.
        expected = row.leaf_index;
      }
      const leaf = leafHash(row.digest);
      if (row.stored && !bytesEqual(leaf, row.stored)) {
        findings.push({ problem: 'LEAF_ALTERED', detail: `the logged digest of leaf ${row.leaf_index} changed after it was integrated`, table: row.record_table, id: row.record_id });
      }
      leaves.push(row.stored ?? leaf);
      expected++;
    }
    tree.appendLeaves(leaves);
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
