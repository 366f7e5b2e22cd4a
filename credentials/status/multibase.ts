/**
 * Strict multibase base64url ('u' prefix, no padding) as required for `encodedList`
 * (W3C Bitstring Status List v1.0 §2.2: "a Multibase-encoded base64url (with no padding)
 * [RFC4648] representation"). Node's `Buffer.from(s, 'base64url')` silently skips characters
 * outside the alphabet, so the alphabet and the canonical form are checked here first.
 */
import { StatusListError } from './errors.ts';

/** Multibase code of base64url without padding. */
export const MULTIBASE_BASE64URL_PREFIX = 'u';

const BASE64URL_NO_PAD = /^[A-Za-z0-9_-]*$/;

export function encodeMultibaseBase64url(bytes: Uint8Array): string {
  return MULTIBASE_BASE64URL_PREFIX + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/**
 * Decode 'u' + base64url. Refuses (STATUS_LIST_MALFORMED): another multibase prefix, padding,
 * characters outside the alphabet, an impossible length (4n+1), and non-canonical trailing bits
 * (so each byte string has exactly one accepted spelling).
 */
export function decodeMultibaseBase64url(encoded: string): Buffer {
  if (!encoded.startsWith(MULTIBASE_BASE64URL_PREFIX)) {
    throw new StatusListError('STATUS_LIST_MALFORMED', "encodedList must start with the multibase base64url prefix 'u'");
  }
  const body = encoded.slice(1);
  if (body.length === 0) throw new StatusListError('STATUS_LIST_MALFORMED', 'encodedList is empty');
  if (!BASE64URL_NO_PAD.test(body)) {
    throw new StatusListError('STATUS_LIST_MALFORMED', 'encodedList is not base64url without padding');
  }
  if (body.length % 4 === 1) throw new StatusListError('STATUS_LIST_MALFORMED', 'encodedList has an impossible base64url length');
  const bytes = Buffer.from(body, 'base64url');
  if (bytes.toString('base64url') !== body) {
    throw new StatusListError('STATUS_LIST_MALFORMED', 'encodedList is not canonical base64url (non-zero trailing bits)');
  }
  return bytes;
}
