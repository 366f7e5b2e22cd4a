import { createHmac, randomBytes } from 'node:crypto';
import { createJWS, createJWT, ES256KSigner, verifyJWT, type Signer } from 'did-jwt';
import type { DIDDocument } from 'did-resolver';
import { computeAddress, SigningKey } from 'ethers';
import { describe, expect, it } from 'vitest';
import { GovshareError } from '../../platform/errors.ts';
import { nodeES256KSigner } from '../../credentials/sign/es256k-signer.ts';
import { checkAlgorithm } from '../../credentials/verify/check-algorithm.ts';
import { checkStructure, DEFAULT_MAX_JWS_BYTES, firstDuplicateMember } from '../../credentials/verify/check-structure.ts';
import { checkTime } from '../../credentials/verify/check-time.ts';
import { KeyCache } from '../../credentials/verify/issuer-keys.ts';
import { SECP256K1_N } from '../../credentials/verify/secp256k1.ts';
import { verifyJwt, type IssuerResolver, type JwtVerification } from '../../credentials/verify/verify-jwt.ts';

// ---- fixtures: identities and documents shaped like ethr-did-resolver's, chain 1337 (0x539), no ledger



const CHAIN_ID = 1337;

interface TestKey {
  privateKey: Buffer;
  /** 33-byte compressed SEC 1 point, hex without 0x (as ethr-did-resolver writes publicKeyHex). */
  publicKeyHex: string;
  uncompressedHex: string;
  address: string;
  signer: Signer;
}

