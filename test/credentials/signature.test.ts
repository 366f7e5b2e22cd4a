import { createHash, generateKeyPairSync, randomBytes, sign as nodeSign, type KeyObject } from 'node:crypto';
import { bytesToMultibase, createJWS, createJWT, ES256KSigner, verifyJWS, verifyJWT } from 'did-jwt';
import type { DIDDocument, VerificationMethod } from 'did-resolver';
import { computeAddress, SigningKey } from 'ethers';
import { describe, expect, it } from 'vitest';
import { es256kPrivateKeyObject, nodeES256KSigner } from '../../credentials/sign/es256k-signer.ts';
import { lowS } from '../../credentials/verify/es256k.ts';
import { checkSignature, checkSignatureOffThread, type CandidateKey } from '../../credentials/verify/check-signature.ts';
import {
  assertionKeySet,
  candidateKeys,
  checkIssuerKeys,
  hasUnrecoveredAccounts,
  KeyCache,
  recoverAccountKeys,
} from '../../credentials/verify/issuer-keys.ts';
import { SECP256K1_HALF_N, SECP256K1_N, secp256k1PublicKeyObject, signatureSForm } from '../../credentials/verify/secp256k1.ts';

function randomKey() {
  const privateKey = randomBytes(32);
  const signingKey = new SigningKey(privateKey);
  return {
    privateKey,
    publicKeyHex: signingKey.compressedPublicKey.slice(2),
    uncompressedHex: signingKey.publicKey.slice(2),
    address: computeAddress(signingKey.publicKey),
    signer: nodeES256KSigner(privateKey),
  };
}

const didOf = (address: string) => `did:ethr:0x539:${address.toLowerCase()}`;

function controllerOnly(did: string, address: string): DIDDocument {
  return {
    id: did,
    verificationMethod: [{ id: `${did}#controller`, type: 'EcdsaSecp256k1RecoveryMethod2020', controller: did, blockchainAccountId: `eip155:1337:${address}` }],
    authentication: [`${did}#controller`],
    assertionMethod: [`${did}#controller`],
  };
}

function parts(jws: string) {
  const [h, p, s] = jws.split('.') as [string, string, string];
  return { signingInput: `${h}.${p}`, signature: Buffer.from(s, 'base64url') };
}

function highS(signature: Buffer): Buffer {
  const s = BigInt('0x' + signature.subarray(32).toString('hex'));
  return Buffer.concat([signature.subarray(0, 32), Buffer.from((SECP256K1_N - s).toString(16).padStart(64, '0'), 'hex')]);
}

const payload = (i: number) => Buffer.from(JSON.stringify({ i, jti: randomBytes(16).toString('hex') })).toString('base64url');

