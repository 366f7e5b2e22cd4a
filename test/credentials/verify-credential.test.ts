import { createJWS, ES256KSigner } from 'did-jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signCheckpoint } from '../../anchor/log/checkpoint-signature.ts';
import { VerificationCodes } from '../../credentials/verify/report.ts';
import { SECP256K1_N } from '../../credentials/verify/secp256k1.ts';
import { verifyCredential } from '../../credentials/verify/verify-credential.ts';
import { createVerifier, type Verifier } from '../../credentials/verify/verifier.ts';
import type { VerifierTrust } from '../../credentials/verify/trust.ts';
import { leafHash, MerkleTree } from '../../anchor/merkle.ts';
import { signingInputDigest } from '../../credentials/verify/check-inclusion.ts';
import { createWorld, decodeSegment, firstFailure, flipBit, hex, nowSeconds, withSegment, type Issued, type Issuer, type World } from './support/credential-world.ts';

/**
 * The forgery corpus for single credentials (issue 5), on a real embedded ledger: genuine
 * credentials issued by accredited departments with did-jwt-vc, logged, anchored and given
 * status lists exactly as departments do; then every forgery made from them, each with the
 * exact code the verifier must give. Every genuine case must be valid.
 */

let world: World;
let education: Issuer;
let finance: Issuer;
let justice: Issuer;
let gateway: Issuer;
let degree: Issued;
let tax: Issued;
let record: Issued;
let verifier: Verifier;

beforeAll(async () => {
  world = await createWorld();
  education = await world.department('education');
  finance = await world.department('finance');
  justice = await world.department('justice');
  gateway = await world.department('gateway');
  degree = await education.issue({ type: 'DegreeCredential' });
  tax = await finance.issue({ type: 'TaxClearanceCredential', claims: { taxClearance: { status: 'CLEAR' } } });
  record = await justice.issue({ type: 'NoCriminalRecordCredential', claims: { criminalRecord: { clean: true } } });
  await Promise.all([education.anchor(), finance.anchor(), justice.anchor()]);
  verifier = createVerifier(world.trust);
});
afterAll(async () => {
  await world?.close();
});

/** A verifier with cold caches, so a test sees what a first verification sees. */
const cold = (jwt: unknown, trust: VerifierTrust = world.trust, options: Parameters<typeof verifyCredential>[2] = {}) => verifyCredential(jwt, trust, options);

async function expectCode(jwt: unknown, code: string, id?: string, trust?: VerifierTrust): Promise<void> {
  const report = await cold(jwt, trust);
  expect(report.valid).toBe(false);
  const failed = firstFailure(report);
  expect(failed, JSON.stringify(report.checks)).toMatchObject(id === undefined ? { code } : { id, code });
  // Stops at the failure: the failed check is the last line.
  expect(report.checks.at(-1)).toBe(failed);
}

