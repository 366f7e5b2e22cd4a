import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createVerifiablePresentationJwt } from 'did-jwt-vc';
import { Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { didForAddress } from '../../anchor/ledger/did.ts';
import { createPresentation, createWallet, receiveCredential } from '../../credentials/wallet/index.ts';
import { nodeES256KSigner } from '../../credentials/sign/es256k-signer.ts';
import { createLedgerTrust } from '../../credentials/verify/ledger-trust.ts';
import { memoryNonceStore } from '../../credentials/verify/memory-sources.ts';
import { verifyCredential } from '../../credentials/verify/verify-credential.ts';
import { verifyPresentation, type VerifyPresentationOptions } from '../../credentials/verify/verify-presentation.ts';
import { createVerifier, type Verifier } from '../../credentials/verify/verifier.ts';
import type { NonceStore } from '../../credentials/verify/trust.ts';
import { createWorld, firstFailure, flipBit, nowSeconds, withSegment, type Issued, type Issuer, type Key, type World } from './support/credential-world.ts';

/**
 * Presentations (did-jwt-vc's VP JWT: `vp.verifiableCredential`, `iss` = holder, `nonce` =
 * challenge, `aud` = domain) on a real ledger: the holder's signature against its DID's
 * authentication keys (latest document), the challenge, the audience, single use, and every
 * embedded credential through the full credential pipeline, about the holder.
 */

let world: World;
let education: Issuer;
let finance: Issuer;
let holder: Key;
let holderDid: string;
let degree: Issued;
let tax: Issued;
let verifier: Verifier;
let nonces: NonceStore;
const DOMAIN = 'https://verifier.test';

beforeAll(async () => {
  world = await createWorld();
  education = await world.department('education');
  finance = await world.department('finance');
  holder = Wallet.createRandom();
  holderDid = didForAddress(holder.address, world.chainId);
  degree = await education.issue({ subject: holderDid });
  tax = await finance.issue({ type: 'TaxClearanceCredential', subject: holderDid });
  await Promise.all([education.anchor(), finance.anchor()]);
  verifier = createVerifier(world.trust);
  nonces = memoryNonceStore();
});
afterAll(async () => {
  await world?.close();
});

const challenge = () => randomBytes(16).toString('base64url');

async function present(credentials: string[], options: { challenge?: string; domain?: string | string[]; key?: Key; did?: string; iat?: number | null; exp?: number } = {}): Promise<string> {
  const payload: Record<string, unknown> = {
    vp: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiablePresentation'], verifiableCredential: credentials },
  };
  if (options.iat !== null) payload.iat = options.iat ?? nowSeconds();
  if (options.exp !== undefined) payload.exp = options.exp;
  return createVerifiablePresentationJwt(
    payload as never,
    { did: options.did ?? holderDid, signer: nodeES256KSigner((options.key ?? holder).privateKey), alg: 'ES256K' },
    { ...(options.challenge !== undefined && { challenge: options.challenge }), domain: options.domain ?? DOMAIN } as never,
  );
}

const check = (jwt: unknown, options: VerifyPresentationOptions) => verifier.verifyPresentation(jwt, { nonces, domain: DOMAIN, ...options });

describe('genuine presentations', () => {
  it('verify, each embedded credential with all its checks, about the holder', async () => {
    const c = challenge();
    const vp = await present([degree.jwt, tax.jwt], { challenge: c });
    const report = await check(vp, { challenge: c });
    expect(report.valid, JSON.stringify(report.checks.filter((x) => !x.ok))).toBe(true);
    const ids = report.checks.map((x) => x.id);
    expect(ids.slice(0, 9)).toEqual(['structure', 'algorithm', 'presentation', 'holder-keys', 'signature', 'validity-period', 'challenge', 'audience', 'nonce']);
    for (const i of [0, 1]) {
      for (const id of ['structure', 'anchored', 'signature', 'issuer-accredited', 'status', 'holder']) expect(ids).toContain(`credential[${i}].${id}`);
    }
    // A cold verifier (the standalone function) agrees.
    const c2 = challenge();
    expect((await verifyPresentation(await present([degree.jwt], { challenge: c2 }), world.trust, { challenge: c2, domain: DOMAIN, nonces })).valid).toBe(true);
  });

  it('accepts an audience list that names this verifier', async () => {
    const c = challenge();
    expect((await check(await present([degree.jwt], { challenge: c, domain: ['https://other.test', DOMAIN] }), { challenge: c })).valid).toBe(true);
  });
});

describe('with the citizen wallet (credentials/wallet)', () => {
  it('receives credentials checked by this verifier and presents them; this verifier accepts the presentation once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'govshare-vp-wallet-'));
    try {
      let wallet = await createWallet({ file: path.join(dir, 'w.json'), passphrase: 'a wallet passphrase for tests', chainId: world.chainId, scrypt: { N: 2 ** 10, r: 8, p: 1 } });
      const mine = await education.issue({ subject: wallet.did });
      const myTax = await finance.issue({ type: 'TaxClearanceCredential', subject: wallet.did });
      await Promise.all([education.anchor(), finance.anchor()]);
      const check = (jwt: string) => verifier.verifyCredential(jwt);
      for (const jwt of [mine.jwt, myTax.jwt]) ({ wallet } = await receiveCredential(wallet, jwt, { verify: check }));
      // The wallet refuses what this verifier refuses (here: never anchored).
      const unlogged = await education.issue({ subject: wallet.did, log: false });
      await expect(receiveCredential(wallet, unlogged.jwt, { verify: check })).rejects.toMatchObject({ code: 'CREDENTIAL_REJECTED' });

      const c = challenge();
      const { jwt } = await createPresentation(wallet, { challenge: c, domain: DOMAIN, select: [mine.jti, myTax.jti] });
      const seen: number[] = [];
      const recording: NonceStore = { consume: (nonce, ttl) => (seen.push(ttl), nonces.consume(nonce, ttl)) };
      const report = await verifier.verifyPresentation(jwt, { challenge: c, domain: DOMAIN, nonces: recording });
      expect(report.valid, JSON.stringify(report.checks.filter((x) => !x.ok))).toBe(true);
      // Remembered until the presentation's exp (300 s) plus the skew, not longer.
      expect(seen[0]).toBeGreaterThan(300);
      expect(seen[0]).toBeLessThanOrEqual(300 + 60 + 1);
      expect(firstFailure(await verifier.verifyPresentation(jwt, { challenge: c, domain: DOMAIN, nonces }))).toMatchObject({ id: 'nonce', code: 'NONCE_REPLAYED' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('forged or replayed presentations', () => {
  it('NONCE_REPLAYED: the same presentation twice', async () => {
    const c = challenge();
    const vp = await present([degree.jwt], { challenge: c });
    expect((await check(vp, { challenge: c })).valid).toBe(true);
    expect(firstFailure(await check(vp, { challenge: c }))).toMatchObject({ id: 'nonce', code: 'NONCE_REPLAYED' });
    // Even re-signed (another JWT string) with the same challenge.
    expect(firstFailure(await check(await present([degree.jwt], { challenge: c }), { challenge: c }))).toMatchObject({ id: 'nonce', code: 'NONCE_REPLAYED' });
  });

  it('NONCE_MISMATCH: another challenge, or none given', async () => {
    const vp = await present([degree.jwt], { challenge: challenge() });
    expect(firstFailure(await check(vp, { challenge: challenge() }))).toMatchObject({ id: 'challenge', code: 'NONCE_MISMATCH' });
    expect(firstFailure(await check(vp, {}))).toMatchObject({ id: 'challenge', code: 'NONCE_MISMATCH' });
    const noNonce = await present([degree.jwt]);
    expect(firstFailure(await check(noNonce, { challenge: challenge() }))).toMatchObject({ id: 'challenge', code: 'NONCE_MISMATCH' });
  });

  it('AUDIENCE_MISMATCH: made for another verifier, or no domain given', async () => {
    const c = challenge();
    const vp = await present([degree.jwt], { challenge: c, domain: 'https://elsewhere.test' });
    expect(firstFailure(await check(vp, { challenge: c }))).toMatchObject({ id: 'audience', code: 'AUDIENCE_MISMATCH' });
    const mine = await present([degree.jwt], { challenge: c });
    expect(firstFailure(await verifier.verifyPresentation(mine, { challenge: c, nonces }))).toMatchObject({ id: 'audience', code: 'AUDIENCE_MISMATCH' });
  });

  it('HOLDER_MISMATCH: a genuine credential about someone else', async () => {
    const someoneElse = await education.issue();
    await education.anchor();
    const c = challenge();
    const report = await check(await present([degree.jwt, someoneElse.jwt], { challenge: c }), { challenge: c });
    expect(report.valid).toBe(false);
    expect(report.checks.filter((x) => !x.ok)).toEqual([expect.objectContaining({ id: 'credential[1].holder', code: 'HOLDER_MISMATCH' })]);
    // The credential itself is fine.
    expect((await verifyCredential(someoneElse.jwt, world.trust)).valid).toBe(true);
  });

  it('SIGNATURE_INVALID inside: a presentation whose credential is forged', async () => {
    const c = challenge();
    const forged = flipBit(degree.jwt, 2, 10, 2);
    const report = await check(await present([tax.jwt, forged], { challenge: c }), { challenge: c });
    expect(report.valid).toBe(false);
    expect(report.checks.filter((x) => !x.ok)).toEqual([expect.objectContaining({ id: 'credential[1].signature', code: 'SIGNATURE_INVALID' })]);
    // A credential with a changed claim: never anchored.
    const c2 = challenge();
    const payload = JSON.parse(Buffer.from(degree.jwt.split('.')[1]!, 'base64url').toString('utf8'));
    const changed = withSegment(degree.jwt, 1, { ...payload, vc: { ...payload.vc, credentialSubject: { degree: { type: 'DoctoralDegree', name: 'PhD' } } } });
    const report2 = await check(await present([changed], { challenge: c2 }), { challenge: c2 });
    expect(firstFailure(report2)).toMatchObject({ id: 'credential[0].digest', code: 'NOT_ANCHORED' });
  });

  it('SIGNATURE_INVALID: a presentation signed by someone else in the holder\'s name; the challenge stays usable', async () => {
    const c = challenge();
    const thief = Wallet.createRandom();
    const forged = await present([degree.jwt], { challenge: c, key: thief });
    expect(firstFailure(await check(forged, { challenge: c }))).toMatchObject({ id: 'signature', code: 'SIGNATURE_INVALID' });
    // The thief presenting as itself: signature fine, credentials not about it.
    const asThief = await present([degree.jwt], { challenge: c, key: thief, did: didForAddress(thief.address, world.chainId) });
    const report = await check(asThief, { challenge: c });
    expect(report.checks.filter((x) => !x.ok)).toEqual([expect.objectContaining({ id: 'credential[0].holder', code: 'HOLDER_MISMATCH' })]);
    // A junk presentation did not burn the challenge... but the thief's well-signed one did.
    const c2 = challenge();
    await check(await present([degree.jwt], { challenge: c2, key: thief }), { challenge: c2 });
    expect((await check(await present([degree.jwt], { challenge: c2 }), { challenge: c2 })).valid).toBe(true);
  });

  it('EXPIRED or MALFORMED time: too old, past exp, or no time at all', async () => {
    const c = challenge();
    expect(firstFailure(await check(await present([degree.jwt], { challenge: c, iat: nowSeconds() - 7200 }), { challenge: c }))).toMatchObject({ id: 'validity-period', code: 'EXPIRED' });
    expect(firstFailure(await check(await present([degree.jwt], { challenge: c, exp: nowSeconds() - 120 }), { challenge: c }))).toMatchObject({ id: 'validity-period', code: 'EXPIRED' });
    expect(firstFailure(await check(await present([degree.jwt], { challenge: c, iat: nowSeconds() + 3600 }), { challenge: c }))).toMatchObject({ id: 'validity-period', code: 'NOT_YET_VALID' });
    expect(firstFailure(await check(await present([degree.jwt], { challenge: c, iat: null }), { challenge: c }))).toMatchObject({ id: 'validity-period', code: 'MALFORMED' });
    // None of these consumed the challenge.
    expect((await check(await present([degree.jwt], { challenge: c }), { challenge: c })).valid).toBe(true);
  });

  it('TOO_LARGE / MALFORMED / ALGORITHM_NOT_ALLOWED: shape, size, algorithm', async () => {
    const c = challenge();
    const many = await present(Array.from({ length: 11 }, () => degree.jwt), { challenge: c });
    expect(firstFailure(await check(many, { challenge: c }))).toMatchObject({ id: 'presentation', code: 'TOO_LARGE' });
    expect(firstFailure(await check(await present([], { challenge: c }), { challenge: c }))).toMatchObject({ id: 'presentation', code: 'MALFORMED' });
    // A credential is not a presentation, nor the other way round.
    expect(firstFailure(await check(degree.jwt, { challenge: c }))).toMatchObject({ id: 'presentation', code: 'MALFORMED' });
    expect(firstFailure(await verifyCredential(await present([degree.jwt], { challenge: c }), world.trust))).toMatchObject({ id: 'claims', code: 'MALFORMED' });
    const vp = await present([degree.jwt], { challenge: c });
    expect(firstFailure(await check(withSegment(vp, 0, { alg: 'none' }).replace(/\.[^.]*$/, '.'), { challenge: c }))).toMatchObject({ id: 'algorithm', code: 'ALGORITHM_NOT_ALLOWED' });
    expect(firstFailure(await check(vp.slice(0, 40), { challenge: c }))).toMatchObject({ id: 'structure', code: 'MALFORMED' });
    expect(firstFailure(await check('x'.repeat(300_000), { challenge: c }))).toMatchObject({ id: 'structure', code: 'TOO_LARGE' });
    for (const input of [null, 7, { jwt: vp }]) expect(firstFailure(await check(input, { challenge: c }))).toMatchObject({ id: 'structure', code: 'MALFORMED' });
    expect(firstFailure(await check(flipBit(vp, 2, 5, 1), { challenge: c }))).toMatchObject({ id: 'signature', code: 'SIGNATURE_INVALID' });
  });

  it('NONCE_UNAVAILABLE: the nonce store cannot answer, or there is none (fail closed)', async () => {
    const c = challenge();
    const vp = await present([degree.jwt], { challenge: c });
    const down = memoryNonceStore();
    down.failWith = new Error('Redis: connection refused');
    expect(firstFailure(await verifier.verifyPresentation(vp, { challenge: c, domain: DOMAIN, nonces: down }))).toMatchObject({ id: 'nonce', code: 'NONCE_UNAVAILABLE' });
    expect(firstFailure(await verifier.verifyPresentation(vp, { challenge: c, domain: DOMAIN }))).toMatchObject({ id: 'nonce', code: 'NONCE_UNAVAILABLE' });
  });

  it('a key the holder rotated out cannot present any more (the latest document counts)', async () => {
    const citizen = Wallet.createRandom();
    const did = didForAddress(citizen.address, world.chainId);
    const own = await education.issue({ subject: did });
    await education.anchor();
    const c1 = challenge();
    expect((await check(await present([own.jwt], { challenge: c1, key: citizen, did }), { challenge: c1 })).valid).toBe(true);
    const next = Wallet.createRandom();
    await world.fund(citizen.address);
    await world.registry(citizen).changeOwner(citizen.address, next.address);
    const c2 = challenge();
    expect(firstFailure(await check(await present([own.jwt], { challenge: c2, key: citizen, did }), { challenge: c2 }))).toMatchObject({ id: 'signature', code: 'SIGNATURE_INVALID' });
    expect((await check(await present([own.jwt], { challenge: c2, key: next, did }), { challenge: c2 })).valid).toBe(true);
  });

  it('RESOLUTION_UNAVAILABLE when the holder\'s DID cannot be resolved', async () => {
    const contracts = world.ledger.current.contracts;
    const dead = createLedgerTrust({
      rpcUrl: 'http://127.0.0.1:1',
      chainId: world.chainId,
      contracts: { EthereumDIDRegistry: contracts.EthereumDIDRegistry.address, Anchor: contracts.Anchor.address, TrustedIssuers: contracts.TrustedIssuers.address },
      timeoutMs: 2_000,
    });
    try {
      const c = challenge();
      const vp = await present([degree.jwt], { challenge: c });
      const withVersions = await verifyPresentation(vp, { ...world.trust, dids: dead.dids, didVersions: dead.didVersions }, { challenge: c, domain: DOMAIN, nonces });
      expect(firstFailure(withVersions)).toMatchObject({ id: 'holder-keys', code: 'RESOLUTION_UNAVAILABLE' });
      const { didVersions: _omit, ...noVersions } = world.trust;
      const latestOnly = await verifyPresentation(vp, { ...noVersions, dids: dead.dids }, { challenge: c, domain: DOMAIN, nonces });
      expect(firstFailure(latestOnly)).toMatchObject({ id: 'holder-keys', code: 'RESOLUTION_UNAVAILABLE' });
    } finally {
      dead.close();
    }
  });
});