function randomKey(): TestKey {
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

function didOf(address: string): string {
  return `did:ethr:0x539:${address.toLowerCase()}`;
}

/** A fresh did:ethr: only #controller (address, no key), in authentication and assertionMethod. */
function controllerOnlyDocument(did: string, controllerAddress: string): DIDDocument {
  return {
    id: did,
    verificationMethod: [{ id: `${did}#controller`, type: 'EcdsaSecp256k1RecoveryMethod2020', controller: did, blockchainAccountId: `eip155:${CHAIN_ID}:${controllerAddress}` }],
    authentication: [`${did}#controller`],
    assertionMethod: [`${did}#controller`],
  };
}

/** After setAttribute('did/pub/Secp256k1/veriKey/hex', key): the key joins assertionMethod only. */
function withPublishedKey(document: DIDDocument, publicKeyHex: string, n = 1): DIDDocument {
  const id = `${document.id}#delegate-${n}`;
  return {
    ...document,
    verificationMethod: [...(document.verificationMethod ?? []), { id, type: 'EcdsaSecp256k1VerificationKey2019', controller: document.id, publicKeyHex }],
    assertionMethod: [...(document.assertionMethod ?? []), id],
  };
}

/**
 * Serves fixed documents; any other well-formed did:ethr gets a fresh controller-only document
 * (every address has one, as on the ledger); anything else is DID_INVALID. Counts resolutions.
 */
function stubResolver(documents: DIDDocument[]): IssuerResolver & { calls: number; down: boolean } {
  const byId = new Map(documents.map((d) => [d.id, d]));
  const resolver = {
    calls: 0,
    down: false,
    async resolveDocument(did: string): Promise<{ document: DIDDocument }> {
      resolver.calls++;
      if (resolver.down) throw new GovshareError('RESOLUTION_UNAVAILABLE', 'connect ECONNREFUSED 127.0.0.1:8545');
      const known = byId.get(did);
      if (known) return { document: known };
      const match = /^did:ethr:0x539:(0x[0-9a-f]{40})$/.exec(did);
      if (!match) throw new GovshareError('DID_INVALID', `cannot resolve ${did}`);
      return { document: controllerOnlyDocument(did, match[1]!) };
    },
  };
  return resolver;
}

const NOW = new Date('2025-06-01T12:00:00Z');
const NOW_S = Math.floor(NOW.getTime() / 1000);

async function credentialJwt(issuer: string, signer: Signer, claims: Record<string, unknown> = {}): Promise<string> {
  return createJWT(
    {
      iat: NOW_S - 3600,
      nbf: NOW_S - 3600,
      exp: NOW_S + 365 * 86400,
      jti: `urn:uuid:${randomBytes(16).toString('hex')}`,
      sub: 'did:ethr:0x539:0x000000000000000000000000000000000000c171',
      vc: {
        '@context': ['https://www.w3.org/2018/credentials/v1'],
        type: ['VerifiableCredential', 'DegreeCredential'],
        credentialSubject: { degree: { type: 'BachelorDegree', name: 'Computer Science' } },
      },
      ...claims,
    },
    { issuer, signer, alg: 'ES256K' },
  );
}

/** did-jwt's own Resolvable over fixed documents (for checking our JWTs with did-jwt). */
function didJwtResolver(documents: DIDDocument[]) {
  const byId = new Map(documents.map((d) => [d.id, d]));
  return {
    async resolve(didUrl: string) {
      const did = didUrl.split(/[?#]/)[0]!;
      const didDocument = byId.get(did) ?? null;
      return { didResolutionMetadata: didDocument ? {} : { error: 'notFound' }, didDocument, didDocumentMetadata: {} };
    },
  };
}

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const split = (jwt: string) => jwt.split('.') as [string, string, string];
const firstFailure = (report: JwtVerification) => report.checks.find((c) => !c.ok);

function expectRefused(report: JwtVerification, id: string, code?: string) {
  expect(report.valid).toBe(false);
  const failed = firstFailure(report);
  expect(failed, JSON.stringify(report.checks)).toMatchObject(code ? { id, code } : { id });
  // the failing check is the last one run: nothing is reported after a stop
  expect(report.checks.at(-1)).toBe(failed);
}

// ---- unit checks

describe('checkStructure', () => {
  it('decodes a compact JWS into header, payload, signing input and signature bytes', () => {
    const jwt = `${b64({ alg: 'ES256K', typ: 'JWT' })}.${b64({ iss: 'did:x:y', n: 1 })}.${Buffer.alloc(64, 1).toString('base64url')}`;
    const result = checkStructure(jwt);
    expect(result.check).toEqual({ id: 'structure', ok: true });
    expect(result.jws).toEqual({ header: { alg: 'ES256K', typ: 'JWT' }, payload: { iss: 'did:x:y', n: 1 }, signingInput: jwt.slice(0, jwt.lastIndexOf('.')), signature: Buffer.alloc(64, 1) });
  });

  it('refuses everything that is not exactly a canonical compact JWS of two JSON objects', () => {
    const h = b64({ alg: 'ES256K' });
    const p = b64({ iss: 'did:x:y' });
    const s = Buffer.alloc(64, 7).toString('base64url');
    const malformed: unknown[] = [
      undefined, null, 42, {}, ['a.b.c'], '', '..', 'a', 'a.b', `${h}.${p}`, `${h}.${p}.${s}.`, `${h}.${p}.${s}.${s}`, `${h}..${p}.${s}`,
      `.${p}.${s}`, `${h}..${s}`, `${h}.${p}.${s}=`, `${h}=.${p}.${s}`, ` ${h}.${p}.${s}`, `${h}.${p}.${s}\n`, `${h}.${p}.${s.slice(0, -1)}+`,
      `${h.replace(/-/g, '+')}x.${p}.${s}`, `${b64('[1]')}.${p}.${s}`, `${b64('null')}.${p}.${s}`, `${b64('"alg"')}.${p}.${s}`,
      `${h}.${b64('[]')}.${s}`, `${h}.${b64('{"iss":')}.${s}`, `${Buffer.from([0xff, 0xfe]).toString('base64url')}.${p}.${s}`,
      `${Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"alg":"ES256K"}')]).toString('base64url')}.${p}.${s}`,
      `${b64('{"alg":"none","alg":"ES256K"}')}.${p}.${s}`, `${h}.${b64('{"exp":1,"\\u0065xp":9999999999}')}.${s}`,
      `${b64({ alg: 'ES256K', crit: ['b64'], b64: false })}.${p}.${s}`,
      // non-canonical last character: same bytes to a lax decoder (did-jwt), a second string for one signature
      `${h}.${p}.${s.slice(0, -1)}${String.fromCharCode(s.charCodeAt(s.length - 1) + 1)}`,
    ];
    for (const input of malformed) {
      const result = checkStructure(input);
      expect(result.check, String(input)).toMatchObject({ id: 'structure', ok: false, code: 'MALFORMED' });
      expect(result.jws).toBeUndefined();
    }
  });

  it('bounds the size before decoding', () => {
    const big = 'a'.repeat(DEFAULT_MAX_JWS_BYTES + 1);
    expect(checkStructure(big).check).toMatchObject({ ok: false, code: 'TOO_LARGE' });
    expect(checkStructure('a.b.c', { maxBytes: 4 }).check).toMatchObject({ ok: false, code: 'TOO_LARGE' });
  });

  it('finds duplicate member names at any depth, through escapes, and not across objects', () => {
    expect(firstDuplicateMember('{"a":1,"b":{"a":2}}')).toBeUndefined();
    expect(firstDuplicateMember('{"a":[{"x":1},{"x":2}],"s":"\\"a\\":"}')).toBeUndefined();
    expect(firstDuplicateMember('{"a":1,"b":{"c":2,"c":3}}')).toBe('c');
    expect(firstDuplicateMember('{"a" : 1, "\\u0061":2}')).toBe('a');
  });
});

describe('checkAlgorithm', () => {
  it('allows ES256K only, exactly', () => {
    expect(checkAlgorithm({ alg: 'ES256K' })).toEqual({ id: 'algorithm', ok: true });
    for (const alg of ['none', 'None', 'NONE', '', 'HS256', 'ES256K-R', 'es256k', 'ES256', 'EdDSA', 'RS256', 'ES256K ', undefined, null, 0, ['ES256K'], { alg: 'ES256K' }]) {
      expect(checkAlgorithm(alg === undefined ? {} : { alg }), String(alg)).toMatchObject({ id: 'algorithm', ok: false, code: 'ALGORITHM_NOT_ALLOWED' });
    }
    const inherited = Object.create({ alg: 'ES256K' }) as Record<string, unknown>;
    expect(checkAlgorithm(inherited).ok).toBe(false);
  });
});

describe('checkTime', () => {
  const at = (offset: number) => new Date((NOW_S + offset) * 1000);
  it('honours exp, nbf and iat with the default 60 s skew, at the boundaries', () => {
    const exp = { exp: NOW_S };
    expect(checkTime(exp, { now: at(59) }).ok).toBe(true);
    expect(checkTime(exp, { now: at(59.999) }).ok).toBe(true);
    expect(checkTime(exp, { now: at(60) })).toMatchObject({ ok: false, code: 'EXPIRED' });
    expect(checkTime(exp, { now: at(61) })).toMatchObject({ ok: false, code: 'EXPIRED' });
    const nbf = { nbf: NOW_S };
    expect(checkTime(nbf, { now: at(-60) }).ok).toBe(true);
    expect(checkTime(nbf, { now: at(-61) })).toMatchObject({ ok: false, code: 'NOT_YET_VALID' });
    const iat = { iat: NOW_S };
    expect(checkTime(iat, { now: at(-60) }).ok).toBe(true);
    expect(checkTime(iat, { now: at(-60.5) })).toMatchObject({ ok: false, code: 'NOT_YET_VALID' });
    expect(checkTime({ exp: NOW_S + 10 }, { now: at(10), skewSeconds: 0 })).toMatchObject({ code: 'EXPIRED' });
    expect(checkTime({ exp: NOW_S + 10 }, { now: at(9), skewSeconds: 0 }).ok).toBe(true);
    expect(checkTime({ exp: NOW_S + 0.5 }, { now: at(0.25), skewSeconds: 0 }).ok).toBe(true);
    expect(checkTime({}, { now: at(0) }).ok).toBe(true);
  });

  it('refuses non-numeric dates as MALFORMED and an unbounded skew as a configuration error', () => {
    for (const value of ['1700000000', null, true, {}, [1], Number.NaN, Number.POSITIVE_INFINITY]) {
      for (const claim of ['exp', 'nbf', 'iat']) expect(checkTime({ [claim]: value }, { now: NOW }), `${claim}=${String(value)}`).toMatchObject({ id: 'validity-period', ok: false, code: 'MALFORMED' });
    }
    expect(checkTime(JSON.parse('{"exp":1e400}') as Record<string, unknown>, { now: NOW })).toMatchObject({ code: 'MALFORMED' });
    for (const skewSeconds of [-1, 301, Number.NaN]) expect(() => checkTime({}, { now: NOW, skewSeconds })).toThrow(RangeError);
  });
});

// ---- the forgery corpus, through the whole JWT layer

describe('verifyJwt forgery corpus', async () => {
  // issuer A: a fresh did:ethr (controller only: its key is recovered once);
  // issuer B: controller plus a published key that signs (the fast path, controller never recovered).
  const a = randomKey();
  const didA = didOf(a.address);
  const b = randomKey();
  const bPublished = randomKey();
  const didB = didOf(b.address);
  const docA = controllerOnlyDocument(didA, a.address);
  const docB = withPublishedKey(controllerOnlyDocument(didB, b.address), bPublished.publicKeyHex);
  const issuers = [
    { did: didA, signer: a.signer, key: a },
    { did: didB, signer: bPublished.signer, key: bPublished },
  ];
  const genuine = await Promise.all(issuers.map((i) => credentialJwt(i.did, i.signer)));
  const options = (resolver: IssuerResolver, keyCache = new KeyCache()) => ({ resolver, keyCache, versionId: 100, now: NOW });

  it('accepts every genuine credential, resolving each issuer once per version', async () => {
    const resolver = stubResolver([docA, docB]);
    const opts = options(resolver);
    for (let round = 0; round < 20; round++) {
      for (const [n, issuer] of issuers.entries()) {
        const jwt = round === 0 ? genuine[n]! : await credentialJwt(issuer.did, issuer.signer, { round });
        const report = await verifyJwt(jwt, opts);
        expect(report.valid, JSON.stringify(report.checks)).toBe(true);
        expect(report.checks.map((c) => c.id)).toEqual(['structure', 'algorithm', 'issuer', 'issuer-keys', 'signature', 'validity-period']);
        expect(report.signer?.id).toBe(n === 0 ? `${didA}#controller` : `${didB}#delegate-1`);
      }
    }
    expect(resolver.calls).toBe(2);
    // without a version (latest) nothing is cached: a rotation takes effect at once
    const latest = { resolver, now: NOW, keyCache: opts.keyCache };
    await verifyJwt(genuine[0], latest);
    await verifyJwt(genuine[0], latest);
    expect(resolver.calls).toBe(4);
  });

  it('also accepts did-jwt\'s own ES256KSigner credentials (interop)', async () => {
    const jwt = await credentialJwt(didA, ES256KSigner(a.privateKey));
    expect((await verifyJwt(jwt, options(stubResolver([docA])))).valid).toBe(true);
  });

  it('refuses every bit flip in the header, payload and signature, at the right check', async () => {
    const resolver = stubResolver([docA, docB]);
    const opts = options(resolver);
    const utf8 = new TextDecoder('utf-8', { fatal: true });
    let flips = 0;
    for (const [n, jwt] of genuine.entries()) {
      expect((await verifyJwt(jwt, opts)).valid).toBe(true); // warm: issuer A's key recovered
      const segments = split(jwt);
      const header = JSON.parse(Buffer.from(segments[0], 'base64url').toString()) as Record<string, unknown>;
      const payload = JSON.parse(Buffer.from(segments[1], 'base64url').toString()) as Record<string, unknown>;
      for (const part of [0, 1, 2] as const) {
        const bytes = Buffer.from(segments[part], 'base64url');
        // every bit of the header and signature; the payload's first and last 8 bytes fully, then every 5th bit
        for (let bit = 0; bit < bytes.length * 8; bit++) {
          const byte = bit >> 3;
          if (part === 1 && byte >= 8 && byte < bytes.length - 8 && bit % 5 !== 0) continue;
          const flipped = Buffer.from(bytes);
          flipped[byte]! ^= 1 << (bit & 7);
          const forged = segments.map((s, i) => (i === part ? flipped.toString('base64url') : s)).join('.');
          const report = await verifyJwt(forged, opts);
          flips++;
          expect(report.valid, `${n}/${part}/${bit}`).toBe(false);
          const failed = firstFailure(report)!;
          if (part === 2) {
            expect(failed, `${n}/${part}/${bit}`).toMatchObject({ id: 'signature', code: 'SIGNATURE_INVALID' });
            continue;
          }
          // An independent oracle for what the flipped JSON still says.
          let parsed: unknown;
          try {
            parsed = JSON.parse(utf8.decode(flipped));
          } catch {
            parsed = undefined;
          }
          const isObject = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
          const where = `${n}/${part}/${bit}: ${flipped.toString()}`;
          if (!isObject) expect(failed, where).toMatchObject({ id: 'structure', code: 'MALFORMED' });
          else if (failed.id === 'structure') expect(failed.detail, where).toMatch(/repeats/);
          else if (part === 0 && (parsed as Record<string, unknown>).alg !== header.alg) expect(failed, where).toMatchObject({ id: 'algorithm', code: 'ALGORITHM_NOT_ALLOWED' });
          else if (part === 1 && (parsed as Record<string, unknown>).iss !== payload.iss) expect(['issuer', 'issuer-keys', 'signature'], where).toContain(failed.id);
          else expect(failed, where).toMatchObject({ id: 'signature', code: 'SIGNATURE_INVALID' });
        }
      }
    }
    expect(flips).toBeGreaterThan(2000);
  });

  it('refuses alg none, HS256 keyed with the public key, ES256K-R, and a high-S copy that did-jwt accepts', async () => {
    const opts = options(stubResolver([docA, docB]));
    const [h, p, s] = split(genuine[1]!);
    const noneHeader = b64({ alg: 'none', typ: 'JWT' });
    expectRefused(await verifyJwt(`${noneHeader}.${p}.`, opts), 'algorithm', 'ALGORITHM_NOT_ALLOWED');
    expectRefused(await verifyJwt(`${noneHeader}.${p}.${s}`, opts), 'algorithm', 'ALGORITHM_NOT_ALLOWED');

    const hsHeader = b64({ alg: 'HS256', typ: 'JWT' });
    for (const secret of [bPublished.publicKeyHex, Buffer.from(bPublished.publicKeyHex, 'hex'), Buffer.from(bPublished.uncompressedHex, 'hex')]) {
      const mac = createHmac('sha256', secret).update(`${hsHeader}.${p}`).digest('base64url');
      expectRefused(await verifyJwt(`${hsHeader}.${p}.${mac}`, opts), 'algorithm', 'ALGORITHM_NOT_ALLOWED');
    }

    const recoverable = await createJWT(JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>, { issuer: didB, signer: ES256KSigner(bPublished.privateKey, true), alg: 'ES256K-R' });
    expectRefused(await verifyJwt(recoverable, opts), 'algorithm', 'ALGORITHM_NOT_ALLOWED');
    // relabelled as ES256K, the 65-byte signature fails the signature check (length), not silently
    const [, rp, rs] = split(recoverable);
    expectRefused(await verifyJwt(`${h}.${rp}.${rs}`, opts), 'signature', 'SIGNATURE_INVALID');

    const sig = Buffer.from(s, 'base64url');
    const highS = Buffer.concat([sig.subarray(0, 32), Buffer.from((SECP256K1_N - BigInt('0x' + sig.subarray(32).toString('hex'))).toString(16).padStart(64, '0'), 'hex')]);
    const twin = `${h}.${p}.${highS.toString('base64url')}`;
    const didJwtResult = await verifyJWT(twin, { resolver: didJwtResolver([docB]), proofPurpose: 'assertionMethod', policies: { now: NOW_S } });
    expect(didJwtResult.verified).toBe(true); // the pitfall this check exists for
    expectRefused(await verifyJwt(twin, opts), 'signature', 'SIGNATURE_INVALID');
  });

  it('refuses truncated and oversized input without throwing', async () => {
    const opts = options(stubResolver([docA, docB]));
    const jwt = genuine[0]!;
    const cuts = new Set([0, 1, 2, 10, jwt.indexOf('.'), jwt.indexOf('.') + 1, jwt.lastIndexOf('.'), jwt.lastIndexOf('.') + 1, jwt.length - 2, jwt.length - 1]);
    for (let k = 0; k < jwt.length; k += 7) cuts.add(k);
    for (const k of cuts) {
      const report = await verifyJwt(jwt.slice(0, k), opts);
      expect(report.valid, String(k)).toBe(false);
      expect(['structure', 'signature']).toContain(firstFailure(report)!.id);
    }
    expectRefused(await verifyJwt(jwt.slice(0, -2) + 'AA', opts), 'signature', 'SIGNATURE_INVALID');
    const padded = await credentialJwt(didA, a.signer, { padding: 'x'.repeat(DEFAULT_MAX_JWS_BYTES) });
    expectRefused(await verifyJwt(padded, opts), 'structure', 'TOO_LARGE');
    expect((await verifyJwt(padded, { ...opts, maxBytes: 2 * DEFAULT_MAX_JWS_BYTES })).valid).toBe(true);
    expectRefused(await verifyJwt(`${jwt}.${jwt}`, opts), 'structure', 'MALFORMED');
  });

  it('refuses a key only in authentication, a wrong key, and a wrong blockchainAccountId; recovers the right one', async () => {
    const authKey = randomKey();
    const authOnly: DIDDocument = {
      ...docA,
      verificationMethod: [...docA.verificationMethod!, { id: `${didA}#auth-1`, type: 'EcdsaSecp256k1VerificationKey2019', controller: didA, publicKeyHex: authKey.publicKeyHex }],
      authentication: [...docA.authentication!, `${didA}#auth-1`],
    };
    const viaAuth = await credentialJwt(didA, authKey.signer);
    expectRefused(await verifyJwt(viaAuth, options(stubResolver([authOnly]))), 'signature', 'SIGNATURE_INVALID');
    // did-jwt without proofPurpose takes it (the reason we never consult authentication)
    expect((await verifyJWT(viaAuth, { resolver: didJwtResolver([authOnly]), policies: { now: NOW_S } })).verified).toBe(true);
    // nothing in assertionMethod at all (e.g. deactivated at that block)
    const noAssertion: DIDDocument = { ...authOnly, assertionMethod: [] };
    expectRefused(await verifyJwt(genuine[0], options(stubResolver([noAssertion]))), 'issuer-keys', 'KEY_NOT_VALID_AT_ANCHOR_TIME');

    const wrongKey = await credentialJwt(didB, randomKey().signer);
    expectRefused(await verifyJwt(wrongKey, options(stubResolver([docA, docB]))), 'signature', 'SIGNATURE_INVALID');
    // B's controller may sign too (recovered on demand even though B also publishes a key)
    expect((await verifyJwt(await credentialJwt(didB, b.signer), options(stubResolver([docA, docB])))).valid).toBe(true);

    const wrongAccount = controllerOnlyDocument(didA, randomKey().address);
    expectRefused(await verifyJwt(genuine[0], options(stubResolver([wrongAccount]))), 'signature', 'SIGNATURE_INVALID');
    const cache = new KeyCache();
    expect((await verifyJwt(genuine[0], options(stubResolver([docA]), cache))).valid).toBe(true);
    // a key recovered at version 100 is cached for (didA, 100) only
    expect(cache.get(didA, 100)?.accounts[0]?.key).toBeDefined();
    expect(cache.get(didA, 101)).toBeUndefined();
  });

  it('reports time failures only for signed claims, around the skew', async () => {
    const opts = options(stubResolver([docA]));
    const expired = await credentialJwt(didA, a.signer, { exp: NOW_S - 60 });
    expectRefused(await verifyJwt(expired, opts), 'validity-period', 'EXPIRED');
    expect((await verifyJwt(await credentialJwt(didA, a.signer, { exp: NOW_S - 59 }), opts)).valid).toBe(true);
    expectRefused(await verifyJwt(await credentialJwt(didA, a.signer, { nbf: NOW_S + 61 }), opts), 'validity-period', 'NOT_YET_VALID');
    expect((await verifyJwt(await credentialJwt(didA, a.signer, { nbf: NOW_S + 60 }), opts)).valid).toBe(true);
    expectRefused(await verifyJwt(await credentialJwt(didA, a.signer, { iat: NOW_S + 3600, nbf: undefined }), opts), 'validity-period', 'NOT_YET_VALID');
    expectRefused(await verifyJwt(await credentialJwt(didA, a.signer, { exp: String(NOW_S + 1000) }), opts), 'validity-period', 'MALFORMED');
    expectRefused(await verifyJwt(expired, { ...opts, skewSeconds: 0, now: new Date((NOW_S - 60) * 1000) }), 'validity-period', 'EXPIRED');
    // an expired *forgery* is reported as a bad signature, not as expired
    const [eh, ep] = split(expired);
    expectRefused(await verifyJwt(`${eh}.${ep}.${split(genuine[0]!)[2]}`, opts), 'signature', 'SIGNATURE_INVALID');
  });

  it('maps resolution failures: outage → RESOLUTION_UNAVAILABLE, bad DID → ISSUER_INVALID, wrong document → ISSUER_INVALID', async () => {
    const resolver = stubResolver([docA]);
    resolver.down = true;
    expectRefused(await verifyJwt(genuine[0], options(resolver)), 'issuer-keys', 'RESOLUTION_UNAVAILABLE');
    const throwsPlain: IssuerResolver = { resolveDocument: async () => { throw new Error('socket hang up'); } };
    expectRefused(await verifyJwt(genuine[0], options(throwsPlain)), 'issuer-keys', 'RESOLUTION_UNAVAILABLE');
    const elsewhere: IssuerResolver = { resolveDocument: async () => ({ document: docB }) };
    expectRefused(await verifyJwt(genuine[0], options(elsewhere)), 'issuer-keys', 'ISSUER_INVALID');
    const badIss = await createJWS({ iss: 'did:ethr:0x539:0xnothex', exp: NOW_S + 10 }, a.signer, { alg: 'ES256K', typ: 'JWT' });
    expectRefused(await verifyJwt(badIss, options(stubResolver([]))), 'issuer-keys', 'ISSUER_INVALID');
    for (const iss of [undefined, 42, 'https://issuer.example', `${didA}#controller`, `${didA}?versionId=1`, ['did:x:y']]) {
      const jwt = await createJWS({ iss, exp: NOW_S + 10 } as Record<string, unknown>, a.signer, { alg: 'ES256K', typ: 'JWT' });
      expectRefused(await verifyJwt(jwt, options(stubResolver([docA]))), 'issuer', 'MALFORMED');
    }
  });
});
