import type { Queryable } from '../../../store/database.ts';
import type { VerifiedRequest } from '../../../credentials/request/verify-request.ts';
import { MAX_SKEW_SECONDS } from '../../../credentials/verify/check-time.ts';
import { InputError } from '../../../platform/errors.ts';
import { ErrorCode } from '../errors.ts';

/**
 * Marks a signed request as served, in the transaction of what it asked for: the operation
 * and its request id commit together, or neither does (a refused issuance leaves the request
 * usable). A second use of the same (caller, requestId) is REQUEST_REPLAYED; two concurrent
 * uses meet at the primary key, and the later one waits and is refused.
 *
 * An id is kept until its request could no longer pass the time check anyway (exp plus the
 * largest clock skew a verifier allows), then pruned here, so the table stays small.
 */
export async function consumeRequest(tx: Queryable, request: VerifiedRequest, now: Date): Promise<void> {
  await tx.query('DELETE FROM used_requests WHERE expires_at < $1', [new Date(now.getTime() - MAX_SKEW_SECONDS * 1000).toISOString()]);
  const inserted = await tx.query(
    'INSERT INTO used_requests (caller, request_id, purpose, expires_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1',
    [request.caller, request.requestId, request.purpose, request.expiresAt.toISOString()],
  );
  if (inserted.length === 0) {
    throw new InputError(ErrorCode.REQUEST_REPLAYED, 'this signed request was already used: sign a new one (requestId is single-use)');
  }
}
