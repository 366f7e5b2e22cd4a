import { createJWT, ES256KSigner } from 'did-jwt';
import type { DIDDocument } from 'did-resolver';
import { Wallet } from 'ethers';
import { describe, expect, it } from 'vitest';
import { didForAddress } from '../../anchor/ledger/did.ts';
import { nodeES256KSigner } from '../../credentials/sign/es256k-signer.ts';
import { signRequest } from '../../credentials/request/sign-request.ts';
import { verifyRequest, type VerifyRequestOptions } from '../../credentials/request/verify-request.ts';
import { GovshareError } from '../../platform/errors.ts';
import { callerRole } from '../../subgraphs/kit/credentials/authorize.ts';

/**
 * The signed request a credential mutation takes (credentials/request): every check that
 * refuses one, with its code and reason, against DID documents held in memory (a fresh
 * did:ethr's: only the #controller account, in authentication and assertionMethod).
 */
const wallet = Wallet.createRandom();
const caller = { did: didForAddress(wallet.address, 1337), privateKey: wallet.privateKey };
const department = didForAddress(Wallet.createRandom().address, 1337);
const subject = caller.did;

function freshDocument(did: string, address: string, relationships: ('authentication' | 'assertionMethod')[] = ['authentication', 'assertionMethod']): DIDDocument {
  const id = `${did}#controller`;
  return {
    id: did,
    verificationMethod: [{ id, type: 'EcdsaSecp256k1RecoveryMethod2020', controller: did, blockchainAccountId: `eip155:1337:${address}` }],
    ...Object.fromEntries(relationships.map((r) => [r, [id]])),
  };
}

const documents = new Map<string, DIDDocument>([[caller.did, freshDocument(caller.did, wallet.address)]]);
const resolver = {
  async resolveDocument(did: string) {
    const document = documents.get(did);
    if (!document) throw new GovshareError('DID_INVALID', `unknown ${did}`);
    return { document };
  },
};
const options = (extra: Partial<VerifyRequestOptions> = {}): VerifyRequestOptions => ({
  resolver,
  audience: department,
  expect: { purpose: 'issue-credential', subject, type: 'DegreeCredential' },
  now: new Date(),
  ...extra,
});
const sign = (extra: Partial<Parameters<typeof signRequest>[0]> = {}) =>
  signRequest({ caller, audience: department, subject, purpose: 'issue-credential', type: 'DegreeCredential', ...extra });
/** A request with any payload, signed by `key` (ES256K unless alg says otherwise). */
async function raw(payload: Record<string, unknown>, key = caller.privateKey, alg = 'ES256K') {
  const iat = Math.floor(Date.now() / 1000);
  const signer = alg === 'ES256K-R' ? ES256KSigner(Buffer.from(key.slice(2), 'hex'), true) : nodeES256KSigner(key);
  return createJWT(
    { aud: department, sub: subject, purpose: 'issue-credential', type: 'DegreeCredential', requestId: 'r'.repeat(22), iat, exp: iat + 60, ...payload },
    { issuer: caller.did, signer },
    { alg },
  );
}
const refusal = async (jwt: unknown, extra: Partial<VerifyRequestOptions> = {}) => {
  try {
    await verifyRequest(jwt, options(extra));
  } catch (error) {
    return { code: (error as GovshareError).code, reason: (error as GovshareError).detail?.reason };
  }
  throw new Error('the request was accepted');
};

