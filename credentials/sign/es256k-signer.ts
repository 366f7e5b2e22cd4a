import { createECDH, createPrivateKey, type KeyObject } from 'node:crypto';
import type { Signer } from 'did-jwt';
import { es256k } from '../verify/es256k.ts';
import { bytesToBigInt, SECP256K1_N } from '../verify/secp256k1.ts';

/**
 * A did-jwt `Signer` for ES256K (RFC 8812 §3.2) on native code (es256k.ts: libsecp256k1, or
 * node's OpenSSL) instead of did-jwt's JS `ES256KSigner`.
 *
 * Output format is did-jwt's exactly: base64url (RFC 7515 §2) of R || S, 32 bytes each
 * (RFC 7518 §3.4, node's `ieee-p1363` encoding), with S in the low half of the curve order.
 * OpenSSL does not normalise S, so about half of its signatures are high-S; both halves verify,
 * but ours must be the one canonical form that our verifier (which refuses high-S) and noble-based
 * verifiers accept, and one credential must have one JWT string (es256k.ts normalises).
 *
 * libsecp256k1 uses RFC 6979 deterministic nonces as did-jwt does; OpenSSL draws a random one,
 * so there signing the same input twice gives two different (both valid) signatures. Nothing
 * here relies on either: the anchored digest is of the signing input, not of the signature.
 */

export function nodeES256KSigner(privateKey: Uint8Array | string | KeyObject): Signer {
  const key = isKeyObject(privateKey) ? checkedKeyObject(privateKey) : es256kPrivateKeyObject(privateKey);
  return async (data: string | Uint8Array): Promise<string> => {
    // did-jwt passes the signing input as a string (ASCII) and signs its UTF-8 bytes.
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    return es256k.sign(bytes, key).toString('base64url');
  };
}

/**
 * A secp256k1 private key (32 bytes, or hex with or without 0x) as a KeyObject, via a JWK
 * (RFC 7518 §6.2.2; node needs the public point too, which ECDH derives natively).
 * Throws on a wrong length or a scalar outside [1, n-1].
 */
export function es256kPrivateKeyObject(privateKey: Uint8Array | string): KeyObject {
  const d = typeof privateKey === 'string' ? Buffer.from(privateKey.replace(/^0x/i, ''), 'hex') : Buffer.from(privateKey);
  if (d.length !== 32) throw new TypeError(`bad_key: a secp256k1 private key is 32 bytes, got ${d.length}`);
  const scalar = bytesToBigInt(d);
  if (scalar === 0n || scalar >= SECP256K1_N) throw new TypeError('bad_key: private key is outside [1, n-1]');
  const ecdh = createECDH('secp256k1');
  ecdh.setPrivateKey(d);
  const point = ecdh.getPublicKey(); // 0x04 || X || Y
  return createPrivateKey({
    key: {
      kty: 'EC',
      crv: 'secp256k1',
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33, 65).toString('base64url'),
      d: d.toString('base64url'),
    },
    format: 'jwk',
  });
}

function isKeyObject(value: unknown): value is KeyObject {
  return typeof value === 'object' && value !== null && 'asymmetricKeyType' in value && 'type' in value && !(value instanceof Uint8Array);
}

function checkedKeyObject(key: KeyObject): KeyObject {
  if (key.type !== 'private' || key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'secp256k1') {
    throw new TypeError('bad_key: expected a secp256k1 private KeyObject');
  }
  return key;
}