describe('genuine credentials', () => {
  it('verify, with every check on and a line for each', async () => {
    for (const issued of [degree, tax, record]) {
      const report = await cold(issued.jwt);
      expect(report, JSON.stringify(report.checks)).toMatchObject({ valid: true });
      expect(report.checks.map((c) => c.id)).toEqual([
        'structure',
        'algorithm',
        'claims',
        'anchor-proof',
        'digest',
        'inclusion',
        'anchored',
        'issuer-keys',
        'signature',
        'checkpoint-signature',
        'validity-period',
        'issuer-accredited',
        'status',
      ]);
    }
  });

  it('verify again from the warm caches without asking any source', async () => {
    for (const issued of [degree, tax, record]) expect((await verifier.verifyCredential(issued.jwt)).valid).toBe(true);
    const proofCalls = world.proofs.calls;
    const listCalls = world.statusLists.calls;
    for (let i = 0; i < 5; i++) for (const issued of [degree, tax, record]) expect((await verifier.verifyCredential(issued.jwt)).valid).toBe(true);
    expect(world.proofs.calls).toBe(proofCalls);
    expect(world.statusLists.calls).toBe(listCalls);
  });

  it('verify when several credentials share a checkpoint, and each proof is against the first checkpoint containing it', async () => {
    const batch = [];
    for (let i = 0; i < 5; i++) batch.push(await education.issue({ type: i % 2 ? 'TranscriptCredential' : 'DegreeCredential' }));
    await education.anchor();
    const later = await education.issue();
    await education.anchor();
    for (const issued of [...batch, later]) expect((await verifier.verifyCredential(issued.jwt)).valid).toBe(true);
  });

  it('verifies concurrent requests for one credential with one proof fetch and one list fetch', async () => {
    const issued = await justice.issue({ type: 'NoCriminalRecordCredential' });
    await justice.anchor();
    const fresh = createVerifier(world.trust);
    const [proofCalls, listCalls] = [world.proofs.calls, world.statusLists.calls];
    const reports = await Promise.all(Array.from({ length: 10 }, () => fresh.verifyCredential(issued.jwt)));
    expect(reports.every((r) => r.valid)).toBe(true);
    expect(world.proofs.calls - proofCalls).toBe(1);
    expect(world.statusLists.calls - listCalls).toBe(2);
  });

  it('stays valid after a later checkpoint of its log (proofs against the first one keep working)', async () => {
    await education.issue();
    await education.anchor();
    expect((await cold(degree.jwt)).valid).toBe(true);
  });

  it('uses only stable codes', async () => {
    const report = await cold(degree.jwt.slice(0, 10));
    for (const check of report.checks) if (!check.ok) expect(VerificationCodes).toContain(check.code);
  });
});

