import { ECDH, createPublicKey, type KeyObject } from 'node:crypto';

/**
 * secp256k1 facts shared by the signer and the verifier (SEC 2 §2.4.1).
 *
 * Kept apart from both so that "what counts as low-S" has exactly one definition: the signer
 * must never produce a signature the verifier refuses.
 */

/** The order n of the secp256k1 base point. */
export const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
/** floor(n / 2): an S above this is the "high" twin of a valid low-S signature. */
export const SECP256K1_HALF_N = SECP256K1_N >> 1n;

/** Length of an ES256K JWS signature: R || S, each 32 bytes big-endian (RFC 7518 §3.4, RFC 8812 §3.2). */
export const ES256K_SIGNATURE_BYTES = 64;

export function bytesToBigInt(bytes: Uint8Array): bigint {
  // hex round-trip: the engine's own parser, fast enough for 32 bytes
  return bytes.length === 0 ? 0n : BigInt('0x' + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex'));
}

export function bigIntTo32Bytes(value: bigint): Buffer {
  return Buffer.from(value.toString(16).padStart(64, '0'), 'hex');
}

/**
 * Where a 64-byte R || S signature stands: `low` (canonical), `high` (S > n/2, malleated twin)
 * or `invalid` (R or S outside [1, n-1], which no honest signer produces).
 */
export function signatureSForm(signature: Uint8Array): 'low' | 'high' | 'invalid' {
  if (signature.length !== ES256K_SIGNATURE_BYTES) return 'invalid';
  const r = bytesToBigInt(signature.subarray(0, 32));
  const s = bytesToBigInt(signature.subarray(32, 64));
  if (r === 0n || r >= SECP256K1_N || s === 0n || s >= SECP256K1_N) return 'invalid';
  return s > SECP256K1_HALF_N ? 'high' : 'low';
}

/**
 * A secp256k1 public key (SEC 1 §2.3.3 encoding: 33-byte compressed, 65-byte uncompressed, or the
 * 64-byte X || Y that some DID documents carry) as a node KeyObject.
 *
 * Throws on anything that is not a point on the curve: `ECDH.convertKey` and the JWK import both
 * reject off-curve points, so an invalid-curve key never reaches `crypto.verify`.
 */
export function secp256k1PublicKeyObject(bytes: Uint8Array): KeyObject {
  let encoded = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (encoded.length === 64) encoded = Buffer.concat([Buffer.from([0x04]), encoded]);
  if (!((encoded.length === 33 && (encoded[0] === 0x02 || encoded[0] === 0x03)) || (encoded.length === 65 && encoded[0] === 0x04))) {
    throw new TypeError(`not a SEC 1 secp256k1 public key (${bytes.length} bytes)`);
  }
  const uncompressed = ECDH.convertKey(encoded, 'secp256k1', undefined, undefined, 'uncompressed') as Buffer;
  return secp256k1JwkPublicKeyObject({
    kty: 'EC',
    crv: 'secp256k1',
    x: uncompressed.subarray(1, 33).toString('base64url'),
    y: uncompressed.subarray(33, 65).toString('base64url'),
  });
}

/** A public JWK (RFC 7518 §6.2.1, `crv` registered by RFC 8812 §3.1); private members are ignored. */
export function secp256k1JwkPublicKeyObject(jwk: { kty?: unknown; crv?: unknown; x?: unknown; y?: unknown }): KeyObject {
  if (jwk.kty !== 'EC' || jwk.crv !== 'secp256k1' || typeof jwk.x !== 'string' || typeof jwk.y !== 'string') {
    throw new TypeError('not a secp256k1 EC public JWK');
  }
  // RFC 7518 §6.2.1.2/§6.2.1.3: each coordinate is exactly the field size, base64url without padding.
  for (const coordinate of [jwk.x, jwk.y]) {
    if (!/^[A-Za-z0-9_-]{43}$/.test(coordinate) || Buffer.from(coordinate, 'base64url').toString('base64url') !== coordinate) {
      throw new TypeError('a secp256k1 JWK coordinate is 32 bytes in canonical base64url');
    }
  }
  // Only the public members go in: a JWK carrying `d` must not turn into a private key object.
  const key = createPublicKey({ key: { kty: 'EC', crv: 'secp256k1', x: jwk.x, y: jwk.y }, format: 'jwk' });
  return key;
}
