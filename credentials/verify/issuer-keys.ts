import { createHash } from 'node:crypto';
import type { DIDDocument, VerificationMethod } from 'did-resolver';
import { base58ToBytes, multibaseToBytes } from 'did-jwt';
import { computeAddress, Signature, SigningKey } from 'ethers';
import type { CandidateKey } from './check-signature.ts';
import { fail, pass, type CheckResult } from './report.ts';
import { secp256k1JwkPublicKeyObject, secp256k1PublicKeyObject, signatureSForm } from './secp256k1.ts';

/**
 * Check 3: the keys that may sign an issuer's credentials, taken from the DID document as it was
 * at one version (the anchoring block, DESIGN.md "Trust model").
 *
 * Only `assertionMethod` counts (DID Core §5.3.2: it is the relationship for issuing credentials):
 * a key listed only under `authentication` may log the issuer in, not speak for it. did-jwt-vc
 * accepts those unless told `proofPurpose: 'assertionMethod'`; we have no such switch.
 *
 * Two kinds of entries:
 * - a published secp256k1 key (`publicKeyHex`, `publicKeyJwk`, `publicKeyMultibase`, and the
 *   legacy `publicKeyBase58`/`publicKeyBase64` ethr-did-resolver may emit): a KeyObject now;
 * - an account (`EcdsaSecp256k1RecoveryMethod2020` with `blockchainAccountId`, CAIP-10
 *   `eip155:<chain>:<address>`, or legacy `ethereumAddress`): a fresh did:ethr has only this
 *   (`#controller`). Its key is not in the document; it is recovered from the first signature
 *   whose recovered address matches (one recovery in JS, ~2 ms), then kept as a KeyObject, so
 *   every later credential of that issuer verifies natively. did-jwt instead recovers on every
 *   verification.
 *
 * A set is a pure function of (DID, versionId) plus recovered keys that are true for that DID
 * forever, so a `KeyCache` may keep it; documents resolved at "latest" must not be cached
 * (a rotation must take effect on the next verification).
 */

export const CHECK_ISSUER_KEYS = 'issuer-keys';

export interface AccountMethod {
  id: string;
  /** Lower-case 0x address. */
  address: string;
  /** Set once a signature has recovered a key with this address. */
  key?: CandidateKey;
}

export interface IssuerKeySet {
  did: string;
  versionId: number | undefined;
  keys: CandidateKey[];
  accounts: AccountMethod[];
  /** Methods in assertionMethod that were not usable (other curve, unknown reference, bad key), with why. */
  ignored: Array<{ id: string; reason: string }>;
}

/** Verification method types whose bare key bytes (hex, base58, base64) mean a secp256k1 point. */
const SECP256K1_TYPES = new Set([
  'EcdsaSecp256k1VerificationKey2019',
  'EcdsaSecp256k1RecoveryMethod2020',
  'Secp256k1VerificationKey2018',
  'Secp256k1SignatureVerificationKey2018',
  'EcdsaPublicKeySecp256k1',
]);

const CAIP10_EIP155 = /^eip155:[0-9]{1,32}:(0x[0-9a-fA-F]{40})$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

export function assertionKeySet(document: DIDDocument, versionId?: number): IssuerKeySet {
  return keySetOf(document, 'assertionMethod', versionId);
}

/**
 * The candidate keys of one verification relationship: `assertionMethod` for
 * what a DID states (credentials), `authentication` for proving control of the
 * DID (an agency's bearer token). A key in the other relationship never counts.
 */