describe('forged structure and algorithm', () => {
  it('refuses input that is not a string, truncated or oversized', async () => {
    for (const input of [undefined, null, 42, {}, [], Buffer.from(degree.jwt), true]) await expectCode(input, 'MALFORMED', 'structure');
    await expectCode(degree.jwt.slice(0, degree.jwt.indexOf('.') + 20), 'MALFORMED', 'structure');
    await expectCode(degree.jwt.split('.').slice(0, 2).join('.'), 'MALFORMED', 'structure');
    await expectCode(`${degree.jwt}.`, 'MALFORMED', 'structure');
    await expectCode('', 'MALFORMED', 'structure');
    // Truncating only the signature keeps the signing input: anchored, but not signed.
    await expectCode(degree.jwt.slice(0, -2), 'SIGNATURE_INVALID', 'signature');
    await expectCode('a'.repeat(70_000), 'TOO_LARGE', 'structure');
    const big = withSegment(degree.jwt, 1, { ...decodeSegment(degree.jwt, 1), pad: 'x'.repeat(70_000) });
    await expectCode(big, 'TOO_LARGE', 'structure');
  });

  it('refuses alg none, ES256K-R on an ES256K signature, HS256 and a lower-case alg', async () => {
    const [, payload] = degree.jwt.split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    await expectCode(none, 'ALGORITHM_NOT_ALLOWED', 'algorithm');
    await expectCode(withSegment(degree.jwt, 0, { alg: 'ES256K-R', typ: 'JWT' }), 'ALGORITHM_NOT_ALLOWED', 'algorithm');
    await expectCode(withSegment(degree.jwt, 0, { alg: 'HS256', typ: 'JWT' }), 'ALGORITHM_NOT_ALLOWED', 'algorithm');
    await expectCode(withSegment(degree.jwt, 0, { alg: 'es256k', typ: 'JWT' }), 'ALGORITHM_NOT_ALLOWED', 'algorithm');
    await expectCode(withSegment(degree.jwt, 0, { typ: 'JWT' }), 'ALGORITHM_NOT_ALLOWED', 'algorithm');
    // A genuine ES256K-R JWS by the issuer over the same claims is still not a credential we take.
    const educationKey = Buffer.from((await world.ledger.keystore.loadKey('education')).privateKey.slice(2), 'hex');
    const recoverable = await createJWS(decodeSegment(degree.jwt, 1), ES256KSigner(educationKey, true), { alg: 'ES256K-R', typ: 'JWT' });
    await expectCode(recoverable, 'ALGORITHM_NOT_ALLOWED', 'algorithm');
  });

  it('refuses a high-S copy of a genuine signature: one credential, one JWT string', async () => {
    const [h, p, s] = degree.jwt.split('.') as [string, string, string];
    const signature = Buffer.from(s, 'base64url');
    const sValue = BigInt('0x' + signature.subarray(32).toString('hex'));
    const high = Buffer.concat([signature.subarray(0, 32), Buffer.from((SECP256K1_N - sValue).toString(16).padStart(64, '0'), 'hex')]);
    const copy = `${h}.${p}.${high.toString('base64url')}`;
    const report = await cold(copy);
    expect(firstFailure(report)).toMatchObject({ id: 'signature', code: 'SIGNATURE_INVALID' });
    expect(firstFailure(report)?.code).not.toBe('KEY_NOT_VALID_AT_ANCHOR_TIME');
  });

  it('refuses chosen bit flips in header, payload and signature with the exact code', async () => {
    const header = Buffer.from(degree.jwt.split('.')[0]!, 'base64url').toString('utf8');
    const payload = Buffer.from(degree.jwt.split('.')[1]!, 'base64url').toString('utf8');
    const at = (text: string, needle: string, offset = 0) => {
      const i = text.indexOf(needle);
      expect(i).toBeGreaterThanOrEqual(0);
      return i + offset;
    };
    // The issuer's address is random: flip a character whose lowest bit flipped is still hex
    // (0-9, b-e), so the forgery is another well-formed DID and the anchor check must catch it.
    const hexFlippable = (text: string, from: number) => {
      for (let i = from; i < from + 40; i++) if (/[0-9b-e]/.test(text[i]!)) return i;
      throw new Error('no flippable hex digit in the issuer address');
    };
    const cases: Array<[string, string, string, string]> = [
      // [name, forged jwt, check id, code]
      ['header: ES256K → ES256J', flipBit(degree.jwt, 0, at(header, 'ES256K', 5), 0), 'algorithm', 'ALGORITHM_NOT_ALLOWED'],
      ['header: "alg" → "alf"', flipBit(degree.jwt, 0, at(header, '"alg"', 3), 0), 'algorithm', 'ALGORITHM_NOT_ALLOWED'],
      ['header: typ JWT → JWU', flipBit(degree.jwt, 0, at(header, 'JWT', 2), 0), 'digest', 'NOT_ANCHORED'],
      ['header: { broken', flipBit(degree.jwt, 0, 0, 0), 'structure', 'MALFORMED'],
      ['payload: a claim value', flipBit(degree.jwt, 1, at(payload, 'Bachelor of', 0), 1), 'digest', 'NOT_ANCHORED'],
      ['payload: nbf digit', flipBit(degree.jwt, 1, at(payload, '"nbf":', 7), 0), 'digest', 'NOT_ANCHORED'],
      ['payload: jti', flipBit(degree.jwt, 1, at(payload, '"jti":"urn:uuid:', 20), 0), 'anchor-proof', 'NOT_ANCHORED'],
      ['payload: issuer address', flipBit(degree.jwt, 1, hexFlippable(payload, at(payload, '"iss":"did:ethr:0x539:0x', 24)), 0), 'anchor-proof', 'NOT_ANCHORED'],
      ['payload: } broken', flipBit(degree.jwt, 1, payload.length - 1, 0), 'structure', 'MALFORMED'],
      ['signature: R first bit', flipBit(degree.jwt, 2, 0, 7), 'signature', 'SIGNATURE_INVALID'],
      ['signature: R last bit', flipBit(degree.jwt, 2, 31, 0), 'signature', 'SIGNATURE_INVALID'],
      ['signature: S middle bit', flipBit(degree.jwt, 2, 45, 3), 'signature', 'SIGNATURE_INVALID'],
      ['signature: S last bit', flipBit(degree.jwt, 2, 63, 0), 'signature', 'SIGNATURE_INVALID'],
    ];
    for (const [name, forged, id, code] of cases) {
      expect(forged, name).not.toBe(degree.jwt);
      const report = await cold(forged);
      expect(firstFailure(report), `${name}: ${JSON.stringify(report.checks.at(-1))}`).toMatchObject({ id, code });
    }
  });

  it('never accepts and never throws on any single bit flip of the encoded header and payload', async () => {
    const [h, p, s] = degree.jwt.split('.') as [string, string, string];
    const signingInput = `${h}.${p}`;
    const allowed = new Set(['MALFORMED', 'ALGORITHM_NOT_ALLOWED', 'NOT_ANCHORED']);
    let tried = 0;
    for (let i = 0; i < signingInput.length; i++) {
      if (signingInput[i] === '.') continue;
      for (let bit = 0; bit < 7; bit++) {
        const c = String.fromCharCode(signingInput.charCodeAt(i) ^ (1 << bit));
        const forged = `${signingInput.slice(0, i)}${c}${signingInput.slice(i + 1)}.${s}`;
        const report = await verifier.verifyCredential(forged);
        tried++;
        expect(report.valid).toBe(false);
        const failed = firstFailure(report)!;
        expect(allowed.has(failed.code!), `${i}/${bit}: ${JSON.stringify(failed)}`).toBe(true);
      }
    }
    expect(tried).toBeGreaterThan(5_000);
    // The genuine one is still valid from the same (warm) verifier.
    expect((await verifier.verifyCredential(degree.jwt)).valid).toBe(true);
  });

  it('explains a forged signature once: repeated forgeries of one issuer cost no further resolution', async () => {
    let resolutions = 0;
    const counting = { ...world.trust, dids: { resolveDocument: (did: string, options?: { versionId?: number }) => (resolutions++, world.trust.dids.resolveDocument(did, options)) } };
    const warm = createVerifier(counting);
    expect((await warm.verifyCredential(degree.jwt)).valid).toBe(true);
    const before = resolutions;
    for (let i = 0; i < 5; i++) {
      expect(firstFailure(await warm.verifyCredential(flipBit(degree.jwt, 2, 20 + i, 1)))).toMatchObject({ id: 'signature', code: 'SIGNATURE_INVALID' });
    }
    // The first forgery reads the latest document and the anchoring version's history; the rest read nothing.
    const afterFirst = resolutions - before;
    expect(afterFirst).toBeGreaterThan(0);
    expect(afterFirst).toBeLessThanOrEqual(3);
  });

  it('refuses a credential signed by another key than the issuer\'s (a forger signing in its name)', async () => {
    const forged = await education.issue({ key: (await world.ledger.keystore.loadKey('finance')) });
    await education.anchor();
    await expectCode(forged.jwt, 'SIGNATURE_INVALID', 'signature');
  });
});

