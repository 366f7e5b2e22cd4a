import { sendJson, type RouteHandler } from '../../platform/http/server.ts';
import type { Queryable } from '../../store/database.ts';
import { AuthenticationError, type AgencyAuthenticator } from '../auth/authenticate-agency.ts';
import { readAccessLog } from './read-access-log.ts';

/** The purpose a citizen's token declares to read their access log. */
export const ACCESS_LOG_PURPOSE = 'access-log';

/**
 * `GET /access-log[?limit=N&before=ISO-time]` with `Authorization: Bearer <JWT>`: the caller's
 * own access log. The token is the same DID-signed bearer JWT agencies use (aud = the gateway's
 * DID, short-lived, single-use jti), signed by the citizen's wallet key with purpose
 * `access-log`; the log shown is always that DID's own, so no one reads another's.
 */
export function accessLogRoute(options: { db: Queryable; authenticator: () => AgencyAuthenticator | undefined }): RouteHandler {
  return async (req, res) => {
    const authenticate = options.authenticator();
    if (!authenticate) return sendJson(res, 503, { error: { code: 'RESOLUTION_UNAVAILABLE', message: 'tokens cannot be checked yet: the gateway is waiting for the ledger' } });
    const authorization = req.headers.authorization;
    if (!authorization) return sendJson(res, 401, { error: { code: 'UNAUTHENTICATED', reason: 'MISSING', message: 'send Authorization: Bearer <JWT signed by your DID, purpose "access-log">' } });
    let did: string;
    try {
      const identity = await authenticate(authorization);
      if (!identity) throw new AuthenticationError('MISSING', 'no token');
      if (identity.purpose !== ACCESS_LOG_PURPOSE) throw new AuthenticationError('PURPOSE_MISMATCH', `the token's purpose must be "${ACCESS_LOG_PURPOSE}"`);
      did = identity.did;
    } catch (error) {
      if (!(error instanceof AuthenticationError)) throw error;
      return sendJson(res, error.status, { error: { code: 'UNAUTHENTICATED', reason: error.reason, message: error.message } });
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const limit = Number(url.searchParams.get('limit') ?? 50);
    const before = url.searchParams.get('before') ?? undefined;
    if (!Number.isInteger(limit) || limit < 1 || limit > 500 || (before !== undefined && Number.isNaN(Date.parse(before)))) {
      return sendJson(res, 400, { error: { code: 'BAD_REQUEST', message: 'limit is 1 to 500; before is an ISO-8601 time' } });
    }
    const accesses = await readAccessLog(options.db, did, { limit, ...(before !== undefined && { before }) });
    return sendJson(res, 200, { citizen: did, accesses });
  };
}
