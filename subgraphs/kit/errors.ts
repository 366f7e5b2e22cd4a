import type { GraphQLFormattedError } from 'graphql';
import { GovshareError, InputError } from '../../platform/errors.ts';

/**
 * Stable error codes a department answers with. Clients branch on these;
 * the gateway lets exactly these (and GraphQL's own) through to callers.
 */
export const ErrorCode = {
  INVALID_DID: 'INVALID_DID',
  INVALID_DATE: 'INVALID_DATE',
  INVALID_AMOUNT: 'INVALID_AMOUNT',
  INVALID_CURRENCY: 'INVALID_CURRENCY',
  INVALID_CURSOR: 'INVALID_CURSOR',
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Refuses a request because of one argument; `field` names it (e.g. "input.credits"). */
export function invalid(code: ErrorCode, message: string, field?: string): InputError {
  return new InputError(code, message, field ? { detail: { field } } : undefined);
}

export function notFound(what: string, id: string): InputError {
  return new InputError(ErrorCode.NOT_FOUND, `${what} ${id} does not exist`, { detail: { id } });
}

export function conflict(message: string): InputError {
  return new InputError(ErrorCode.CONFLICT, message);
}

/**
 * Subgraph error formatting. A GovshareError anywhere in the cause chain (a
 * resolver throw, or a scalar refusing a variable, which graphql-js wraps twice)
 * gives the error its stable code and its own message; anything unexpected
 * becomes INTERNAL_SERVER_ERROR without details.
 */
export function formatSubgraphError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const own = findGovshareError(error);
  if (own) {
    const extensions: Record<string, unknown> = { code: own.code };
    if (own.detail?.field) extensions.field = own.detail.field;
    // Keep graphql-js's "Variable "$x" got invalid value ..." prefix: it tells the caller which value.
    const message = formatted.extensions?.code === 'BAD_USER_INPUT' ? formatted.message : own.message;
    return { message, ...(formatted.locations && { locations: formatted.locations }), ...(formatted.path && { path: formatted.path }), extensions };
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') return { ...formatted, extensions: { code } };
  return { message: 'internal error', ...(formatted.path && { path: formatted.path }), extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

function findGovshareError(error: unknown): GovshareError | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if (current instanceof GovshareError) return current;
    // Duck-typed: a GraphQLError from another copy of graphql-js fails instanceof.
    const next = current as { originalError?: unknown; cause?: unknown };
    current = next.originalError ?? next.cause;
  }
  return undefined;
}
