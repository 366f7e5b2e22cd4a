import type { Queryable } from '../../store/database.ts';
import { logDigest } from '../../anchor/log/log-digest.ts';

/** The log entry name of issued credentials (record_table); their record_id is the jti. */
export const CREDENTIAL_LOG_TABLE = 'credential';

/**
 * Logs an issued credential in its department's Merkle log, in the transaction that records
 * its issuance, so a credential the department acknowledges always becomes a leaf. The leaf's
 * data is the credential's digest (credential-digest.ts), unsalted: a verifier recomputes it
 * from the credential alone, and the jti inside makes it unguessable.
 */
export async function logCredential(tx: Queryable, jti: string, digest: Uint8Array): Promise<void> {
  await logDigest(tx, CREDENTIAL_LOG_TABLE, jti, digest);
}