describe('nodeES256KSigner', () => {
  it('signs JWS that did-jwt verifies, always 64-byte low-S, from many keys', async () => {
    for (let i = 0; i < 200; i++) {
      const key = randomKey();
      const jws = await createJWS(payload(i), key.signer, { alg: 'ES256K' });
      const { signature } = parts(jws);
      expect(signature.length).toBe(64);
      expect(signatureSForm(signature)).toBe('low');
      const method: VerificationMethod = { id: 'k', type: 'EcdsaSecp256k1VerificationKey2019', controller: 'x', publicKeyHex: key.publicKeyHex };
      expect(verifyJWS(jws, method)).toBe(method);
    }
  });

  it('signs JWTs that did-jwt verifyJWT accepts against a did:ethr controller (recovery) and a published key', async () => {
    const controller = randomKey();
    const published = randomKey();
    const did = didOf(controller.address);
    const base = controllerOnly(did, controller.address);
    const document: DIDDocument = {
      ...base,
      verificationMethod: [...base.verificationMethod!, { id: `${did}#delegate-1`, type: 'EcdsaSecp256k1VerificationKey2019', controller: did, publicKeyHex: published.publicKeyHex }],
      assertionMethod: [...base.assertionMethod!, `${did}#delegate-1`],
    };
    const resolver = { resolve: async () => ({ didResolutionMetadata: {}, didDocument: document, didDocumentMetadata: {} }) };
    for (const [key, expectedId] of [[controller, `${did}#controller`], [published, `${did}#delegate-1`]] as const) {
      const jwt = await createJWT({ sub: 'did:example:1', jti: 'x' }, { issuer: did, signer: key.signer, alg: 'ES256K' });
      const verified = await verifyJWT(jwt, { resolver, proofPurpose: 'assertionMethod' });
      expect(verified.signer.id).toBe(expectedId);
    }
  });

  it('accepts a KeyObject and the key as hex, and refuses bad keys', async () => {
    const key = randomKey();
    const fromHex = nodeES256KSigner('0x' + key.privateKey.toString('hex'));
    const fromObject = nodeES256KSigner(es256kPrivateKeyObject(key.privateKey));
    const method: VerificationMethod = { id: 'k', type: 'EcdsaSecp256k1VerificationKey2019', controller: 'x', publicKeyHex: key.publicKeyHex };
    for (const signer of [fromHex, fromObject]) verifyJWS(await createJWS(payload(0), signer, { alg: 'ES256K' }), method);
    expect(() => nodeES256KSigner(randomBytes(31))).toThrow(/32 bytes/);
    expect(() => nodeES256KSigner(Buffer.alloc(32))).toThrow(/outside/);
    expect(() => nodeES256KSigner(Buffer.from(SECP256K1_N.toString(16), 'hex'))).toThrow(/outside/);
    expect(() => nodeES256KSigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey)).toThrow(/secp256k1/);
  });

  it('lowS maps a high-S signature to its low twin and leaves low-S alone', () => {
    const key = es256kPrivateKeyObject(randomBytes(32));
    let sawHigh = 0;
    for (let i = 0; i < 64; i++) {
      const raw = nodeSign('sha256', Buffer.from(`m${i}`), { key, dsaEncoding: 'ieee-p1363' });
      const normalised = lowS(raw);
      expect(signatureSForm(normalised)).toBe('low');
      if (signatureSForm(raw) === 'high') {
        sawHigh++;
        expect(normalised.equals(highS(raw))).toBe(true);
      } else expect(normalised).toBe(raw);
    }
    expect(sawHigh).toBeGreaterThan(0); // OpenSSL does produce high-S: the normalisation is needed
  });

  it('has did-jwt ES256KSigner\'s format: each verifies the other\'s signatures', async () => {
    const key = randomKey();
    const ours = await createJWS(payload(1), key.signer, { alg: 'ES256K' });
    const theirs = await createJWS(payload(1), ES256KSigner(key.privateKey), { alg: 'ES256K' });
    const publicKey = secp256k1PublicKeyObject(Buffer.from(key.publicKeyHex, 'hex'));
    for (const jws of [ours, theirs]) {
      const { signingInput, signature } = parts(jws);
      expect(checkSignature(signingInput, signature, [{ id: 'k', key: publicKey }]).check.ok).toBe(true);
      expect(jws.split('.')[2]).toMatch(/^[A-Za-z0-9_-]{86}$/);
    }
  });
});

const checkers: Array<[string, (...args: Parameters<typeof checkSignature>) => Promise<ReturnType<typeof checkSignature>>]> = [
  ['checkSignature', async (...args) => checkSignature(...args)],
  ['checkSignatureOffThread', checkSignatureOffThread],
];

