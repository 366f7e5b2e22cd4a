import { randomBytes } from 'node:crypto';

/** Prefix of every credential id govshare mints. */
export const CREDENTIAL_ID_PREFIX = 'urn:govshare:vc:';

/**
 * A fresh credential id (`jti`): 256 random bits, base64url. DESIGN.md asks for at least 128:
 * the jti is inside the signing input, so it is what makes the anchored digest unguessable
 * without a salt, and it names the credential in status changes and proof look-ups.
 */
export function newCredentialId(): string {
  return CREDENTIAL_ID_PREFIX + randomBytes(32).toString('base64url');
}

export function isCredentialId(value: unknown): value is string {
  return typeof value === 'string' && /^urn:govshare:vc:[A-Za-z0-9_-]{43}$/.test(value);
}
