import type { Queryable } from '../../store/database.ts';
import { assembleProof, planInclusionProof } from '../merkle.ts';
import { checkpointBundle, readLogId, type RecordProof } from './proof.ts';
import { firstAnchoredCheckpointCovering, readNodes } from './state.ts';

/**
 * Where one log entry stands, proven against the FIRST anchored checkpoint that contains its
 * leaf: that checkpoint's block is when the entry became provable on the ledger, which is
 * what a verifier resolving keys "as of the anchoring block" needs (DESIGN.md, trust model).
 * A later checkpoint would prove inclusion too, but would date the entry later than it was.
 */
export type FirstAnchoredProof =
  | { status: 'UNKNOWN' }
  | { status: 'PENDING_INTEGRATION'; logId: string; digest: string; leafIndex: null }
  | { status: 'PENDING_ANCHOR'; logId: string; digest: string; leafIndex: number }
  | {
      status: 'ANCHORED';
      logId: string;
      /** Hex leaf data. */
      digest: string;
      leafIndex: number;
      treeSize: number;
      /** RFC 9162 §2.1.3 inclusion proof, hex, from the leaf's sibling upwards. */
      auditPath: string[];
      checkpoint: NonNullable<RecordProof['checkpoint']>;
    };

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/**
 * The proof of the latest entry logged under (`table`, `id`), salted or not: the log does not
 * interpret names, so any owner of an entry (a record store, a credential issuer) maps this
 * answer to its own contract. UNKNOWN when nothing was logged under that name.
 */
export async function loadFirstAnchoredProof(db: Queryable, table: string, id: string): Promise<FirstAnchoredProof> {
  const [entry] = await db.query<{ digest: Uint8Array; leaf_index: number | null }>(
    // Its leaf: first_leaf + its position in the batch that integrated it (as in proof.ts).
    `SELECT e.digest,
            (SELECT b.first_leaf + array_position(b.seqs, e.seq) - 1 FROM log_batches b WHERE b.seq_span @> e.seq AND e.seq = ANY(b.seqs)) AS leaf_index
       FROM (SELECT seq, digest FROM record_log WHERE record_table = $1 AND record_id = $2 ORDER BY seq DESC LIMIT 1) e`,
    [table, id],
  );
  if (!entry) return { status: 'UNKNOWN' };
  const logId = await readLogId(db);
  const digest = hex(entry.digest);
  if (entry.leaf_index === null) return { status: 'PENDING_INTEGRATION', logId, digest, leafIndex: null };
  const leafIndex = Number(entry.leaf_index);
  const checkpoint = await firstAnchoredCheckpointCovering(db, leafIndex);
  if (!checkpoint) return { status: 'PENDING_ANCHOR', logId, digest, leafIndex };
  const plan = planInclusionProof(leafIndex, checkpoint.treeSize);
  const nodes = await readNodes(db, plan.flat());
  const auditPath = assembleProof(plan, (level, index) => nodes.get(`${level}:${index}`)).map(hex);
  return { status: 'ANCHORED', logId, digest, leafIndex, treeSize: checkpoint.treeSize, auditPath, checkpoint: checkpointBundle(logId, checkpoint) };
}
