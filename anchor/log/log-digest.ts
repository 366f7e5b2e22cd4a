import type { Queryable } from '../../store/database.ts';
import { HASH_SIZE } from '../merkle.ts';

/**
 * The outbox write for a leaf whose data the caller computed itself (no salt): e.g. an
 * issued credential, anchored by SHA-256 of its JWS signing input, which anyone holding the
 * credential recomputes. Called inside the transaction that commits what the digest stands
 * for, like logRecord. `table` and `id` name the entry (proofs are looked up by them); the log
 * does not interpret them. Nothing guessable may be logged this way: the digest must already
 * cover enough randomness (a credential's jti) to resist brute force.
 */
export async function logDigest(tx: Queryable, table: string, id: string, digest: Uint8Array): Promise<void> {
  if (digest.length !== HASH_SIZE) throw new RangeError(`a leaf digest is ${HASH_SIZE} bytes, got ${digest.length}`);
  await tx.query('INSERT INTO record_log (record_table, record_id, salt, digest) VALUES ($1, $2, NULL, $3)', [table, id, Buffer.from(digest)]);
}
