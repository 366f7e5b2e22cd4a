import { GraphQLError } from 'graphql';
import { SUBGRAPH_TOKEN_HEADER, type DecisionContext } from '../../gateway/subgraph-client/subgraph-token.ts';
import type { RequestInfo } from '../../platform/http/server.ts';
import { GatewayTokenError, type GatewayTrust } from './trust-gateway.ts';

/**
 * The one query a department answers without a gateway token: the composition query the
 * gateway (and `govshare compose --from-services`) sends at start, exactly this text. The SDL
 * is public: it is the schema (types, fields and their classification), never data, the same
 * text as the schema files in the repository; and the gateway needs it before it can sign
 * anything (it composes first, and gets its key only once the ledger answers). Any other text,
 * even one that also asks for `_service`, needs a token.
 */
export const COMPOSITION_QUERY = '{ _service { sdl } }';

/**
 * Admits a GraphQL request only from a gateway this department trusts (DESIGN.md "Trust
 * model"): the `x-govshare-gateway-token` header must verify (trust-gateway.ts) for this
 * department and this request id. Returns the decision the gateway signed (undefined for the
 * composition query); throws a GraphQLError the server answers as is: HTTP 401
 * GATEWAY_TOKEN_INVALID with the failed check as `reason`, or 503 while the ledger cannot be
 * read (`trust` undefined: not connected yet; or the gateway's DID cannot be resolved).
 */
export async function admitGateway(trust: GatewayTrust | undefined, info: RequestInfo): Promise<DecisionContext | undefined> {
  if (isCompositionQuery(info)) return undefined;
  const header = info.req.headers[SUBGRAPH_TOKEN_HEADER];
  const token = typeof header === 'string' && header !== '' ? header : undefined;
  try {
    if (!token) throw new GatewayTokenError('MISSING', 'this department answers only the gateway: the request has no gateway token');
    if (!trust) throw new GatewayTokenError('RESOLUTION_UNAVAILABLE', 'this department cannot check gateway tokens until the ledger answers: try again shortly', 503);
    return await trust(token, info.requestId);
  } catch (error) {
    if (!(error instanceof GatewayTokenError)) throw error;
    throw new GraphQLError(error.message, { originalError: error, extensions: { code: error.code, http: { status: error.status } } });
  }
}

function isCompositionQuery(info: RequestInfo): boolean {
  if (info.req.method !== 'POST') return false;
  const body = info.graphqlBody as { query?: unknown } | undefined;
  return typeof body === 'object' && body !== null && body.query === COMPOSITION_QUERY;
}