describe('forged claims', () => {
  it('refuses a credential that is not VC 1.1 shaped', async () => {
    const payload = decodeSegment(degree.jwt, 1);
    const vc = payload.vc as Record<string, unknown>;
    const variants: Array<[string, Record<string, unknown>]> = [
      ['no sub', { ...payload, sub: undefined }],
      ['sub not a DID', { ...payload, sub: 'alice' }],
      ['no jti', { ...payload, jti: undefined }],
      ['no nbf', { ...payload, nbf: undefined }],
      ['no vc', { ...payload, vc: undefined }],
      ['context not first', { ...payload, vc: { ...vc, '@context': ['https://example.org/ctx', 'https://www.w3.org/2018/credentials/v1'] } }],
      ['no VerifiableCredential type', { ...payload, vc: { ...vc, type: ['DegreeCredential'] } }],
      ['only VerifiableCredential', { ...payload, vc: { ...vc, type: ['VerifiableCredential'] } }],
      ['subject list', { ...payload, vc: { ...vc, credentialSubject: [vc.credentialSubject] } }],
      ['subject id not sub', { ...payload, vc: { ...vc, credentialSubject: { id: 'did:ethr:0x539:0x0000000000000000000000000000000000000001' } } }],
      ['vc.issuer not iss', { ...payload, vc: { ...vc, issuer: 'did:ethr:0x539:0x0000000000000000000000000000000000000001' } }],
      ['expirationDate not exp', { ...payload, vc: { ...vc, expirationDate: '2099-01-01T00:00:00Z' } }],
    ];
    for (const [name, variant] of variants) {
      const report = await cold(withSegment(degree.jwt, 1, variant));
      expect(firstFailure(report), name).toMatchObject({ id: 'claims', code: 'MALFORMED' });
    }
  });
});

