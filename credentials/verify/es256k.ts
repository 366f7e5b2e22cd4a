import { createHash, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { bigIntTo32Bytes, bytesToBigInt, SECP256K1_HALF_N, SECP256K1_N } from './secp256k1.ts';

/**
 * ES256K signatures (RFC 8812 §3.2: ECDSA over secp256k1 with SHA-256, R || S in 64 bytes) on
 * the fastest native code this machine has:
 *
 * - libsecp256k1 (bitcoin-core's library, through the `secp256k1` package's N-API prebuilds for
 *   linux-x64, darwin-arm64 and win32-x64; nothing is compiled at install). OpenSSL has no
 *   optimised code for this curve: here it signs in about 0.28 ms and verifies in 0.25 ms, where
 *   libsecp256k1 takes 0.03 and 0.04 ms. Every gateway request verifies an agency token and
 *   signs department tokens, so that difference is a large part of the gateway's CPU.
 * - OpenSSL (node's crypto) where no prebuild fits the platform: the same answers, slower.
 *
 * Both sides agree on every input the callers can give them: the verifier refuses high-S and
 * out-of-range R or S before either library sees the signature (check-signature.ts), so
 * libsecp256k1's low-S rule and OpenSSL's leniency never differ in outcome; signatures come out
 * low-S from both (libsecp256k1 normalises, OpenSSL's are normalised here).
 */
export interface Es256k {
  readonly backend: 'libsecp256k1' | 'openssl';
  /** Does `signature` (64 bytes, R || S) sign `data` under `publicKey`? Never throws on a bad signature or key. */
  verify(data: Uint8Array, signature: Uint8Array, publicKey: KeyObject): boolean;
  /** A low-S R || S signature of `data`. */
  sign(data: Uint8Array, privateKey: KeyObject): Buffer;
  /**
   * The same, without holding the event loop for long: OpenSSL's signature runs on libuv's
   * thread pool; libsecp256k1's (0.03 ms) runs at once, which costs less than the hand-off.
   */
  signInBackground(data: Uint8Array, privateKey: KeyObject): Promise<Buffer>;
  /** `verify`, on the thread pool under OpenSSL, at once under libsecp256k1. */
  verifyInBackground(data: Uint8Array, signature: Uint8Array, publicKey: KeyObject): Promise<boolean>;
}

/** The subset of the `secp256k1` package's API used here. */
interface Libsecp256k1 {
  ecdsaSign(message32: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array };
  ecdsaVerify(signature: Uint8Array, message32: Uint8Array, publicKey: Uint8Array): boolean;
}

/** OpenSSL through node's crypto. */
export const opensslEs256k: Es256k = {
  backend: 'openssl',
  verify(data, signature, publicKey) {
    try {
      return verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
    } catch {
      return false;
    }
  },
  sign(data, privateKey) {
    return lowS(sign('sha256', data, { key: secp256k1PrivateKey(privateKey), dsaEncoding: 'ieee-p1363' }));
  },
  signInBackground(data, privateKey) {
    return new Promise((resolve, reject) => {
      secp256k1PrivateKey(privateKey);
      // With a callback, crypto.sign runs on the thread pool (node's documented behaviour).
      sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' }, (error, signature) => (error ? reject(error) : resolve(lowS(signature))));
    });
  },
  verifyInBackground(data, signature, publicKey) {
    return new Promise((resolve) => {
      try {
        verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature, (error, valid) => resolve(!error && valid));
      } catch {
        resolve(false);
      }
    });
  },
};

