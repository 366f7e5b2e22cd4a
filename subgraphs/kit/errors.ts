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
  // Credential issuance, revocation and suspension (issue 5; subgraphs/kit/credentials).
  /** The department does not issue credentials of that type. */
  CREDENTIAL_TYPE_UNKNOWN: 'CREDENTIAL_TYPE_UNKNOWN',
  /** The signed request (authorization) is malformed, wrongly signed or for another operation; `reason` says which check. */
  REQUEST_INVALID: 'REQUEST_INVALID',
  /** The signed request's exp has passed. */
  REQUEST_EXPIRED: 'REQUEST_EXPIRED',
  /** The signed request's requestId was already served. */
  REQUEST_REPLAYED: 'REQUEST_REPLAYED',
  /** The signer may not ask this: not the subject, not an officer (status changes: officers only). */
  NOT_AUTHORIZED: 'NOT_AUTHORIZED',
  /** Claims were given where they must come from the department's records. */
  CLAIMS_NOT_ALLOWED: 'CLAIMS_NOT_ALLOWED',
  /** The department has no record of the subject that this credential type states. */
  NO_RECORDS: 'NO_RECORDS',
  /** The department's records do not support the credential (e.g. a conviction stands). */
  NOT_ELIGIBLE: 'NOT_ELIGIBLE',
  /** No credential with that jti was issued by this department. */
  CREDENTIAL_NOT_FOUND: 'CREDENTIAL_NOT_FOUND',
  /** The credential is revoked: it can be neither suspended nor reinstated. */
  CREDENTIAL_REVOKED: 'CREDENTIAL_REVOKED',
  /** The department has no signing key or no ledger connection yet: nothing was done. */
  ISSUER_UNAVAILABLE: 'ISSUER_UNAVAILABLE',
  /** The ledger could not be read to check the request's signer: nothing was done. */
  RESOLUTION_UNAVAILABLE: 'RESOLUTION_UNAVAILABLE',
  // Trust and consent (issue 6; subgraphs/kit/trust-gateway.ts, subgraphs/kit/consent).
  /** The request did not come from a gateway this department trusts (`reason`: the failed check); HTTP 401, or 503 when the ledger cannot be read. */
  GATEWAY_TOKEN_INVALID: 'GATEWAY_TOKEN_INVALID',
  /**
   * A consent-bound field (its category is granted to the agency only under the citizen's consent)
   * of a citizen who has no valid consent for this agency, purpose and category: the field is null
   * and its data was never read. `scope`: the category; `reason`: NO_CONSENT, or NO_CITIZEN for a
   * record that is not about one citizen (nobody's consent can release it).
   */
  CONSENT_REQUIRED: 'CONSENT_REQUIRED',
  /** A consent credential was refused at registration; `reason` names the failed check. */
  CONSENT_INVALID: 'CONSENT_INVALID',
  /** No consent with that jti is registered with this department. */
  CONSENT_NOT_FOUND: 'CONSENT_NOT_FOUND',
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
    // Which check refused a signed request (e.g. AUDIENCE_MISMATCH): a stable sub-code the gateway passes on.
    // Only a code-shaped reason: other errors put free text (hosts, messages) under that name.
    const reason = own.detail?.reason;
    if (typeof reason === 'string' && /^[A-Z][A-Z0-9_]{1,63}$/.test(reason)) extensions.reason = reason;
    // The data category a refusal is about (CONSENT_REQUIRED): category-shaped only, like reason.
    const scope = own.detail?.scope;
    if (typeof scope === 'string' && /^[a-z]+\.[a-z-]{1,63}$/.test(scope)) extensions.scope = scope;
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