describe('forged or missing anchoring', () => {
  it('NOT_ANCHORED: a well-signed credential its issuer never logged', async () => {
    const unlogged = await education.issue({ log: false });
    await expectCode(unlogged.jwt, 'NOT_ANCHORED', 'anchor-proof');
  });

  it('ANCHOR_PENDING: logged, not yet anchored; valid once anchored', async () => {
    const pending = await education.issue();
    await expectCode(pending.jwt, 'ANCHOR_PENDING', 'anchor-proof');
    world.proofs.set(education.did, pending.jti, { status: 'PENDING_INTEGRATION' });
    await expectCode(pending.jwt, 'ANCHOR_PENDING', 'anchor-proof');
    await education.anchor();
    expect((await cold(pending.jwt)).valid).toBe(true);
  });

  it('NOT_ANCHORED: the proof of another leaf, or its path with this digest', async () => {
    const a = await education.issue();
    const b = await education.issue();
    await education.anchor();
    const proofOfB = await world.proofs.credentialProof(education.did, b.jti);
    if (proofOfB.status !== 'ANCHORED') throw new Error('b is anchored');
    world.proofs.set(education.did, a.jti, proofOfB);
    await expectCode(a.jwt, 'NOT_ANCHORED', 'digest');
    const [h, p] = a.jwt.split('.');
    world.proofs.set(education.did, a.jti, { status: 'ANCHORED', proof: { ...proofOfB.proof, digest: signingInputDigest(`${h}.${p}`) } });
    await expectCode(a.jwt, 'NOT_ANCHORED', 'inclusion');
  });

  it('NOT_ANCHORED: a checkpoint that is not on chain (signed by the issuer, never anchored)', async () => {
    const issued = await education.issue();
    const size = education.tree.size;
    const root = hex(education.tree.root());
    const signed = await signCheckpoint({ logId: education.logName, treeSize: size, root }, education.controller.privateKey, education.did);
    const fake = { treeSize: size, signed, receipt: { ...education.checkpoints.at(-1)!.receipt, treeSize: size, root } };
    world.proofs.set(education.did, issued.jti, { status: 'ANCHORED', proof: education.proofAt(issued.leafIndex!, fake) });
    await expectCode(issued.jwt, 'NOT_ANCHORED', 'anchored');
  });

  it('NOT_ANCHORED: a checkpoint of an anchored size with another root (an issuer equivocating)', async () => {
    const issuer = await world.freshIssuer('equivocating', ['DegreeCredential']);
    await issuer.issue();
    const b = await issuer.issue();
    await issuer.anchor();
    const c = await issuer.issue({ log: false });
    const [h, p] = c.jwt.split('.');
    const digest = signingInputDigest(`${h}.${p}`);
    const bEntry = issuer.entries.find((e) => e.jti === b.jti)!;
    const fork = new MerkleTree();
    fork.appendLeaves([leafHash(Buffer.from(digest, 'hex')), leafHash(Buffer.from(bEntry.digest, 'hex'))]);
    const root = hex(fork.root());
    const signed = await signCheckpoint({ logId: issuer.logName, treeSize: 2, root }, issuer.controller.privateKey, issuer.did);
    const genuine = issuer.proofAt(0, issuer.checkpoints[0]!);
    world.proofs.set(issuer.did, c.jti, {
      status: 'ANCHORED',
      proof: { ...genuine, digest, leafIndex: 0, treeSize: 2, auditPath: fork.inclusionProof(0, 2).map(hex), checkpoint: { ...genuine.checkpoint, root, signed } },
    });
    await expectCode(c.jwt, 'NOT_ANCHORED', 'anchored');
  });

  it('NOT_ANCHORED: a proof against a later checkpoint than the first one containing the leaf', async () => {
    const issued = await education.issue();
    await education.anchor();
    const first = education.checkpoints.at(-1)!;
    await education.issue();
    await education.anchor();
    const later = education.checkpoints.at(-1)!;
    expect(later.treeSize).toBeGreaterThan(first.treeSize);
    world.proofs.set(education.did, issued.jti, { status: 'ANCHORED', proof: education.proofAt(issued.leafIndex!, later) });
    await expectCode(issued.jwt, 'NOT_ANCHORED', 'anchored');
    // And from a verifier that already knows the later checkpoint (cached range check).
    world.proofs.set(education.did, issued.jti, { status: 'ANCHORED', proof: education.proofAt(issued.leafIndex!, first) });
    expect((await verifier.verifyCredential(issued.jwt)).valid).toBe(true);
  });

  it('NOT_ANCHORED: a checkpoint signed by someone else, or named as someone else\'s', async () => {
    const issued = await education.issue();
    await education.anchor({ checkpointKey: await world.ledger.keystore.loadKey('finance') });
    await expectCode(issued.jwt, 'NOT_ANCHORED', 'checkpoint-signature');
    const served = await world.proofs.credentialProof(education.did, issued.jti);
    if (served.status !== 'ANCHORED') throw new Error('anchored');
    world.proofs.set(education.did, issued.jti, { status: 'ANCHORED', proof: { ...served.proof, checkpoint: { ...served.proof.checkpoint, signer: finance.did } } });
    await expectCode(issued.jwt, 'NOT_ANCHORED', 'anchor-proof');
    // The statement inside the signed checkpoint must be this log, size and root.
    const other = await signCheckpoint({ logId: education.logName, treeSize: served.proof.treeSize, root: '00'.repeat(32) }, education.controller.privateKey, education.did);
    world.proofs.set(education.did, issued.jti, { status: 'ANCHORED', proof: { ...served.proof, checkpoint: { ...served.proof.checkpoint, signed: other } } });
    await expectCode(issued.jwt, 'NOT_ANCHORED', 'anchor-proof');
  });

  it('RESOLUTION_UNAVAILABLE, not NOT_ANCHORED, when the proof source cannot answer', async () => {
    world.proofs.failWith = new Error('connect ECONNREFUSED');
    try {
      await expectCode(degree.jwt, 'RESOLUTION_UNAVAILABLE', 'anchor-proof');
    } finally {
      delete world.proofs.failWith;
    }
  });

  it('NOT_ANCHORED for a proof source answering nonsense', async () => {
    const issued = await education.issue();
    await education.anchor();
    for (const answer of [null, 'ANCHORED', { status: 'ANCHORED' }, { status: 'ANCHORED', proof: { logId: 'x'.repeat(40) } }, { status: 'MAYBE' }]) {
      world.proofs.set(education.did, issued.jti, answer as never);
      await expectCode(issued.jwt, 'NOT_ANCHORED', 'anchor-proof');
    }
  });
});

