import { assertLoggedVersion } from '../../../anchor/log/assert-logged-version.ts';
import { logRecord } from '../../../anchor/log/log-record.ts';
import { RequestError, verifyRequest } from '../../../credentials/request/verify-request.ts';
import { InputError } from '../../../platform/errors.ts';
import { ErrorCode, invalid } from '../errors.ts';
import { callerRole, notAuthorized } from './authorize.ts';
import { consumeRequest } from './consume-request.ts';
import { statusOf, type CredentialContext, type CredentialStatus, type IssuedCredentialRow } from './context.ts';
import { markStatusListChanged, signStatusListRow } from './sign-status-list-row.ts';

/** revoke: final (revocation list); suspend: reversible (suspension list); reinstate: lifts a suspension. */
export type StatusChange = 'revoke' | 'suspend' | 'reinstate';

export interface ChangeCredentialStatusInput {
  jti: string;
  /** Why (kept with the credential's record, never published): required to revoke or suspend. */
  reason?: string | null;
  /** The signed request, purpose `<change>-credential`, jti = the credential's. */
  authorization: string;
}

export interface CredentialStatusAnswer {
  jti: string;
  type: string;
  status: CredentialStatus;
  statusChangedAt: string | null;
}

/**
 * Revokes, suspends or reinstates a credential this department issued (issue 5, "Revocation
 * and suspension"; W3C Bitstring Status List v1.0 §2.1 statusPurpose). Officers only, with a
 * signed request bound to this credential and its subject. In one transaction: the request is
 * marked used, the credential's record gets its new version (checked against the version last
 * logged, then logged: tampering stays visible to `govshare audit`), the list's version moves
 * and the list is signed again, so the very next GET of the list shows the change. Asking for
 * the status a credential already has changes nothing and is not an error.
 */
export async function changeCredentialStatus(ctx: CredentialContext, change: StatusChange, input: ChangeCredentialStatusInput, now = new Date()): Promise<CredentialStatusAnswer> {
  const reason = input.reason === null || input.reason === undefined ? null : input.reason.trim();
  if (change !== 'reinstate' && !reason) throw invalid(ErrorCode.INVALID_ARGUMENT, `a reason is required to ${change} a credential`, 'input.reason');
  if (reason !== null && (reason.length < 1 || reason.length > 500)) throw invalid(ErrorCode.INVALID_ARGUMENT, 'reason must be 1 to 500 characters', 'input.reason');
  const issuer = ctx.issuer.require();
  const request = await verifyRequest(input.authorization, {
    resolver: issuer.resolver,
    audience: issuer.did,
    expect: { purpose: `${change}-credential`, credentialId: input.jti },
    now,
  });
  if (callerRole(request.caller, '', { did: issuer.did, officers: ctx.settings.officers }) !== 'officer') {
    throw notAuthorized(`only an officer of ${ctx.settings.department} may ${change} its credentials`);
  }

  return ctx.db.transaction(async (tx) => {
    await consumeRequest(tx, request, now);
    const [row] = await tx.query<IssuedCredentialRow>('SELECT * FROM issued_credentials WHERE id = $1 FOR UPDATE', [input.jti]);
    if (!row) throw new InputError(ErrorCode.CREDENTIAL_NOT_FOUND, `${ctx.settings.department} issued no credential ${String(input.jti).slice(0, 80)}`);
    if (row.subject_did !== request.subject) throw new RequestError('REQUEST_INVALID', 'SUBJECT_MISMATCH', 'the request names another subject than the credential\'s');
    if (row.revoked && change !== 'revoke') throw new InputError(ErrorCode.CREDENTIAL_REVOKED, `credential ${row.id} is revoked: revocation is final`);

    const next = change === 'revoke' ? { revoked: true, suspended: row.suspended } : { revoked: false, suspended: change === 'suspend' };
    if (next.revoked === row.revoked && next.suspended === row.suspended) return answer(row);

    await assertLoggedVersion(tx, 'issued_credentials', row as unknown as Record<string, unknown> & { id: unknown });
    const [updated] = await tx.query<IssuedCredentialRow>(
      `UPDATE issued_credentials SET revoked = $2, suspended = $3, status_reason = $4, status_changed_by = $5, status_changed_at = $6
        WHERE id = $1 RETURNING *`,
      [row.id, next.revoked, next.suspended, reason, request.caller, now.toISOString()],
    );
    await logRecord(tx, 'issued_credentials', updated as unknown as Record<string, unknown> & { id: unknown });
    const listId = await markStatusListChanged(tx, row.status_series, change === 'revoke' ? 'revocation' : 'suspension');
    await signStatusListRow(tx, listId, issuer, ctx.settings, now);
    return answer(updated!);
  });
}

function answer(row: IssuedCredentialRow): CredentialStatusAnswer {
  return { jti: row.id, type: row.type, status: statusOf(row), statusChangedAt: row.status_changed_at };
}