describe.each(checkers)('%s', (_, check) => {
  const key = randomKey();
  const candidate: CandidateKey = { id: 'did:x#k', key: secp256k1PublicKeyObject(Buffer.from(key.uncompressedHex, 'hex')) };

  it('accepts the genuine signature and names the key', async () => {
    const { signingInput, signature } = parts(await createJWS(payload(2), key.signer, { alg: 'ES256K' }));
    const result = await check(signingInput, signature, [{ id: 'other', key: secp256k1PublicKeyObject(Buffer.from(randomKey().publicKeyHex, 'hex')) }, candidate]);
    expect(result.check).toEqual({ id: 'signature', ok: true, detail: 'did:x#k' });
    expect(result.signer).toBe(candidate);
  });

  it('refuses the high-S copy that did-jwt (and OpenSSL) accept', async () => {
    const jws = await createJWS(payload(3), key.signer, { alg: 'ES256K' });
    const { signingInput, signature } = parts(jws);
    const twin = highS(signature);
    expect(BigInt('0x' + twin.subarray(32).toString('hex')) > SECP256K1_HALF_N).toBe(true);
    const twinJws = `${signingInput}.${twin.toString('base64url')}`;
    // the pitfall: did-jwt says yes to both strings
    verifyJWS(twinJws, { id: 'k', type: 'EcdsaSecp256k1VerificationKey2019', controller: 'x', publicKeyHex: key.publicKeyHex });
    const result = await check(signingInput, twin, [candidate]);
    expect(result.check).toMatchObject({ ok: false, code: 'SIGNATURE_INVALID', detail: expect.stringMatching(/high half/) });
  });

  it('refuses wrong keys, wrong lengths, zero and out-of-range R/S, no candidates, and never throws', async () => {
    const { signingInput, signature } = parts(await createJWS(payload(4), key.signer, { alg: 'ES256K' }));
    const other: CandidateKey = { id: 'o', key: secp256k1PublicKeyObject(Buffer.from(randomKey().publicKeyHex, 'hex')) };
    const p256: CandidateKey = { id: 'p', key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey as KeyObject };
    const ed: CandidateKey = { id: 'e', key: generateKeyPairSync('ed25519').publicKey };
    const n = Buffer.from(SECP256K1_N.toString(16), 'hex');
    const cases: Array<[Buffer, CandidateKey[]]> = [
      [signature, [other, p256, ed]],
      [signature, []],
      [Buffer.concat([signature, Buffer.from([1])]), [candidate]], // ES256K-R shape
      [signature.subarray(0, 63), [candidate]],
      [Buffer.alloc(0), [candidate]],
      [Buffer.alloc(64), [candidate]],
      [Buffer.concat([n, signature.subarray(32)]), [candidate]],
      [Buffer.concat([signature.subarray(0, 32), Buffer.alloc(32)]), [candidate]],
    ];
    for (const [sig, keys] of cases) expect((await check(signingInput, sig, keys)).check).toMatchObject({ id: 'signature', ok: false, code: 'SIGNATURE_INVALID' });
    expect((await check(`${signingInput}x`, signature, [candidate])).check.ok).toBe(false);
  });
});

