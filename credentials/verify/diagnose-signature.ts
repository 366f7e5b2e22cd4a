import { createHash, verify } from 'node:crypto';
import { computeAddress, Signature, SigningKey } from 'ethers';
import type { DIDDocument } from 'did-resolver';
import type { HistoryDocument } from './caches.ts';
import { keySetOf } from './issuer-keys.ts';
import type { LruMap } from './lru-map.ts';
import { fail, type FailedCheck } from './report.ts';
import { resolutionFailure } from './resolve-keys.ts';
import { signatureSForm } from './secp256k1.ts';
import type { DidSource } from './trust.ts';

/**
 * Why a signature failed, asked only on the failure path (the genuine path never comes here):
 * was it made by a key the issuer had at ANOTHER time than the anchoring block, or by no key of
 * the issuer at all?
 *
 * - KEY_NOT_VALID_AT_ANCHOR_TIME: the signature verifies under a key of an earlier version of
 *   the issuer's document (rotated out before the credential was anchored: ERC-1056
 *   `changeOwner`, `revokeAttribute`, a revoked delegate) or of its latest document (published
 *   only after the anchoring). A delegate that merely expired (no event) is not found this way
 *   and reads SIGNATURE_INVALID: invalid either way. A signature with a rotated-out key is exactly what a
 *   stolen old key produces, and it must not count (DESIGN.md "Trust model").
 * - SIGNATURE_INVALID: no key in that history verifies it (a bit flip, another signer, a
 *   malleated high-S copy, which is never diagnosed).
 *
 * "Any signature recovers to some address", so recovery alone proves nothing: a recovered
 * address counts only if the issuer's own document listed it. Bounded: the latest document plus
 * at most `maxVersions` earlier versions, walked back through `metadata.versionId` (the block of
 * each version's last change) with versioned resolutions, which a resolver may cache. A ledger
 * that cannot answer here gives RESOLUTION_UNAVAILABLE (never valid either way).
 */

export const DEFAULT_MAX_DIAGNOSED_VERSIONS = 8;

/** How long the latest document is kept for diagnosis (it only picks the refusal code). */
export const LATEST_HISTORY_TTL_MS = 30_000;

export interface DiagnoseOptions {
  did: string;
  /** The anchoring block, at which no key verified the signature. */
  versionId: number;
  relationship: 'assertionMethod' | 'authentication';
  checkId: string;
  maxVersions?: number;
  /** Documents already read for diagnosis (VerifierCaches.history), so repeated forgeries cost no resolution. */
  history?: LruMap<HistoryDocument>;
  clock?: () => number;
}

export async function diagnoseSignature(dids: DidSource, signingInput: string, signature: Uint8Array, options: DiagnoseOptions): Promise<FailedCheck> {
  const { did, versionId, relationship, checkId } = options;
  const invalid = (detail: string) => fail(checkId, 'SIGNATURE_INVALID', detail);
  const form = signature.length === 64 ? signatureSForm(signature) : 'invalid';
  if (form === 'high') return invalid('S is in the high half of the curve order (malleated signature)');
  if (form !== 'low') return invalid('not a 64-byte ES256K signature with R and S in [1, n-1]');

  const data = Buffer.from(signingInput, 'latin1');
  const recovered = recoverAddresses(data, signature);
  const signedBy = (document: DIDDocument): string | undefined => {
    const set = keySetOf(document, relationship);
    for (const candidate of set.keys) {
      try {
        if (verify('sha256', data, { key: candidate.key, dsaEncoding: 'ieee-p1363' }, signature)) return candidate.id;
      } catch {
        // a key that cannot verify does not match
      }
    }
    return set.accounts.find((account) => recovered.includes(account.address))?.id;
  };

  const resolve = async (versionId?: number): Promise<HistoryDocument> => {
    const key = `${did}\u0000${versionId ?? 'latest'}`;
    const known = options.history?.get(key);
    if (known) return known;
    const found = await dids.resolveDocument(did, versionId === undefined ? {} : { versionId });
    options.history?.set(key, found, versionId === undefined ? (options.clock ?? Date.now)() + LATEST_HISTORY_TTL_MS : Infinity);
    return found;
  };

  try {
    const latest = await resolve();
    const now = signedBy(latest.document);
    if (now) return fail(checkId, 'KEY_NOT_VALID_AT_ANCHOR_TIME', `signed by ${now}, which ${did} lists only after the anchoring block ${versionId}`);

    let at = versionId;
    let { metadata } = await resolve(at);
    for (let step = 0; step < (options.maxVersions ?? DEFAULT_MAX_DIAGNOSED_VERSIONS); step++) {
      const changedAt = Number(metadata?.versionId ?? 0);
      // The version in force at `at` began at block `changedAt`; the one before it ended there.
      if (!Number.isSafeInteger(changedAt) || changedAt <= 0 || changedAt > at) break;
      at = changedAt - 1;
      const earlier = await resolve(at);
      const then = signedBy(earlier.document);
      if (then) return fail(checkId, 'KEY_NOT_VALID_AT_ANCHOR_TIME', `signed by ${then}, which ${did} no longer listed at the anchoring block ${versionId} (rotated out at block ${changedAt})`);
      metadata = earlier.metadata;
    }
  } catch (error) {
    return resolutionFailure(checkId, error);
  }
  return invalid(`does not verify under any key ${did} has listed up to the anchoring block ${versionId}`);
}

/** The addresses of the keys a 64-byte signature over SHA-256(data) recovers to (both recovery ids). */
function recoverAddresses(data: Buffer, signature: Uint8Array): string[] {
  const digest = createHash('sha256').update(data).digest();
  const r = '0x' + Buffer.from(signature.subarray(0, 32)).toString('hex');
  const s = '0x' + Buffer.from(signature.subarray(32, 64)).toString('hex');
  const addresses: string[] = [];
  for (const v of [27, 28]) {
    try {
      addresses.push(computeAddress(SigningKey.recoverPublicKey(digest, Signature.from({ r, s, v }))).toLowerCase());
    } catch {
      // no point for this recovery id
    }
  }
  return addresses;
}
