import type { KeyObject } from 'node:crypto';
import type { DIDDocument } from 'did-resolver';
import { checkSignature, type SignatureResult } from './check-signature.ts';
import { candidateKeys, CHECK_ISSUER_KEYS, hasUnrecoveredAccounts, keySetOf, recoverAccountKeys, type IssuerKeySet, type KeyCache } from './issuer-keys.ts';
import type { LruMap } from './lru-map.ts';
import { describe, fail, type FailedCheck } from './report.ts';
import type { DidSource } from './trust.ts';

/**
 * A DID's keys for one verification relationship, as of a version, through the caches:
 * resolution once per (DID, version), account keys recovered once per address.
 */
export interface ResolveKeysOptions {
  /** Block at which the keys count; unset: the latest document, never cached. */
  versionId?: number;
  relationship: 'assertionMethod' | 'authentication';
  keyCache?: KeyCache;
  /** Public keys already recovered for Ethereum addresses (a fact of the curve, shared by every set). */
  accountKeys?: LruMap<KeyObject>;
  /** Id of the check a failure is reported under (default issuer-keys). */
  checkId?: string;
}

/** The key set, or the failed check: ISSUER_INVALID (a DID that is itself wrong) or RESOLUTION_UNAVAILABLE (anything else). */
export async function resolveKeySet(dids: DidSource, did: string, options: ResolveKeysOptions): Promise<IssuerKeySet | FailedCheck> {
  const { versionId, keyCache } = options;
  const checkId = options.checkId ?? CHECK_ISSUER_KEYS;
  const cached = versionId !== undefined ? keyCache?.get(did, versionId) : undefined;
  if (cached) return cached;
  let document: DIDDocument;
  try {
    ({ document } = await dids.resolveDocument(did, versionId === undefined ? {} : { versionId }));
  } catch (error) {
    return resolutionFailure(checkId, error);
  }
  if (document?.id !== did) return fail(checkId, 'ISSUER_INVALID', `resolved document is for ${describe(document?.id)}, not ${did}`);
  const set = keySetOf(document, options.relationship, versionId);
  if (options.accountKeys) bindKnownAccounts(set, options.accountKeys);
  if (versionId !== undefined) keyCache?.set(did, versionId, set);
  return set;
}

/**
 * Only a DID that is itself wrong is the issuer's fault; anything else (outage, unexpected
 * error) is RESOLUTION_UNAVAILABLE, so an outage never reads as "unknown DID" nor as valid.
 */
export function resolutionFailure(checkId: string, error: unknown): FailedCheck {
  const code = (error as { code?: unknown })?.code;
  const mapped = code === 'DID_INVALID' || code === 'DID_UNKNOWN_NETWORK' ? 'ISSUER_INVALID' : 'RESOLUTION_UNAVAILABLE';
  const message = (error as Error)?.message;
  return fail(checkId, mapped, typeof message === 'string' ? message.slice(0, 200) : undefined);
}

function bindKnownAccounts(set: IssuerKeySet, accountKeys: LruMap<KeyObject>): void {
  for (const account of set.accounts) {
    if (account.key) continue;
    const key = accountKeys.get(account.address);
    if (key) account.key = { id: account.id, key };
  }
}

/**
 * check-signature over a key set: known keys first (the native fast path); an account's key is
 * recovered (JS, ~2 ms) only when they all fail, then remembered for its address.
 */
export function verifyWithKeySet(signingInput: string, signature: Uint8Array, set: IssuerKeySet, accountKeys?: LruMap<KeyObject>): SignatureResult {
  let result = checkSignature(signingInput, signature, candidateKeys(set));
  if (!result.check.ok && hasUnrecoveredAccounts(set)) {
    const recovered = recoverAccountKeys(set, signingInput, signature);
    if (recovered.length > 0) {
      if (accountKeys) {
        for (const account of set.accounts) if (account.key && recovered.includes(account.key)) accountKeys.set(account.address, account.key.key);
      }
      result = checkSignature(signingInput, signature, recovered);
    }
  }
  return result;
}
