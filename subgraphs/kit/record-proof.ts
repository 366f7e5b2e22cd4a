import type { Database } from '../../store/database.ts';
import { loadRecordProofs, type RecordProof } from '../../anchor/log/proof.ts';
import { loader } from './loaders.ts';

/**
 * The resolver of `proof: RecordProof` on a record type stored in `table`
 * (the row's `id` names it). Proofs of one request load in one batch.
 */
export function recordProofResolver(db: Database, table: string) {
  return (parent: { id: unknown }, _args: unknown, context: object): Promise<RecordProof | null> =>
    loader<string, RecordProof | null>(context, 'record-proof', (keys) => loadRecordProofs(db, keys.map(splitKey))).load(`${table}\u0000${String(parent.id)}`);
}

function splitKey(key: string): { table: string; id: string } {
  const cut = key.indexOf('\u0000');
  return { table: key.slice(0, cut), id: key.slice(cut + 1) };
}
