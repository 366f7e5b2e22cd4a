import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeJWT } from 'did-jwt';
import type { DIDDocument } from 'did-resolver';
import { Wallet as EthersWallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { didForAddress } from '../../anchor/ledger/did.ts';
import { walletConsentCommand } from '../../cli/commands/wallet-consent.ts';
import { createConsent } from '../../credentials/consent/create-consent.ts';
import { newConsentId } from '../../credentials/consent/consent-credential.ts';
import { parseConsent } from '../../credentials/consent/parse-consent.ts';
import { verifyConsent } from '../../credentials/consent/verify-consent.ts';
import { nodeES256KSigner } from '../../credentials/sign/es256k-signer.ts';
import type { IssuerResolver } from '../../credentials/verify/verify-jwt.ts';
import { createWallet, walletSigner, type Wallet } from '../../credentials/wallet/index.ts';

/**
 * The consent credential on its own (credentials/consent, issue 6): what the wallet signs
 * (also through `govshare wallet consent`), what a department accepts (the citizen's
 * assertionMethod key, iss = sub, a bounded lifetime, well-formed claims) and refuses.
 * DID documents come from a stub: a fresh did:ethr lists its #controller in authentication
 * and assertionMethod, as the ledger resolves it.
 */
const AGENCY = 'did:ethr:0x539:0x00000000000000000000000000000000000a6e7c';
const PASSPHRASE = 'consent test passphrase';
let dir: string;
let wallet: Wallet;

/** Documents by DID; any other did:ethr is fresh (controller in both relationships). */
function stubResolver(overrides: Record<string, DIDDocument> = {}): IssuerResolver {
  return {
    async resolveDocument(did: string) {
      if (overrides[did]) return { document: overrides[did]! };
      const address = did.split(':').at(-1)!;
      return { document: controllerDocument(did, address, ['authentication', 'assertionMethod']) };
    },
  };
}
function controllerDocument(did: string, address: string, relationships: ('authentication' | 'assertionMethod')[]): DIDDocument {
  const id = `${did}#controller`;
  return {
    id: did,
    verificationMethod: [{ id, type: 'EcdsaSecp256k1RecoveryMethod2020', controller: did, blockchainAccountId: `eip155:1337:${address}` }],
    ...Object.fromEntries(relationships.map((r) => [r, [id]])),
  };
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'govshare-consent-'));
  wallet = await createWallet({ file: path.join(dir, 'wallet.json'), passphrase: PASSPHRASE, chainId: 1337, scrypt: { N: 2 ** 10, r: 8, p: 1 } });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('consent credentials', () => {
  it('govshare wallet consent signs one with the wallet, which a department verifies', async () => {
    const out = path.join(dir, 'consent.jwt');
    const saved = process.env.GOVSHARE_WALLET_PASSPHRASE;
    process.env.GOVSHARE_WALLET_PASSPHRASE = PASSPHRASE;
    try {
      await walletConsentCommand({ wallet: wallet.file, agency: AGENCY, category: ['education.results', 'education.degree'], purpose: 'degree-verification', days: 90, out });
    } finally {
      if (saved === undefined) delete process.env.GOVSHARE_WALLET_PASSPHRASE;
      else process.env.GOVSHARE_WALLET_PASSPHRASE = saved;
    }
    expect(fs.statSync(out).mode & 0o077).toBe(0);
    const jwt = fs.readFileSync(out, 'utf8').trim();
    const { header, payload } = decodeJWT(jwt);
    expect(header).toMatchObject({ alg: 'ES256K', typ: 'JWT' });
    expect(payload).toMatchObject({ iss: wallet.did, sub: wallet.did, vc: { type: ['VerifiableCredential', 'ConsentCredential'], credentialSubject: { agency: AGENCY, purpose: 'degree-verification' } } });
    expect(payload.jti).toMatch(/^urn:govshare:consent:[A-Za-z0-9_-]{43}$/);
    expect(payload.exp! - payload.nbf!).toBe(90 * 86_400);

    const verified = await verifyConsent(jwt, { resolver: stubResolver(), now: new Date() });
    expect(verified).toMatchObject({ jti: payload.jti, citizen: wallet.did, agency: AGENCY, purpose: 'degree-verification', categories: ['education.degree', 'education.results'], jwt });
    expect(verified.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is verified against assertionMethod: a key the citizen lists for authentication only does not sign consents', async () => {
    const consent = await createConsent(walletSigner(wallet), { agency: AGENCY, categories: ['education.degree'], purpose: 'degree-verification', days: 1 });
    const address = wallet.did.split(':').at(-1)!;
    const resolver = stubResolver({ [wallet.did]: controllerDocument(wallet.did, address, ['authentication']) });
    await expect(verifyConsent(consent.jwt, { resolver, now: new Date() })).rejects.toMatchObject({ code: 'CONSENT_INVALID' });
  });

  it('refuses the ledger being down as RESOLUTION_UNAVAILABLE, not as a bad consent', async () => {
    const consent = await createConsent(walletSigner(wallet), { agency: AGENCY, categories: ['education.degree'], purpose: 'degree-verification', days: 1 });
    const down: IssuerResolver = {
      async resolveDocument() {
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8545'), { code: 'RESOLUTION_UNAVAILABLE' });
      },
    };
    await expect(verifyConsent(consent.jwt, { resolver: down, now: new Date() })).rejects.toMatchObject({ code: 'RESOLUTION_UNAVAILABLE' });
  });

  it('refuses, before signing, a consent that lasts too long or says nothing usable', async () => {
    const signer = walletSigner(wallet);
    const base = { agency: AGENCY, categories: ['education.degree'], purpose: 'degree-verification', days: 30 };
    await expect(createConsent(signer, { ...base, days: 731 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(createConsent(signer, { ...base, days: undefined, expiresAt: new Date(Date.now() + 800 * 86_400_000) })).rejects.toMatchObject({ reason: 'LIFETIME_TOO_LONG' });
    for (const wrong of [{ categories: [] }, { categories: ['degree'] }, { categories: ['education.degree', 'education.degree'] }, { purpose: 'Degree Verification' }, { agency: 'human-resources' }]) {
      await expect(createConsent(signer, { ...base, ...wrong })).rejects.toMatchObject({ code: 'CONSENT_INVALID', reason: 'MALFORMED' });
    }
  });

  it('reads the claims a department checks, and refuses a consent about someone other than its signer', () => {
    const citizen = didForAddress(EthersWallet.createRandom().address, 1337);
    const now = Math.floor(Date.now() / 1000);
    const payload = {
      iss: citizen,
      sub: citizen.toLowerCase(),
      jti: newConsentId(),
      nbf: now,
      iat: now,
      exp: now + 3600,
      vc: { type: ['VerifiableCredential', 'ConsentCredential'], credentialSubject: { agency: AGENCY, categories: ['finance.tax'], purpose: 'loan-assessment' } },
    };
    // One identity whatever the case of its address.
    expect(parseConsent(payload)).toMatchObject({ citizen: citizen.toLowerCase(), agency: AGENCY, categories: ['finance.tax'], purpose: 'loan-assessment' });
    expect(() => parseConsent({ ...payload, sub: didForAddress(EthersWallet.createRandom().address, 1337) })).toThrow(expect.objectContaining({ reason: 'ISSUER_NOT_SUBJECT' }));
    expect(() => parseConsent({ ...payload, vc: { ...payload.vc, type: ['VerifiableCredential', 'DegreeCredential'] } })).toThrow(expect.objectContaining({ reason: 'MALFORMED' }));
    expect(() => parseConsent({ ...payload, jti: 'urn:uuid:1' })).toThrow(expect.objectContaining({ reason: 'MALFORMED' }));
    expect(() => parseConsent({ ...payload, exp: undefined })).toThrow(expect.objectContaining({ reason: 'MALFORMED' }));
  });

  it('signed by another key under the citizen\'s DID does not verify', async () => {
    const forged = await createConsent({ did: wallet.did, signer: nodeES256KSigner(EthersWallet.createRandom().privateKey), alg: 'ES256K' }, { agency: AGENCY, categories: ['education.degree'], purpose: 'degree-verification', days: 1 });
    await expect(verifyConsent(forged.jwt, { resolver: stubResolver(), now: new Date() })).rejects.toMatchObject({ code: 'CONSENT_INVALID', reason: 'SIGNATURE_INVALID' });
  });

  it('govshare wallet consent refuses categories of two departments (each registers its own)', async () => {
    await expect(walletConsentCommand({ wallet: wallet.file, agency: AGENCY, category: ['education.degree', 'finance.tax'], purpose: 'degree-verification', days: 1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