export function keySetOf(document: DIDDocument, relationship: 'assertionMethod' | 'authentication', versionId?: number): IssuerKeySet {
  const set: IssuerKeySet = { did: String(document?.id), versionId, keys: [], accounts: [], ignored: [] };
  const methods = Array.isArray(document?.verificationMethod) ? document.verificationMethod : [];
  const refs = Array.isArray(document?.[relationship]) ? document[relationship] : [];
  const seen = new Set<string>();
  for (const ref of refs) {
    const method = typeof ref === 'string' ? methods.find((m) => m && sameId(m.id, ref, set.did)) : ref;
    const id = typeof ref === 'string' ? absoluteId(ref, set.did) : absoluteId(String(ref?.id), set.did);
    if (!method || typeof method !== 'object') {
      set.ignored.push({ id, reason: 'not found in verificationMethod' });
      continue;
    }
    if (seen.has(id)) continue;
    seen.add(id);
    try {
      const entry = keyOfMethod(method, id);
      if (entry === undefined) set.ignored.push({ id, reason: `no secp256k1 key material (type ${String(method.type)})` });
      else if ('address' in entry) set.accounts.push(entry);
      else set.keys.push(entry);
    } catch (error) {
      set.ignored.push({ id, reason: (error as Error).message });
    }
  }
  return set;
}

/** Fails when the document, at this version, has nothing that could verify a credential. */
export function checkIssuerKeys(set: IssuerKeySet): CheckResult {
  if (set.keys.length === 0 && set.accounts.length === 0) {
    const at = set.versionId === undefined ? 'in its latest document' : `at block ${set.versionId}`;
    const ignored = set.ignored.length ? ` (ignored: ${set.ignored.map((i) => `${i.id}: ${i.reason}`).join('; ').slice(0, 200)})` : '';
    return fail(CHECK_ISSUER_KEYS, 'KEY_NOT_VALID_AT_ANCHOR_TIME', `${set.did} has no usable assertionMethod key ${at}${ignored}`);
  }
  return pass(CHECK_ISSUER_KEYS);
}

/** The keys known without recovery: published keys and accounts already recovered. */
export function candidateKeys(set: IssuerKeySet): CandidateKey[] {
  const recovered = set.accounts.flatMap((account) => (account.key ? [account.key] : []));
  return recovered.length === 0 ? set.keys : [...recovered, ...set.keys];
}

export function hasUnrecoveredAccounts(set: IssuerKeySet): boolean {
  return set.accounts.some((account) => !account.key);
}

/**
 * Recovers the signer's public key from a 64-byte ES256K signature (both recovery ids, over
 * SHA-256 of the signing input as RFC 8812 §3.2 signs) and binds it to every account of the set
 * whose address it has. Returns the newly bound keys (to be verified by check-signature like any
 * other). Call it only after the known keys failed. High-S and out-of-range signatures are not
 * recovered from: check-signature refuses them anyway. Never throws.
 */
export function recoverAccountKeys(set: IssuerKeySet, signingInput: string, signature: Uint8Array): CandidateKey[] {
  const pending = set.accounts.filter((account) => !account.key);
  if (pending.length === 0 || signatureSForm(signature) !== 'low') return [];
  const digest = createHash('sha256').update(signingInput, 'latin1').digest();
  const r = '0x' + Buffer.from(signature.subarray(0, 32)).toString('hex');
  const s = '0x' + Buffer.from(signature.subarray(32, 64)).toString('hex');
  const bound: CandidateKey[] = [];
  for (const v of [27, 28]) {
    let publicKey: string;
    try {
      publicKey = SigningKey.recoverPublicKey(digest, Signature.from({ r, s, v }));
    } catch {
      continue; // no point for this recovery id
    }
    const address = computeAddress(publicKey).toLowerCase();
    for (const account of pending) {
      if (account.key || account.address !== address) continue;
      try {
        account.key = { id: account.id, key: secp256k1PublicKeyObject(Buffer.from(publicKey.slice(2), 'hex')) };
        bound.push(account.key);
      } catch {
        // cannot happen for a recovered point; stay unbound rather than throw
      }
    }
  }
  return bound;
}

