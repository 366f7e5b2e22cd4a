import type { Queryable } from '../../store/database.ts';
import type { Frontier } from '../merkle.ts';
import { readTileNodes } from './tiles.ts';

/** The persisted head of a department's log (table merkle_state). */
export interface LogHead {
  frontier: Frontier;
  root: Uint8Array;
}

export async function readHead(db: Queryable, forUpdate = false): Promise<LogHead> {
  const [row] = await db.query<{ size: number; root: Uint8Array; frontier: Uint8Array[] }>(
    `SELECT size, root, frontier FROM merkle_state${forUpdate ? ' FOR UPDATE' : ''}`,
  );
  if (!row) throw new Error('merkle_state is missing its row: the record-log migration did not run');
  return { frontier: { size: row.size, hashes: row.frontier.map((h) => new Uint8Array(h)) }, root: new Uint8Array(row.root) };
}

export interface AnchoredCheckpoint {
  treeSize: number;
  root: Uint8Array;
  signed: string;
  signer: string;
  chainId: number;
  contract: string;
  txHash: string;
  blockNumber: number;
  blockTime: string;
}

interface CheckpointRow {
  tree_size: number;
  root: Uint8Array;
  signed: string;
  signer: string;
  chain_id: number;
  contract: string;
  tx_hash: string;
  block_number: number;
  block_time: string;
}

function toAnchoredCheckpoint(row: CheckpointRow): AnchoredCheckpoint {
  return {
    treeSize: row.tree_size,
    root: new Uint8Array(row.root),
    signed: row.signed,
    signer: row.signer,
    chainId: row.chain_id,
    contract: row.contract,
    txHash: row.tx_hash,
    blockNumber: row.block_number,
    blockTime: row.block_time,
  };
}

/** The newest checkpoint the ledger has confirmed, if any. */
export async function latestAnchoredCheckpoint(db: Queryable): Promise<AnchoredCheckpoint | undefined> {
  const [row] = await db.query<CheckpointRow>('SELECT * FROM checkpoints WHERE tx_hash IS NOT NULL ORDER BY tree_size DESC LIMIT 1');
  return row ? toAnchoredCheckpoint(row) : undefined;
}

/** The oldest confirmed checkpoint whose tree contains leaf `leafIndex` (tree size > leafIndex), if any. */
export async function firstAnchoredCheckpointCovering(db: Queryable, leafIndex: number): Promise<AnchoredCheckpoint | undefined> {
  const [row] = await db.query<CheckpointRow>('SELECT * FROM checkpoints WHERE tx_hash IS NOT NULL AND tree_size > $1 ORDER BY tree_size LIMIT 1', [leafIndex]);
  return row ? toAnchoredCheckpoint(row) : undefined;
}

/** Fetches the stored nodes a plan names, in one query (from their tiles). */
export async function readNodes(db: Queryable, ids: readonly { level: number; index: number }[]): Promise<Map<string, Uint8Array>> {
  return readTileNodes(db, ids);
}
