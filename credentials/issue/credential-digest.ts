import { createHash } from 'node:crypto';

/**
 * The JWS signing input of a compact JWS: ASCII(BASE64URL(header) || '.' || BASE64URL(payload))
 * (RFC 7515 §5.1 step 5). Throws on anything that is not three dot-separated segments.
 */
export function signingInputOf(jwt: string): string {
  const parts = jwt.split('.');
  if (parts.length !== 3 || !parts[0] || !parts[1]) throw new TypeError('a compact JWS has three segments: header.payload.signature');
  return `${parts[0]}.${parts[1]}`;
}

/**
 * What a credential is anchored by (DESIGN.md, trust model): SHA-256 of its signing input,
 * never of the whole JWT. ES256K signatures are malleable (s and n - s both verify), so a
 * digest over the signature would give one credential two identities; the signing input is
 * the same for every valid signature over it.
 */
export function credentialDigest(jwt: string): Buffer {
  return createHash('sha256').update(signingInputOf(jwt), 'latin1').digest();
}