describe('issuers and accreditation', () => {
  it('ISSUER_NOT_TRUSTED: an issuer accredited for nothing (the gateway) or for another type', async () => {
    const byGateway = await gateway.issue({ type: 'DegreeCredential' });
    await gateway.anchor();
    await expectCode(byGateway.jwt, 'ISSUER_NOT_TRUSTED', 'issuer-accredited');
    const wrongType = await finance.issue({ type: 'DegreeCredential' });
    const twoTypes = await education.issue({ type: ['DegreeCredential', 'TaxClearanceCredential'] });
    await Promise.all([finance.anchor(), education.anchor()]);
    await expectCode(wrongType.jwt, 'ISSUER_NOT_TRUSTED', 'issuer-accredited');
    await expectCode(twoTypes.jwt, 'ISSUER_NOT_TRUSTED', 'issuer-accredited');
  });

  it('ISSUER_NOT_TRUSTED: issued after the accreditation ended; earlier credentials stay valid', async () => {
    const issuer = await world.freshIssuer('ended', ['DegreeCredential']);
    const before = await issuer.issue();
    await issuer.anchor();
    expect((await verifier.verifyCredential(before.jwt)).valid).toBe(true);
    // An end is exclusive and lands on the chain's clock: let a second pass after `before`'s nbf.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const [entry] = (await world.root.accreditations(issuer.did)).filter((a) => a.credentialTypeName === 'DegreeCredential');
    await world.root.endAccreditation(entry!.index);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const after = await issuer.issue();
    await issuer.anchor();
    // The warm verifier read this issuer's history before the end: it must read it again.
    const report = await verifier.verifyCredential(after.jwt);
    expect(firstFailure(report)).toMatchObject({ id: 'issuer-accredited', code: 'ISSUER_NOT_TRUSTED' });
    await expectCode(after.jwt, 'ISSUER_NOT_TRUSTED', 'issuer-accredited');
    expect((await cold(before.jwt)).valid).toBe(true);
    // Back-dated to before the end: refused when anchored much later than its nbf.
    const backdated = await issuer.issue({ nbf: entry!.validFrom + 10 });
    await issuer.anchor();
    const strict = await cold(backdated.jwt, world.trust, { maxAnchorDelaySeconds: 60 });
    expect(firstFailure(strict)).toMatchObject({ id: 'issuer-accredited', code: 'ISSUER_NOT_TRUSTED' });
  });

  it('ISSUER_NOT_TRUSTED: an nbf after the anchoring (forward-dated), once inside the validity period', async () => {
    const issued = await education.issue({ nbf: nowSeconds() + 600 });
    await education.anchor();
    const report = await cold(issued.jwt, world.trust, { now: new Date(Date.now() + 700_000) });
    expect(firstFailure(report)).toMatchObject({ id: 'issuer-accredited', code: 'ISSUER_NOT_TRUSTED' });
  });
});

