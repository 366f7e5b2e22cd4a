import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode as DepartmentErrorCode } from '../subgraphs/kit/errors.ts';

/**
 * Error masking by allow-list. By default the gateway passes subgraph error
 * messages, service names, stack traces and subgraph URLs to clients
 * (DESIGN.md). Only errors whose code is listed here keep their message; every
 * other error is replaced, and no extension but `code` (and our own `field`,
 * `reason`, and the policy's `scope` and `denied`) survives.
 */
export const CLIENT_VISIBLE_CODES = new Set([
  // GraphQL and Apollo Server request errors: the client's own mistake, safe to explain.
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  // Department input and state errors: every code the departments define (subgraphs/kit/errors.ts).
  ...Object.values(DepartmentErrorCode),
  'RECORD_TAMPERED',
  // Gateway refusals.
  'PAYLOAD_TOO_LARGE',
  'UNAUTHENTICATED',
  'RATE_LIMITED',
  'PERSISTED_OPERATION_NOT_ALLOWED',
  'AUDIT_UNAVAILABLE',
  // Field-level policy (gateway/policy/codes.ts): a denied field, or a whole operation refused.
  'UNAUTHORIZED_FIELD',
  'FORBIDDEN_FIELDS',
]);

/** What a client sees when a department failed or could not be reached. */
export const SUBGRAPH_UNAVAILABLE = 'SUBGRAPH_UNAVAILABLE';

const UNREACHABLE = new Set(['SUBGRAPH_UNREACHABLE', 'SUBGRAPH_TIMEOUT', 'SUBGRAPH_RESPONSE_TOO_LARGE', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE']);

export function maskError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  const where = { ...(formatted.path && { path: formatted.path }), ...(formatted.locations && !isFromSubgraph(formatted) && { locations: formatted.locations }) };
  if (typeof code === 'string' && CLIENT_VISIBLE_CODES.has(code)) {
    const { field, reason, scope, denied, retryAfterSeconds } = formatted.extensions ?? {};
    return {
      message: formatted.message,
      ...where,
      extensions: {
        code,
        ...(typeof field === 'string' && { field }),
        ...(typeof reason === 'string' && { reason }),
        ...(typeof scope === 'string' && { scope }),
        ...(code === 'FORBIDDEN_FIELDS' && Array.isArray(denied) && { denied }),
        ...(typeof retryAfterSeconds === 'number' && { retryAfterSeconds }),
      },
    };
  }
  if (isUnreachable(error) || code === SUBGRAPH_UNAVAILABLE || code === 'DOWNSTREAM_SERVICE_ERROR' || code === 'SUBREQUEST_HTTP_ERROR') {
    return { message: 'a department could not answer this part of the request', ...where, extensions: { code: SUBGRAPH_UNAVAILABLE } };
  }
  return { message: 'internal error', ...where, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

function isFromSubgraph(formatted: GraphQLFormattedError): boolean {
  // Subgraph locations point into the gateway's generated subgraph query, not the client's.
  return formatted.extensions?.serviceName !== undefined;
}

function isUnreachable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && UNREACHABLE.has(code)) return true;
    const next = current as { originalError?: unknown; cause?: unknown };
    current = next.originalError ?? next.cause;
  }
  return false;
}
