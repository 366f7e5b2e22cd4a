/**
 * A signed request (issue 5, "Issuance" and "Revocation and suspension"): the caller of a
 * department's credential mutation proves who they are and exactly what they ask for with a
 * compact JWS signed by their DID's key (`authentication` relationship of their DID document,
 * DID Core §5.3.1), not with a session or an agency token. A citizen asks for credentials about
 * themselves; an officer of the department asks for anyone, or changes a credential's status.
 *
 * Payload (RFC 7519 claims where one fits):
 * - `iss`: the caller's DID (whose authentication key signed);
 * - `aud`: the department's DID, so a request for one department is useless at another;
 * - `sub`: the DID the credential is about;
 * - `purpose`: which operation (below), so an issuance request cannot be replayed as a revocation;
 * - `type`: the credential type, for issuance;
 * - `jti`: for a status change, the jti of the credential it changes (the request's own id is
 *   `requestId`: `jti` names the credential, as it does inside the credential); for
 *   revoke-consent, the jti of the citizen's consent credential it revokes (issue 6);
 *   list-consents names none (the request asks for every consent of its signer, who must be `sub`);
 * - `requestId`: random, single use (the department stores it until the request expires);
 * - `iat`, `exp`: at most MAX_REQUEST_LIFETIME_SECONDS apart.
 */
export const REQUEST_PURPOSES = ['issue-credential', 'revoke-credential', 'suspend-credential', 'reinstate-credential', 'revoke-consent', 'list-consents'] as const;
export type RequestPurpose = (typeof REQUEST_PURPOSES)[number];

/** DESIGN.md's bound for agency tokens, reused: a leaked request is useless after five minutes. */
export const MAX_REQUEST_LIFETIME_SECONDS = 300;

/** The algorithms a request may use: ES256K (RFC 8812 §3.2) and did-jwt's recoverable ES256K-R. */
export const REQUEST_ALGORITHMS: readonly string[] = ['ES256K', 'ES256K-R'];

/** requestId: base64url-ish, 16 to 128 characters (signRequest draws 128 bits). */
export const REQUEST_ID = /^[A-Za-z0-9_-]{16,128}$/;

export interface SignedRequestPayload {
  iss: string;
  aud: string;
  sub: string;
  purpose: RequestPurpose;
  type?: string;
  jti?: string;
  requestId: string;
  iat: number;
  exp: number;
}

export function isRequestPurpose(value: unknown): value is RequestPurpose {
  return typeof value === 'string' && (REQUEST_PURPOSES as readonly string[]).includes(value);
}

/** The stable codes a refused request carries (`code`), with the failed check as `reason`. */
export const RequestErrorCode = {
  /** Malformed, wrong algorithm, bad signature, wrong audience or operation, too long a lifetime. */
  REQUEST_INVALID: 'REQUEST_INVALID',
  /** exp has passed. */
  REQUEST_EXPIRED: 'REQUEST_EXPIRED',
  /** The caller's DID document could not be read (the ledger is down): nothing is decided. */
  RESOLUTION_UNAVAILABLE: 'RESOLUTION_UNAVAILABLE',
} as const;