describe('signed requests', () => {
  it('verifies a request signed by the caller\'s authentication key, bound to its operation', async () => {
    const verified = await verifyRequest(await sign({ requestId: 'request-0123456789abcdef' }), options());
    expect(verified).toMatchObject({ caller: caller.did, subject, purpose: 'issue-credential', type: 'DegreeCredential', requestId: 'request-0123456789abcdef' });
    expect(verified.expiresAt.getTime() - verified.issuedAt.getTime()).toBe(120_000);
    const revoke = await sign({ purpose: 'revoke-credential', type: undefined, credentialId: 'urn:govshare:vc:x' });
    expect(await verifyRequest(revoke, options({ expect: { purpose: 'revoke-credential', credentialId: 'urn:govshare:vc:x' } }))).toMatchObject({ credentialId: 'urn:govshare:vc:x' });
  });

  it('accepts ES256K-R, and refuses one whose recovery byte is not a recovery id', async () => {
    const recoverable = await raw({}, caller.privateKey, 'ES256K-R');
    expect((await verifyRequest(recoverable, options())).caller).toBe(caller.did);
    const [h, p, s] = recoverable.split('.');
    const bytes = Buffer.from(s!, 'base64url');
    bytes[64] = 7;
    expect(await refusal(`${h}.${p}.${bytes.toString('base64url')}`)).toEqual({ code: 'REQUEST_INVALID', reason: 'SIGNATURE_INVALID' });
  });

  it('refuses a key the DID lists only for assertions: requests need authentication', async () => {
    documents.set(caller.did, freshDocument(caller.did, wallet.address, ['assertionMethod']));
    try {
      expect((await refusal(await sign())).code).toBe('REQUEST_INVALID');
    } finally {
      documents.set(caller.did, freshDocument(caller.did, wallet.address));
    }
  });

  it('names the check that refused each bad request', async () => {
    const other = Wallet.createRandom().privateKey;
    expect(await refusal(await raw({}, other))).toEqual({ code: 'REQUEST_INVALID', reason: 'SIGNATURE_INVALID' });
    expect(await refusal('nonsense')).toEqual({ code: 'REQUEST_INVALID', reason: 'MALFORMED' });
    expect(await refusal(42)).toEqual({ code: 'REQUEST_INVALID', reason: 'MALFORMED' });
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${(await sign()).split('.')[1]}.`;
    expect(await refusal(none)).toEqual({ code: 'REQUEST_INVALID', reason: 'ALGORITHM_NOT_ALLOWED' });
    expect(await refusal(await sign({ now: new Date(Date.now() - 3_600_000) }))).toEqual({ code: 'REQUEST_EXPIRED', reason: 'EXPIRED' });
    expect(await refusal(await sign({ now: new Date(Date.now() + 3_600_000) }))).toEqual({ code: 'REQUEST_INVALID', reason: 'NOT_YET_VALID' });
    const iat = Math.floor(Date.now() / 1000);
    expect(await refusal(await raw({ iat, exp: iat + 301 }))).toEqual({ code: 'REQUEST_INVALID', reason: 'LIFETIME_TOO_LONG' });
    expect(await refusal(await raw({ exp: undefined }))).toEqual({ code: 'REQUEST_INVALID', reason: 'MALFORMED' });
    expect(await refusal(await raw({ requestId: 'short' }))).toEqual({ code: 'REQUEST_INVALID', reason: 'MALFORMED' });
    expect(await refusal(await raw({ aud: caller.did }))).toEqual({ code: 'REQUEST_INVALID', reason: 'AUDIENCE_MISMATCH' });
    expect(await refusal(await raw({ aud: [department] }))).toEqual({ code: 'REQUEST_INVALID', reason: 'AUDIENCE_MISMATCH' });
    expect(await refusal(await raw({ purpose: 'anything' }))).toEqual({ code: 'REQUEST_INVALID', reason: 'PURPOSE_MISMATCH' });
    expect(await refusal(await raw({ purpose: 'suspend-credential' }))).toEqual({ code: 'REQUEST_INVALID', reason: 'PURPOSE_MISMATCH' });
    expect(await refusal(await raw({ sub: department }))).toEqual({ code: 'REQUEST_INVALID', reason: 'SUBJECT_MISMATCH' });
    expect(await refusal(await raw({ type: 'TranscriptCredential' }))).toEqual({ code: 'REQUEST_INVALID', reason: 'TYPE_MISMATCH' });
  });

  it('says RESOLUTION_UNAVAILABLE, never "invalid", when the caller\'s DID cannot be read', async () => {
    const down = { resolveDocument: async () => Promise.reject(new GovshareError('RESOLUTION_UNAVAILABLE', 'connect ECONNREFUSED')) };
    expect(await refusal(await sign(), { resolver: down })).toEqual({ code: 'RESOLUTION_UNAVAILABLE', reason: 'RESOLUTION_UNAVAILABLE' });
  });

  it('refuses to sign a request that would live longer than five minutes', async () => {
    await expect(sign({ lifetimeSeconds: 301 })).rejects.toThrow(RangeError);
    await expect(sign({ requestId: 'short' })).rejects.toThrow(RangeError);
  });

  it('tells an officer from the subject, whatever the case of a did:ethr address', () => {
    const officer = didForAddress(Wallet.createRandom().address, 1337);
    const checksummed = (did: string) => did.replace(/0x[0-9a-f]{40}$/, (address) => address.toUpperCase().replace('0X', '0x'));
    const dept = { did: department, officers: [checksummed(officer)] };
    expect(callerRole(department, subject, dept)).toBe('officer');
    expect(callerRole(officer, subject, dept)).toBe('officer');
    expect(callerRole(checksummed(subject), subject, dept)).toBe('subject');
    expect(callerRole(subject, department, dept)).toBeUndefined();
    expect(callerRole('did:key:z6MkABC', 'did:key:z6Mkabc', dept)).toBeUndefined();
  });
});
