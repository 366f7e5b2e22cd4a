import { assertLoggedVersion } from '../../../anchor/log/assert-logged-version.ts';
import { logRecord } from '../../../anchor/log/log-record.ts';
import { identityOf } from '../../../credentials/consent/identity-of.ts';
import { RequestError, verifyRequest } from '../../../credentials/request/verify-request.ts';
import { InputError } from '../../../platform/errors.ts';
import { ErrorCode } from '../errors.ts';
import { notAuthorized } from '../credentials/authorize.ts';
import { consumeRequest } from '../credentials/consume-request.ts';
import { consentAnswer, type ConsentAnswer, type ConsentContext, type ConsentRow } from './context.ts';

export interface RevokeConsentInput {
  jti: string;
  /** The citizen's signed request: purpose revoke-consent, aud = this department's DID, sub = the citizen, jti = the consent's. */
  authorization: string;
}

/**
 * The citizen withdraws a consent (issue 6): only the citizen it is about, with a signed request
 * (credentials/request: their DID's authentication key, single use, for this department and
 * this consent). In one transaction: the request is marked used, the consent gets its new
 * version (revoked, when, by whom; checked against the version last logged, then logged), so
 * the next request to this department no longer releases anything under it. Never a delete.
 * Revoking a revoked consent changes nothing and is not an error.
 */
export async function revokeConsent(ctx: ConsentContext, input: RevokeConsentInput, now = new Date()): Promise<ConsentAnswer> {
  const issuer = ctx.issuer.require();
  const request = await verifyRequest(input.authorization, {
    resolver: issuer.resolver,
    audience: issuer.did,
    expect: { purpose: 'revoke-consent', credentialId: input.jti },
    now,
  });
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx.query<ConsentRow>('SELECT * FROM consents WHERE id = $1 FOR UPDATE', [input.jti]);
    if (!row) throw new InputError(ErrorCode.CONSENT_NOT_FOUND, `no consent ${String(input.jti).slice(0, 80)} is registered with ${ctx.department}`);
    if (identityOf(request.caller) !== row.citizen_key) throw notAuthorized('only the citizen who gave a consent may revoke it');
    if (identityOf(request.subject) !== row.citizen_key) throw new RequestError('REQUEST_INVALID', 'SUBJECT_MISMATCH', 'the request names another subject than the consent\'s citizen');
    await consumeRequest(tx, request, now);
    if (row.revoked) return consentAnswer(row, now);
    await assertLoggedVersion(tx, 'consents', row as unknown as Record<string, unknown> & { id: unknown });
    const [updated] = await tx.query<ConsentRow>('UPDATE consents SET revoked = true, revoked_at = $2, revoked_by = $3 WHERE id = $1 RETURNING *', [
      row.id,
      now.toISOString(),
      request.caller,
    ]);
    await logRecord(tx, 'consents', updated as unknown as Record<string, unknown> & { id: unknown });
    return consentAnswer(updated!, now);
  });
}
