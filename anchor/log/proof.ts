import type { Queryable } from '../../store/database.ts';
import { assembleProof, planInclusionProof, type NodeId } from '../merkle.ts';
import { latestAnchoredCheckpoint, readNodes, type AnchoredCheckpoint } from './state.ts';

/** The proof bundle of one record, as the GraphQL type RecordProof. */
export interface RecordProof {
  status: 'PENDING_INTEGRATION' | 'PENDING_ANCHOR' | 'ANCHORED';
  logId: string;
  table: string;
  salt: string;
  digest: string;
  leafIndex: number | null;
  treeSize: number | null;
  auditPath: string[] | null;
  checkpoint: {
    logId: string;
    treeSize: number;
    root: string;
    signed: string;
    signer: string;
    anchor: { chainId: number; contract: string; txHash: string; blockNumber: number; blockTime: string };
  } | null;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/**
 * Proof bundles for records, in the order asked (null for a record that has
 * no log entry). The proof is of the record's latest logged version, against
 * the newest anchored checkpoint: three queries whatever the number of records.
 * Only salted entries are records (003_unsalted_leaves.sql): an unsalted leaf
 * under the same name is not a version of the record and is never offered as one.
 */
export async function loadRecordProofs(db: Queryable, records: readonly { table: string; id: string }[]): Promise<(RecordProof | null)[]> {
  const entries = await db.query<{ record_table: string; record_id: string; salt: Uint8Array; digest: Uint8Array; leaf_index: number | null }>(
    // The latest entry of each record, and its leaf: first_leaf + its position in the batch that integrated it.
    `SELECT e.record_table, e.record_id, e.salt, e.digest,
            (SELECT b.first_leaf + array_position(b.seqs, e.seq) - 1 FROM log_batches b WHERE b.seq_span @> e.seq AND e.seq = ANY(b.seqs)) AS leaf_index
       FROM (SELECT DISTINCT ON (l.record_table, l.record_id) l.record_table, l.record_id, l.salt, l.digest, l.seq
               FROM record_log l JOIN unnest($1::text[], $2::text[]) AS w(t, id) ON l.record_table = w.t AND l.record_id = w.id
              WHERE l.salt IS NOT NULL
              ORDER BY l.record_table, l.record_id, l.seq DESC) e`,
    [records.map((r) => r.table), records.map((r) => r.id)],
  );
  const byKey = new Map(entries.map((e) => [`${e.record_table}\u0000${e.record_id}`, e]));
  const checkpoint = await latestAnchoredCheckpoint(db);
  const logId = await readLogId(db);

  const plans = new Map<string, NodeId[][]>();
  if (checkpoint) {
    for (const [key, entry] of byKey) {
      if (entry.leaf_index !== null && entry.leaf_index < checkpoint.treeSize) plans.set(key, planInclusionProof(entry.leaf_index, checkpoint.treeSize));
    }
  }
  const nodes = await readNodes(db, [...plans.values()].flat(2));
  const lookup = (level: number, index: number) => nodes.get(`${level}:${index}`);

  return records.map(({ table, id }) => {
    const key = `${table}\u0000${id}`;
    const entry = byKey.get(key);
    if (!entry) return null;
    const plan = plans.get(key);
    const base = { logId, table, salt: Buffer.from(entry.salt).toString('base64url'), digest: hex(entry.digest), leafIndex: entry.leaf_index };
    if (!plan || !checkpoint) {
      return { ...base, status: entry.leaf_index === null ? 'PENDING_INTEGRATION' : 'PENDING_ANCHOR', treeSize: null, auditPath: null, checkpoint: null };
    }
    return {
      ...base,
      status: 'ANCHORED',
      treeSize: checkpoint.treeSize,
      auditPath: assembleProof(plan, lookup).map(hex),
      checkpoint: checkpointBundle(logId, checkpoint),
    };
  });
}

/** An anchored checkpoint as a proof bundle carries it. */
export function checkpointBundle(logId: string, checkpoint: AnchoredCheckpoint): NonNullable<RecordProof['checkpoint']> {
  return {
    logId,
    treeSize: checkpoint.treeSize,
    root: hex(checkpoint.root),
    signed: checkpoint.signed,
    signer: checkpoint.signer,
    anchor: { chainId: checkpoint.chainId, contract: checkpoint.contract, txHash: checkpoint.txHash, blockNumber: checkpoint.blockNumber, blockTime: checkpoint.blockTime },
  };
}

/** The log's id is the department's name, kept with the log so a bundle names its log without configuration. */
export async function readLogId(db: Queryable): Promise<string> {
  const [row] = await db.query<{ log_id: string }>('SELECT log_id FROM merkle_state');
  return row?.log_id ?? '';
}
