import { createRequire } from 'node:module';
import { generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { es256k, libsecp256k1Es256k, opensslEs256k, type Es256k } from '../../credentials/verify/es256k.ts';
import { bigIntTo32Bytes, bytesToBigInt, SECP256K1_HALF_N, SECP256K1_N } from '../../credentials/verify/secp256k1.ts';

// Both backends, whatever this platform picks by default: each must give the same answers.
const libsecp = libsecp256k1Es256k(createRequire(import.meta.url)('secp256k1/bindings.js'));
const backends: Array<[string, Es256k]> = [
  ['openssl', opensslEs256k],
  ['libsecp256k1', libsecp],
];

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
const other = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const data = Buffer.from('eyJhbGciOiJFUzI1NksifQ.eyJpc3MiOiJkaWQ6ZXRocjoweDUzOToweDAwIn0', 'latin1');

const highS = (signature: Buffer) => Buffer.concat([signature.subarray(0, 32), bigIntTo32Bytes(SECP256K1_N - bytesToBigInt(signature.subarray(32)))]);

describe('ES256K backends (credentials/verify/es256k.ts)', () => {
  it('uses libsecp256k1 on this platform (the secp256k1 package ships a linux-x64 prebuild)', () => {
    if (process.platform === 'linux' && process.arch === 'x64') expect(es256k.backend).toBe('libsecp256k1');
    else expect(['libsecp256k1', 'openssl']).toContain(es256k.backend);
  });

  for (const [signedBy, signer] of backends) {
    for (const [checkedBy, checker] of backends) {
      it(`a ${signedBy} signature is 64 bytes, low-S, and verifies under ${checkedBy}; nothing else does`, async () => {
        for (let i = 0; i < 20; i++) {
          const message = Buffer.concat([data, Buffer.from(String(i))]);
          const signature = i % 2 ? signer.sign(message, privateKey) : await signer.signInBackground(message, privateKey);
          expect(signature).toHaveLength(64);
          expect(bytesToBigInt(signature.subarray(32)) <= SECP256K1_HALF_N).toBe(true);
          expect(checker.verify(message, signature, publicKey)).toBe(true);
          expect(await checker.verifyInBackground(message, signature, publicKey)).toBe(true);
          // Another message, another key, one flipped bit of the signature.
          expect(checker.verify(data.subarray(1), signature, publicKey)).toBe(false);
          expect(checker.verify(message, signature, other.publicKey)).toBe(false);
          const flipped = Buffer.from(signature);
          flipped[10]! ^= 1;
          expect(checker.verify(message, flipped, publicKey)).toBe(false);
          expect(await checker.verifyInBackground(message, flipped, publicKey)).toBe(false);
        }
      });
    }
  }

  for (const [name, backend] of backends) {
    it(`${name}: refuses, without throwing, signatures and keys it cannot use`, async () => {
      const signature = backend.sign(data, privateKey);
      const junk = [Buffer.alloc(64), Buffer.alloc(64, 0xff), Buffer.concat([bigIntTo32Bytes(SECP256K1_N), signature.subarray(32)]), signature.subarray(0, 63), Buffer.alloc(0)];
      for (const bad of junk) {
        expect(backend.verify(data, bad, publicKey)).toBe(false);
        expect(await backend.verifyInBackground(data, bad, publicKey)).toBe(false);
      }
      // A key on another curve is not a secp256k1 key.
      expect(backend.verify(data, signature, p256.publicKey)).toBe(false);
      expect(() => backend.sign(data, p256.privateKey)).toThrow();
    });
  }

  it('differ only on high-S twins, which the verifier refuses before either sees them (check-signature.ts)', () => {
    // OpenSSL accepts the malleated twin; libsecp256k1 does not. checkSignature refuses it first,
    // so the backend in use never changes a verdict.
    const signature = opensslEs256k.sign(data, privateKey);
    expect(opensslEs256k.verify(data, highS(signature), publicKey)).toBe(true);
    expect(libsecp.verify(data, highS(signature), publicKey)).toBe(false);
  });

  it('normalises OpenSSL signatures to low-S (about half come out high)', () => {
    let high = 0;
    for (let i = 0; i < 40; i++) {
      const message = Buffer.from(`m${i}`);
      const raw = nodeSign('sha256', message, { key: privateKey, dsaEncoding: 'ieee-p1363' });
      if (bytesToBigInt(raw.subarray(32)) > SECP256K1_HALF_N) high++;
      expect(bytesToBigInt(opensslEs256k.sign(message, privateKey).subarray(32)) <= SECP256K1_HALF_N).toBe(true);
    }
    expect(high).toBeGreaterThan(0);
  });
});