/** libsecp256k1, given its binding; keys are converted to raw bytes once per KeyObject. */
export function libsecp256k1Es256k(binding: Libsecp256k1): Es256k {
  const rawPublic = new WeakMap<KeyObject, Uint8Array | null>();
  const rawPrivate = new WeakMap<KeyObject, Uint8Array>();
  const publicBytes = (key: KeyObject): Uint8Array | null => {
    let raw = rawPublic.get(key);
    if (raw === undefined) {
      raw = rawSecp256k1Key(key, 'public');
      rawPublic.set(key, raw);
    }
    return raw;
  };
  const privateBytes = (key: KeyObject): Uint8Array => {
    let raw = rawPrivate.get(key);
    if (!raw) rawPrivate.set(key, (raw = rawSecp256k1Key(secp256k1PrivateKey(key), 'private')!));
    return raw;
  };
  const verifyNow = (data: Uint8Array, signature: Uint8Array, publicKey: KeyObject): boolean => {
    const raw = publicBytes(publicKey);
    if (!raw || signature.length !== 64) return false;
    try {
      return binding.ecdsaVerify(signature, sha256(data), raw);
    } catch {
      // A signature or key libsecp256k1 cannot parse does not verify.
      return false;
    }
  };
  const signNow = (data: Uint8Array, privateKey: KeyObject): Buffer => {
    const { signature } = binding.ecdsaSign(sha256(data), privateBytes(privateKey));
    return Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength);
  };
  return {
    backend: 'libsecp256k1',
    verify: verifyNow,
    sign: signNow,
    signInBackground: async (data, privateKey) => signNow(data, privateKey),
    verifyInBackground: async (data, signature, publicKey) => verifyNow(data, signature, publicKey),
  };
}

function loadLibsecp256k1(): Es256k | undefined {
  try {
    // `bindings.js` loads only the native addon; the package's main entry would fall back to a
    // pure-JS implementation (elliptic), slower than OpenSSL.
    const binding = createRequire(import.meta.url)('secp256k1/bindings.js') as Libsecp256k1;
    const es = libsecp256k1Es256k(binding);
    // A round trip both ways with OpenSSL before trusting it: a binding that loads but
    // disagrees with OpenSSL is not used.
    const probe = Buffer.from('govshare es256k probe');
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
    const agrees = opensslEs256k.verify(probe, es.sign(probe, privateKey), publicKey) && es.verify(probe, opensslEs256k.sign(probe, privateKey), publicKey);
    return agrees ? es : undefined;
  } catch {
    return undefined;
  }
}

/** Replaces S by n - S when S > n/2 (the other valid signature for the same R). */
export function lowS(signature: Buffer): Buffer {
  const s = bytesToBigInt(signature.subarray(32, 64));
  if (s <= SECP256K1_HALF_N) return signature;
  return Buffer.concat([signature.subarray(0, 32), bigIntTo32Bytes(SECP256K1_N - s)]);
}

const checkedPrivateKeys = new WeakSet<KeyObject>();

/** A secp256k1 private key, or TypeError: OpenSSL would sign with any EC key, so both backends check. */
function secp256k1PrivateKey(key: KeyObject): KeyObject {
  if (checkedPrivateKeys.has(key)) return key;
  if (key.type !== 'private' || key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'secp256k1') {
    throw new TypeError('bad_key: expected a secp256k1 private KeyObject');
  }
  checkedPrivateKeys.add(key);
  return key;
}

function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

/**
 * The raw bytes of a secp256k1 key: the uncompressed point 0x04 || X || Y (SEC 1 §2.3.3) of a
 * public key, the scalar d of a private one; null for any other kind of key.
 */
function rawSecp256k1Key(key: KeyObject, part: 'public' | 'private'): Buffer | null {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'secp256k1') return null;
  const jwk = key.export({ format: 'jwk' });
  if (part === 'private') return jwk.d ? Buffer.from(jwk.d, 'base64url') : null;
  return Buffer.concat([Buffer.from([0x04]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
}

/** libsecp256k1 where the `secp256k1` package has a prebuild for this platform, OpenSSL otherwise. */
// Last in the module: loading probes the backends, which use everything above.
export const es256k: Es256k = loadLibsecp256k1() ?? opensslEs256k;