describe('issuer keys from assertionMethod', () => {
  it('reads publicKeyHex (compressed, uncompressed, 0x), publicKeyJwk, publicKeyMultibase and publicKeyBase58', async () => {
    const keys = Array.from({ length: 5 }, randomKey);
    const did = didOf(keys[0]!.address);
    const point = Buffer.from(keys[3]!.uncompressedHex, 'hex');
    const methods: VerificationMethod[] = [
      { id: `${did}#hex`, type: 'EcdsaSecp256k1VerificationKey2019', controller: did, publicKeyHex: keys[0]!.publicKeyHex },
      { id: `${did}#hex65`, type: 'EcdsaSecp256k1VerificationKey2019', controller: did, publicKeyHex: '0x' + keys[1]!.uncompressedHex },
      { id: '#multibase', type: 'Multikey', controller: did, publicKeyMultibase: bytesToMultibase(Buffer.from(keys[2]!.publicKeyHex, 'hex'), 'base58btc', 'secp256k1-pub') },
      { id: `${did}#jwk`, type: 'JsonWebKey2020', controller: did, publicKeyJwk: { kty: 'EC', crv: 'secp256k1', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') } },
      { id: `${did}#b58`, type: 'EcdsaSecp256k1VerificationKey2019', controller: did, publicKeyBase58: bytesToMultibase(Buffer.from(keys[4]!.publicKeyHex, 'hex')).slice(1) },
    ];
    const set = assertionKeySet({ id: did, verificationMethod: methods, assertionMethod: methods.map((m) => m.id) }, 7);
    expect(set.ignored).toEqual([]);
    expect(set.keys.map((k) => k.id)).toEqual([`${did}#hex`, `${did}#hex65`, `${did}#multibase`, `${did}#jwk`, `${did}#b58`]);
    for (const [i, key] of keys.entries()) {
      const { signingInput, signature } = parts(await createJWS(payload(i), key.signer, { alg: 'ES256K' }));
      expect(checkSignature(signingInput, signature, candidateKeys(set)).signer?.id).toBe(set.keys[i]!.id);
    }
  });

  it('ignores keys only in authentication, other curves, off-curve points and unresolvable references', async () => {
    const authOnly = randomKey();
    const did = didOf(authOnly.address);
    const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
    const offCurve = '02' + 'ff'.repeat(32);
    const document: DIDDocument = {
      id: did,
      verificationMethod: [
        { id: `${did}#auth`, type: 'EcdsaSecp256k1VerificationKey2019', controller: did, publicKeyHex: authOnly.publicKeyHex },
        { id: `${did}#p256`, type: 'JsonWebKey2020', controller: did, publicKeyJwk: p256 as never },
        { id: `${did}#bad`, type: 'EcdsaSecp256k1VerificationKey2019', controller: did, publicKeyHex: offCurve },
        { id: `${did}#ed`, type: 'Ed25519VerificationKey2018', controller: did, publicKeyHex: '11'.repeat(32) },
        { id: `${did}#acct`, type: 'EcdsaSecp256k1RecoveryMethod2020', controller: did, blockchainAccountId: 'bip122:000000000019d6689c085ae165831e93:128Lkh3S7CkDTBZ8W7BbpsN3YYizJMp8p6' },
      ],
      authentication: [`${did}#auth`],
      assertionMethod: [`${did}#p256`, `${did}#bad`, `${did}#ed`, `${did}#acct`, `${did}#missing`],
    };
    const set = assertionKeySet(document, 1);
    expect(set.keys).toEqual([]);
    expect(set.accounts).toEqual([]);
    expect(set.ignored.map((i) => i.id)).toEqual([`${did}#p256`, `${did}#bad`, `${did}#ed`, `${did}#acct`, `${did}#missing`]);
    expect(checkIssuerKeys(set)).toMatchObject({ ok: false, code: 'KEY_NOT_VALID_AT_ANCHOR_TIME' });
    // With the controller in assertionMethod too, the auth-only key still cannot sign a credential.
    const withController = { ...document, verificationMethod: [...document.verificationMethod!, ...controllerOnly(did, authOnly.address).verificationMethod!] };
    const otherController = { ...withController, verificationMethod: [...document.verificationMethod!, ...controllerOnly(did, randomKey().address).verificationMethod!], assertionMethod: [`${did}#controller`] };
    const set2 = assertionKeySet(otherController, 1);
    const { signingInput, signature } = parts(await createJWS(payload(9), authOnly.signer, { alg: 'ES256K' }));
    expect(recoverAccountKeys(set2, signingInput, signature)).toEqual([]);
    expect(checkSignature(signingInput, signature, candidateKeys(set2)).check.ok).toBe(false);
  });

  it('never throws on hostile documents', () => {
    const hostile: unknown[] = [
      null,
      {},
      { id: 'did:x', assertionMethod: 'nope' },
      { id: 'did:x', verificationMethod: [null, 1, 'x'], assertionMethod: [null, 5, { id: 'did:x#e' }, 'did:x#a'] },
      { id: 'did:x', verificationMethod: [{ id: 'did:x#a', type: 'EcdsaSecp256k1VerificationKey2019', publicKeyHex: 42 }], assertionMethod: ['did:x#a'] },
      { id: 'did:x', verificationMethod: [{ id: 'did:x#a', publicKeyJwk: { kty: 'EC', crv: 'secp256k1', x: 'AA', y: 'AA', d: 'AA' } }], assertionMethod: ['did:x#a'] },
      { id: 'did:x', verificationMethod: [{ id: 'did:x#a', publicKeyMultibase: 'not-multibase' }], assertionMethod: ['did:x#a'] },
      { id: 'did:x', verificationMethod: [{ id: 'did:x#a', blockchainAccountId: { a: 1 } }], assertionMethod: ['did:x#a'] },
    ];
    for (const document of hostile) {
      const set = assertionKeySet(document as DIDDocument, 1);
      expect(set.keys).toEqual([]);
      expect(checkIssuerKeys(set).ok).toBe(false);
    }
  });

  it('recovers a controller-only issuer\'s key once, then verifies natively; a wrong blockchainAccountId never binds', async () => {
    const controller = randomKey();
    const did = didOf(controller.address);
    const set = assertionKeySet(controllerOnly(did, controller.address), 3);
    expect(set.accounts).toEqual([{ id: `${did}#controller`, address: controller.address.toLowerCase() }]);
    expect(candidateKeys(set)).toEqual([]);

    const first = parts(await createJWS(payload(10), controller.signer, { alg: 'ES256K' }));
    // a forgery (other key) recovers nothing for this account
    const forged = parts(await createJWS(payload(10), randomKey().signer, { alg: 'ES256K' }));
    expect(recoverAccountKeys(set, forged.signingInput, forged.signature)).toEqual([]);
    expect(recoverAccountKeys(set, first.signingInput, highS(first.signature))).toEqual([]);
    expect(hasUnrecoveredAccounts(set)).toBe(true);

    const bound = recoverAccountKeys(set, first.signingInput, first.signature);
    expect(bound.map((k) => k.id)).toEqual([`${did}#controller`]);
    expect(hasUnrecoveredAccounts(set)).toBe(false);
    expect(checkSignature(first.signingInput, first.signature, bound).check.ok).toBe(true);
    const later = parts(await createJWS(payload(11), controller.signer, { alg: 'ES256K' }));
    expect(checkSignature(later.signingInput, later.signature, candidateKeys(set)).check.ok).toBe(true);
    expect(checkSignature(forged.signingInput, forged.signature, candidateKeys(set)).check.ok).toBe(false);

    const wrong = assertionKeySet(controllerOnly(did, randomKey().address), 3);
    expect(recoverAccountKeys(wrong, first.signingInput, first.signature)).toEqual([]);
    expect(candidateKeys(wrong)).toEqual([]);
  });

  it('recovers against the digest RFC 8812 signs: SHA-256 of the ASCII signing input', async () => {
    const controller = randomKey();
    const { signingInput, signature } = parts(await createJWS(payload(12), controller.signer, { alg: 'ES256K' }));
    const digest = createHash('sha256').update(signingInput).digest();
    const r = '0x' + signature.subarray(0, 32).toString('hex');
    const s = '0x' + signature.subarray(32).toString('hex');
    const addresses = [27, 28].map((v) => computeAddress(SigningKey.recoverPublicKey(digest, { r, s, v })));
    expect(addresses).toContain(controller.address);
  });
});

describe('KeyCache', () => {
  it('keys by (DID, versionId) and evicts the least recently used', () => {
    const cache = new KeyCache({ maxEntries: 2 });
    const set = (did: string, v: number) => ({ did, versionId: v, keys: [], accounts: [], ignored: [] });
    const a1 = set('did:a', 1);
    cache.set('did:a', 1, a1);
    cache.set('did:a', 2, set('did:a', 2));
    expect(cache.get('did:a', 1)).toBe(a1); // a1 now most recent
    cache.set('did:b', 1, set('did:b', 1));
    expect(cache.get('did:a', 2)).toBeUndefined();
    expect(cache.get('did:a', 1)).toBe(a1);
    expect(cache.get('did:b', 1)?.did).toBe('did:b');
    expect(cache.size).toBe(2);
  });
});
