import { GraphQLError } from 'graphql';
import { AuthenticationError, type AgencyAuthenticator, type AgencyIdentity } from './authenticate-agency.ts';

/**
 * The authentication step of a gateway request, run while building its
 * context: anonymous without a header; the agency with a good token; a
 * GraphQL error with HTTP 401 (or 503 when the ledger or the replay store
 * cannot answer) and the failed check's `reason` otherwise. Nothing is
 * planned or fetched for a refused token.
 */
export async function authenticateRequest(
  authenticator: (() => AgencyAuthenticator | undefined) | undefined,
  authorization: string | undefined,
  onRefusal?: (reason: string) => void,
): Promise<AgencyIdentity | undefined> {
  if (authorization === undefined || authorization === '') return undefined;
  const authenticate = authenticator?.();
  try {
    if (!authenticate) throw new AuthenticationError('RESOLUTION_UNAVAILABLE', 'agency tokens cannot be checked yet: the gateway is waiting for the ledger', 503);
    return await authenticate(authorization);
  } catch (error) {
    if (!(error instanceof AuthenticationError)) throw error;
    onRefusal?.(error.reason);
    throw new GraphQLError(error.message, { extensions: { code: 'UNAUTHENTICATED', reason: error.reason, http: { status: error.status } } });
  }
}