function keyOfMethod(method: VerificationMethod, id: string): CandidateKey | AccountMethod | undefined {
  const m = method as VerificationMethod & { publicKeyBase64?: unknown; ethereumAddress?: unknown };
  if (m.publicKeyJwk !== undefined) {
    if (typeof m.publicKeyJwk !== 'object' || m.publicKeyJwk === null) throw new TypeError('publicKeyJwk is not an object');
    return { id, key: secp256k1JwkPublicKeyObject(m.publicKeyJwk) };
  }
  if (m.publicKeyMultibase !== undefined) {
    if (typeof m.publicKeyMultibase !== 'string') throw new TypeError('publicKeyMultibase is not a string');
    // did-jwt reads the multicodec prefix (secp256k1-pub is 0xe7 0x01); no prefix means "trust the type".
    const { keyBytes, keyType } = multibaseToBytes(m.publicKeyMultibase);
    if (keyType !== undefined ? keyType !== 'Secp256k1' : !SECP256K1_TYPES.has(String(m.type))) throw new TypeError(`publicKeyMultibase is a ${keyType ?? 'untyped'} key`);
    return { id, key: secp256k1PublicKeyObject(keyBytes) };
  }
  const bare = m.publicKeyHex !== undefined ? 'hex' : m.publicKeyBase58 !== undefined ? 'base58' : m.publicKeyBase64 !== undefined ? 'base64' : undefined;
  if (bare !== undefined) {
    if (!SECP256K1_TYPES.has(String(m.type))) return undefined;
    const value = bare === 'hex' ? m.publicKeyHex : bare === 'base58' ? m.publicKeyBase58 : m.publicKeyBase64;
    if (typeof value !== 'string') throw new TypeError(`publicKey${bare} is not a string`);
    const bytes =
      bare === 'hex'
        ? hexBytes(value)
        : bare === 'base58'
          ? base58ToBytes(value)
          : Buffer.from(value, 'base64');
    return { id, key: secp256k1PublicKeyObject(bytes) };
  }
  if (m.blockchainAccountId !== undefined) {
    const match = typeof m.blockchainAccountId === 'string' ? CAIP10_EIP155.exec(m.blockchainAccountId) : null;
    if (!match) throw new TypeError('blockchainAccountId is not an eip155 CAIP-10 account');
    return { id, address: match[1]!.toLowerCase() };
  }
  if (m.ethereumAddress !== undefined) {
    if (typeof m.ethereumAddress !== 'string' || !ADDRESS.test(m.ethereumAddress)) throw new TypeError('ethereumAddress is not an address');
    return { id, address: m.ethereumAddress.toLowerCase() };
  }
  return undefined;
}

function hexBytes(value: string): Buffer {
  const hex = value.replace(/^0x/i, '');
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(hex)) throw new TypeError('publicKeyHex is not hex');
  return Buffer.from(hex, 'hex');
}

function absoluteId(id: string, did: string): string {
  return id.startsWith('#') ? `${did}${id}` : id;
}

function sameId(methodId: unknown, ref: string, did: string): boolean {
  return typeof methodId === 'string' && absoluteId(methodId, did) === absoluteId(ref, did);
}

/**
 * Key sets by (DID, versionId), least recently used evicted first. Passed in by whoever owns the
 * verifier's lifetime (no module state); only versioned sets belong here.
 */
export class KeyCache {
  readonly #entries = new Map<string, IssuerKeySet>();
  readonly maxEntries: number;

  constructor(options: { maxEntries?: number } = {}) {
    this.maxEntries = Math.max(1, options.maxEntries ?? 10_000);
  }

  get(did: string, versionId: number): IssuerKeySet | undefined {
    const key = cacheKey(did, versionId);
    const set = this.#entries.get(key);
    if (set) {
      this.#entries.delete(key); // move to most recently used
      this.#entries.set(key, set);
    }
    return set;
  }

  set(did: string, versionId: number, set: IssuerKeySet): void {
    const key = cacheKey(did, versionId);
    this.#entries.delete(key);
    while (this.#entries.size >= this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(key, set);
  }

  get size(): number {
    return this.#entries.size;
  }

  clear(): void {
    this.#entries.clear();
  }
}

function cacheKey(did: string, versionId: number): string {
  // A DID never contains a space (DID Core §3.1 ABNF), so this separator cannot be forged.
  return `${did} ${versionId}`;
}
