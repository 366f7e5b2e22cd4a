import { GovshareError } from '../../platform/errors.ts';
import type { KeyCache } from '../verify/issuer-keys.ts';
import { verifyJwt, type IssuerResolver } from '../verify/verify-jwt.ts';
import {
  MAX_REQUEST_LIFETIME_SECONDS,
  REQUEST_ALGORITHMS,
  REQUEST_ID,
  RequestErrorCode,
  isRequestPurpose,
  REQUEST_PURPOSES,
  type RequestPurpose,
} from './signed-request.ts';

/** A request whose signature, audience, lifetime and operation checked out. */
export interface VerifiedRequest {
  /** iss: the DID that signed. */
  caller: string;
  subject: string;
  purpose: RequestPurpose;
  type?: string;
  credentialId?: string;
  requestId: string;
  issuedAt: Date;
  expiresAt: Date;
}

export interface VerifyRequestOptions {
  resolver: IssuerResolver;
  /** The receiving department's DID: the only accepted `aud`. */
  audience: string;
  /** What the request must ask for: the operation being served, its subject, type or credential. */
  expect: { purpose: RequestPurpose; subject?: string; type?: string; credentialId?: string };
  now: Date;
  skewSeconds?: number;
  keyCache?: KeyCache;
}

/** A refused request: `code` (RequestErrorCode) for callers, `detail.reason` names the failed check. */
export class RequestError extends GovshareError {
  constructor(code: keyof typeof RequestErrorCode, reason: string, message: string) {
    super(code, message, { detail: { reason } });
  }
}

const invalid = (reason: string, message: string) => new RequestError('REQUEST_INVALID', reason, message);

/**
 * Checks a signed request (signed-request.ts) for one operation, in the verifier's named
 * checks (credentials/verify/verify-jwt.ts): structure, algorithm (ES256K or ES256K-R),
 * the caller's `authentication` keys in their latest DID document (a rotated-out key is
 * refused from the next request), signature (low-S only), validity period; then the claims
 * that bind it to this department and this operation. Replay (requestId already used) is the
 * receiver's check: it owns the store of used ids. Throws RequestError, never returns a
 * request it has doubts about.
 */
export async function verifyRequest(jwt: unknown, options: VerifyRequestOptions): Promise<VerifiedRequest> {
  const token = typeof jwt === 'string' ? asPlainEs256k(jwt) : jwt;
  const report = await verifyJwt(token, {
    resolver: options.resolver,
    now: options.now,
    relationship: 'authentication',
    algorithms: REQUEST_ALGORITHMS,
    ...(options.keyCache && { keyCache: options.keyCache }),
    ...(options.skewSeconds !== undefined && { skewSeconds: options.skewSeconds }),
  });
  const failed = report.checks.find((check) => !check.ok);
  if (failed || !report.jws) {
    const reason = failed?.code ?? 'MALFORMED';
    const message = `the signed request was refused: ${failed?.id ?? 'structure'} ${reason}${failed?.detail ? ` (${failed.detail})` : ''}`;
    if (reason === 'RESOLUTION_UNAVAILABLE') throw new RequestError('RESOLUTION_UNAVAILABLE', reason, 'the ledger cannot be reached to check the caller\'s keys; nothing was done');
    if (reason === 'EXPIRED') throw new RequestError('REQUEST_EXPIRED', reason, 'the signed request has expired: sign a new one');
    throw invalid(reason, message);
  }

  const { iss, aud, sub, purpose, type, jti, requestId, iat, exp } = report.jws.payload;
  if (aud !== options.audience) throw invalid('AUDIENCE_MISMATCH', `aud must be this department's DID ${options.audience}`);
  if (typeof iat !== 'number' || typeof exp !== 'number' || !Number.isInteger(iat) || !Number.isInteger(exp)) {
    throw invalid('MALFORMED', 'iat and exp are required, in whole seconds');
  }
  if (exp <= iat || exp - iat > MAX_REQUEST_LIFETIME_SECONDS) throw invalid('LIFETIME_TOO_LONG', `exp must be after iat and at most ${MAX_REQUEST_LIFETIME_SECONDS} s later`);
  if (typeof requestId !== 'string' || !REQUEST_ID.test(requestId)) throw invalid('MALFORMED', 'requestId must be a random id of 16 to 128 base64url characters');
  if (!isRequestPurpose(purpose)) throw invalid('PURPOSE_MISMATCH', `purpose must be one of ${REQUEST_PURPOSES.join(', ')}`);
  if (typeof sub !== 'string') throw invalid('MALFORMED', 'sub must be the subject\'s DID');
  if (type !== undefined && typeof type !== 'string') throw invalid('MALFORMED', 'type must be a string');
  if (jti !== undefined && typeof jti !== 'string') throw invalid('MALFORMED', 'jti must be a string');

  const { expect } = options;
  if (purpose !== expect.purpose) throw invalid('PURPOSE_MISMATCH', `this request is for ${purpose}, not ${expect.purpose}`);
  if (expect.subject !== undefined && sub !== expect.subject) throw invalid('SUBJECT_MISMATCH', 'the request was signed for another subject');
  if (expect.type !== undefined && type !== expect.type) throw invalid('TYPE_MISMATCH', 'the request was signed for another credential type');
  if (expect.credentialId !== undefined && jti !== expect.credentialId) throw invalid('CREDENTIAL_MISMATCH', 'the request was signed for another credential');

  return {
    caller: iss as string,
    subject: sub,
    purpose,
    ...(type !== undefined && { type }),
    ...(jti !== undefined && { credentialId: jti }),
    requestId,
    issuedAt: new Date(iat * 1000),
    expiresAt: new Date(exp * 1000),
  };
}

/**
 * ES256K-R (did-jwt's recoverable variant) is R || S || recovery id over SHA-256 of the signing
 * input: the same ECDSA signature as ES256K plus a one-byte hint for key recovery. The verifier
 * checks 64-byte R || S only, and recovers account keys itself, so the hint is dropped (after
 * checking it is a recovery id at all). The header, and so the signing input, is untouched.
 * Anything that does not look like that is passed on unchanged for the verifier to refuse.
 */
function asPlainEs256k(jwt: string): string {
  const [header, payload, signature, ...rest] = jwt.split('.');
  if (header === undefined || payload === undefined || signature === undefined || rest.length) return jwt;
  let alg: unknown;
  try {
    alg = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')).alg;
  } catch {
    return jwt;
  }
  if (alg !== 'ES256K-R') return jwt;
  const raw = Buffer.from(signature, 'base64url');
  if (raw.length !== 65 || raw.toString('base64url') !== signature || raw[64]! > 1) return jwt;
  return `${header}.${payload}.${raw.subarray(0, 64).toString('base64url')}`;
}
