import type { Queryable } from '../../../store/database.ts';
import { loadFirstAnchoredProof } from '../../../anchor/log/first-anchored-proof.ts';
import type { CredentialProofAnswer } from '../../../credentials/proof/credential-proof.ts';
import { CREDENTIAL_LOG_TABLE } from '../../../credentials/issue/log-credential.ts';

/**
 * A credential's anchoring as the fixed contract between departments and verifiers says
 * (credentials/proof/credential-proof.ts): the inclusion proof of its leaf (the digest of its
 * signing input) against the first anchored checkpoint that contains it, or where it is on the
 * way, or UNKNOWN when this department never logged a credential with that jti.
 */
export async function credentialProof(db: Queryable, jti: string): Promise<CredentialProofAnswer> {
  const found = await loadFirstAnchoredProof(db, CREDENTIAL_LOG_TABLE, jti);
  if (found.status !== 'ANCHORED') return { status: found.status };
  const { logId, digest, leafIndex, treeSize, auditPath, checkpoint } = found;
  return { status: 'ANCHORED', proof: { logId, digest, leafIndex, treeSize, auditPath, checkpoint } };
}
