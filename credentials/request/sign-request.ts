import { randomBytes } from 'node:crypto';
import { createJWT, type Signer } from 'did-jwt';
import { nodeES256KSigner } from '../sign/es256k-signer.ts';
import { MAX_REQUEST_LIFETIME_SECONDS, REQUEST_ID, type RequestPurpose, type SignedRequestPayload } from './signed-request.ts';

export interface SignRequestOptions {
  /** The caller: their DID and the key its DID document lists under `authentication`. */
  caller: { did: string; privateKey: string | Uint8Array } | { did: string; signer: Signer };
  /** The department's DID (its `GET /identity`). */
  audience: string;
  /** The DID the credential is (or will be) about. */
  subject: string;
  purpose: RequestPurpose;
  /** The credential type, for issue-credential. */
  type?: string;
  /** The credential's jti, for revoke/suspend/reinstate. */
  credentialId?: string;
  /** Seconds until exp (default 120, at most 300). */
  lifetimeSeconds?: number;
  /** Clock (default now). */
  now?: Date;
  /** Default: 128 random bits, base64url. */
  requestId?: string;
}

/**
 * Signs a request for a department's credential mutation (the `authorization` argument), as
 * ES256K with the caller's key on node's crypto (low-S, did-jwt's format). See
 * signed-request.ts for what each claim binds.
 */
export async function signRequest(options: SignRequestOptions): Promise<string> {
  const lifetime = options.lifetimeSeconds ?? 120;
  if (!Number.isInteger(lifetime) || lifetime < 1 || lifetime > MAX_REQUEST_LIFETIME_SECONDS) {
    throw new RangeError(`lifetimeSeconds must be 1 to ${MAX_REQUEST_LIFETIME_SECONDS}, got ${lifetime}`);
  }
  const requestId = options.requestId ?? randomBytes(16).toString('base64url');
  if (!REQUEST_ID.test(requestId)) throw new RangeError('requestId must be 16 to 128 base64url characters');
  const iat = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const payload: SignedRequestPayload = {
    iss: options.caller.did,
    aud: options.audience,
    sub: options.subject,
    purpose: options.purpose,
    ...(options.type !== undefined && { type: options.type }),
    ...(options.credentialId !== undefined && { jti: options.credentialId }),
    requestId,
    iat,
    exp: iat + lifetime,
  };
  const signer = 'signer' in options.caller ? options.caller.signer : nodeES256KSigner(options.caller.privateKey);
  return createJWT(payload, { issuer: options.caller.did, signer }, { alg: 'ES256K', typ: 'JWT' });
}
