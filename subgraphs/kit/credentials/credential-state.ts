import type { Queryable } from '../../../store/database.ts';
import { statusOf, type CredentialStatus, type IssuedCredentialRow } from './context.ts';
import { credentialProof } from './credential-proof.ts';

export interface CredentialState {
  jti: string;
  type: string;
  status: CredentialStatus;
  statusChangedAt: string | null;
  /** Where its leaf is: PENDING_INTEGRATION, PENDING_ANCHOR or ANCHORED. */
  anchorStatus: 'PENDING_INTEGRATION' | 'PENDING_ANCHOR' | 'ANCHORED' | 'UNKNOWN';
}

/**
 * What anyone holding a credential's jti may learn from its issuer: its type, its status
 * (as public as the status list) and whether it is anchored yet. Never its subject, its claims
 * or why its status changed. Null when this department issued no such credential.
 */
export async function credentialState(q: Queryable, jti: string): Promise<CredentialState | null> {
  const [row] = await q.query<Pick<IssuedCredentialRow, 'id' | 'type' | 'revoked' | 'suspended' | 'status_changed_at'>>(
    'SELECT id, type, revoked, suspended, status_changed_at FROM issued_credentials WHERE id = $1',
    [jti],
  );
  if (!row) return null;
  const proof = await credentialProof(q, jti);
  return { jti: row.id, type: row.type, status: statusOf(row), statusChangedAt: row.status_changed_at, anchorStatus: proof.status };
}