describe('validity period', () => {
  it('EXPIRED and NOT_YET_VALID, with the bounded skew', async () => {
    const expired = await education.issue({ nbf: nowSeconds() - 600, exp: nowSeconds() - 120 });
    const future = await education.issue({ nbf: nowSeconds() + 3600 });
    const edge = await education.issue({ exp: nowSeconds() + 30 });
    await education.anchor();
    await expectCode(expired.jwt, 'EXPIRED', 'validity-period');
    await expectCode(future.jwt, 'NOT_YET_VALID', 'validity-period');
    // exp 30 s ahead: valid now, expired 2 minutes later (60 s skew), valid again with no skew beyond exp.
    expect((await cold(edge.jwt)).valid).toBe(true);
    const later = await cold(edge.jwt, world.trust, { now: new Date(Date.now() + 120_000) });
    expect(firstFailure(later)).toMatchObject({ id: 'validity-period', code: 'EXPIRED' });
    await expect(verifyCredential(edge.jwt, world.trust, { skewSeconds: 3600 })).rejects.toThrow(RangeError);
  });
});

describe('status', () => {
  it('REVOKED and SUSPENDED once the issuer sets the bit (a fresh verifier, or the warm one after the list expires)', async () => {
    let clock = Date.now();
    const timed = createVerifier(world.trust, { clock: () => clock });
    const toRevoke = await education.issue();
    const toSuspend = await education.issue();
    await education.anchor();
    expect((await timed.verifyCredential(toRevoke.jwt)).valid).toBe(true);
    expect((await timed.verifyCredential(toSuspend.jwt)).valid).toBe(true);

    education.lists.revocation.set(toRevoke.index.revocation!);
    education.lists.suspension.set(toSuspend.index.suspension!);
    await education.publishLists();
    await expectCode(toRevoke.jwt, 'REVOKED', 'status');
    await expectCode(toSuspend.jwt, 'SUSPENDED', 'status');
    // The warm verifier keeps the list for its default ttl (30 s), then sees the change.
    expect((await timed.verifyCredential(toRevoke.jwt)).valid).toBe(true);
    clock += 31_000;
    expect(firstFailure(await timed.verifyCredential(toRevoke.jwt))).toMatchObject({ id: 'status', code: 'REVOKED' });
    expect(firstFailure(await timed.verifyCredential(toSuspend.jwt))).toMatchObject({ id: 'status', code: 'SUSPENDED' });

    // Lifting a suspension is allowed; a revocation stays.
    education.lists.suspension.clear(toSuspend.index.suspension!);
    await education.publishLists({ ttlMs: 1_000 });
    clock += 31_000;
    expect((await timed.verifyCredential(toSuspend.jwt)).valid).toBe(true);
    // The list now says ttl 1 s: a change shows after one second.
    education.lists.suspension.set(toSuspend.index.suspension!);
    await education.publishLists({ ttlMs: 1_000 });
    clock += 1_001;
    expect(firstFailure(await timed.verifyCredential(toSuspend.jwt))).toMatchObject({ code: 'SUSPENDED' });
    education.lists.suspension.clear(toSuspend.index.suspension!);
    await education.publishLists();
  });

  it('fetches a list again in the background late in its life: steady verification never waits, a revocation shows sooner', async () => {
    let clock = Date.now();
    let fetches = 0;
    const counting = { ...world.trust, statusLists: { fetchStatusList: (url: string) => (fetches++, world.trust.statusLists.fetchStatusList(url)) } };
    const timed = createVerifier(counting, { clock: () => clock });
    const toRevoke = await education.issue();
    await education.anchor();
    expect((await timed.verifyCredential(toRevoke.jwt)).valid).toBe(true);
    const lists = fetches; // one per list the credential names
    expect(lists).toBeGreaterThan(0);

    clock += 10_000; // early in the default 30 s: nothing fetched
    expect((await timed.verifyCredential(toRevoke.jwt)).valid).toBe(true);
    expect(fetches).toBe(lists);

    education.lists.revocation.set(toRevoke.index.revocation!);
    await education.publishLists();
    clock += 15_000; // 25 s: answered from the copy, each list fetched again behind it
    expect((await timed.verifyCredential(toRevoke.jwt)).valid).toBe(true);
    expect(fetches).toBe(2 * lists);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The refreshed copy shows the revocation before the first copy would have expired.
    expect(firstFailure(await timed.verifyCredential(toRevoke.jwt))).toMatchObject({ id: 'status', code: 'REVOKED' });
    clock += 10_000; // 35 s: past the first copy's expiry, the refreshed one answers without a fetch
    expect(firstFailure(await timed.verifyCredential(toRevoke.jwt))).toMatchObject({ id: 'status', code: 'REVOKED' });
    expect(fetches).toBe(2 * lists);
  });

  it('STATUS_UNAVAILABLE when the list is unreachable, or signed by someone else', async () => {
    const url = education.listUrl('revocation');
    const saved = await world.statusLists.fetchStatusList(url);
    try {
      world.statusLists.delete(url);
      await expectCode(degree.jwt, 'STATUS_UNAVAILABLE', 'status');
      // Finance's own list served at education's URL.
      await education.publishLists({ key: await world.ledger.keystore.loadKey('finance'), as: finance.did });
      await expectCode(degree.jwt, 'STATUS_UNAVAILABLE', 'status');
      // A list that claims to be education's, signed by finance's key.
      await education.publishLists({ key: await world.ledger.keystore.loadKey('finance') });
      await expectCode(degree.jwt, 'STATUS_UNAVAILABLE', 'status');
      // Another list of education's (the suspension one) served at the revocation URL.
      world.statusLists.set(url, (await world.statusLists.fetchStatusList(education.listUrl('suspension'))).jwt);
      await education.publishLists();
      world.statusLists.set(url, (await world.statusLists.fetchStatusList(education.listUrl('suspension'))).jwt);
      await expectCode(degree.jwt, 'STATUS_UNAVAILABLE', 'status');
      world.statusLists.set(url, 'not a jwt');
      await expectCode(degree.jwt, 'STATUS_UNAVAILABLE', 'status');
      world.statusLists.failWith = new Error('timeout');
      await expectCode(degree.jwt, 'STATUS_UNAVAILABLE', 'status');
    } finally {
      delete world.statusLists.failWith;
      await education.publishLists();
      world.statusLists.set(url, saved.jwt);
    }
    expect((await cold(degree.jwt)).valid).toBe(true);
  });

  it('STATUS_UNAVAILABLE for a credential without credentialStatus, unless the verifier allows it', async () => {
    const noStatus = await education.issue({ status: [] });
    const otherType = await education.issue({ status: [], vc: { credentialStatus: { id: 'https://x.test/1', type: 'StatusList2021Entry' } } });
    await education.anchor();
    await expectCode(noStatus.jwt, 'STATUS_UNAVAILABLE', 'status');
    expect((await cold(noStatus.jwt, world.trust, { requireStatus: false })).valid).toBe(true);
    await expectCode(otherType.jwt, 'STATUS_UNAVAILABLE', 'status');
  });
});
