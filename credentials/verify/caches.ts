import type { KeyObject } from 'node:crypto';
import type { DIDDocument } from 'did-resolver';
import type { ParsedStatusList } from '../status/read-status.ts';
import { KeyCache } from './issuer-keys.ts';
import { LruMap } from './lru-map.ts';
import type { AccreditationEntry } from './trust.ts';

/**
 * The caches a verifier instance owns (createVerifier), passed explicitly to the pipeline; no
 * module state. Each holds either facts that can never change, or answers whose lifetime is
 * bounded so that no check is weakened:
 *
 * - `assertionKeys`: an issuer's assertionMethod keys by (DID, anchoring block). A block's state
 *   never changes (no reorgs on ganache or QBFT), so the set is true forever.
 * - `authenticationKeys`: a holder's authentication keys by (DID, version of its last change);
 *   the version is read per presentation, so a rotation counts from the next one.
 * - `accountKeys`: the public key recovered for an Ethereum address (a fact of the curve).
 * - `anchorings`: a credential's verified anchoring by (issuer, jti), kept with the digest it was
 *   verified for: another credential reusing the jti has another digest and is refused.
 * - `checkpoints`: a checkpoint (log, size, root) found on chain (the Anchor contract is
 *   append-only), with the leaves for which it is the first checkpoint and the DIDs whose
 *   signature over it was verified.
 * - `statusLists`: a decoded, signature-checked list by URL until its ttl / max-age (bounded),
 *   so a revocation shows at the latest when the entry expires.
 * - `accreditations`: an issuer's TrustedIssuers history for a few seconds, used only for times
 *   before it was read (see check-accreditation.ts).
 * - `history`: documents read only to explain a failed signature (which key, rotated when):
 *   versioned ones for good, the latest for 30 s. They choose between two refusal codes and
 *   never make anything valid; caching them keeps forged signatures from costing the ledger.
 */
export interface AnchoringFact {
  /** Hex SHA-256 of the signing input the anchoring was verified for. */
  digest: string;
  logName: string;
  leafIndex: number;
  treeSize: number;
  blockNumber: number;
  blockTime: number;
}

export interface CheckpointFact {
  blockNumber: number;
  blockTime: number;
  /** Leaves [firstLeaf, treeSize) have this checkpoint as the first one containing them. */
  firstLeaf: number;
  /** DIDs whose signature over this checkpoint's statement verified at its block. */
  signers: Set<string>;
}

export interface CachedStatusList {
  /** The DID that signed the list credential. */
  issuer: string;
  list: ParsedStatusList;
  /** Verifier clock (ms) when it was fetched, and when the cached copy stops counting. */
  fetchedAtMs: number;
  expiresAtMs: number;
}

export interface CachedAccreditations {
  entries: readonly AccreditationEntry[];
  /** Verifier clock (ms) when the history was read. */
  readAtMs: number;
}

export interface HistoryDocument {
  document: DIDDocument;
  metadata?: { versionId?: string | number; [key: string]: unknown };
}

export interface VerifierCaches {
  readonly clock: () => number;
  readonly assertionKeys: KeyCache;
  readonly authenticationKeys: KeyCache;
  readonly accountKeys: LruMap<KeyObject>;
  readonly anchorings: LruMap<AnchoringFact>;
  readonly checkpoints: LruMap<CheckpointFact>;
  readonly statusLists: LruMap<CachedStatusList>;
  readonly accreditations: LruMap<CachedAccreditations>;
  /** DID documents read to explain a failed signature (diagnose-signature.ts); they never decide validity. */
  readonly history: LruMap<HistoryDocument>;
  /** Requests in flight by key, so concurrent verifications of one issuer share one fetch. */
  readonly inflight: Map<string, Promise<unknown>>;
}

export interface CacheOptions {
  /** Milliseconds clock for expiries (default Date.now); tests pass their own. */
  clock?: () => number;
  /** Bound of each cache (default 10,000 entries; anchorings 100,000). */
  maxEntries?: number;
}

export function createVerifierCaches(options: CacheOptions = {}): VerifierCaches {
  const clock = options.clock ?? Date.now;
  const maxEntries = options.maxEntries ?? 10_000;
  return {
    clock,
    assertionKeys: new KeyCache({ maxEntries }),
    authenticationKeys: new KeyCache({ maxEntries }),
    accountKeys: new LruMap({ maxEntries, clock }),
    anchorings: new LruMap({ maxEntries: options.maxEntries ?? 100_000, clock }),
    checkpoints: new LruMap({ maxEntries, clock }),
    statusLists: new LruMap({ maxEntries, clock }),
    accreditations: new LruMap({ maxEntries, clock }),
    history: new LruMap({ maxEntries, clock }),
    inflight: new Map(),
  };
}

/**
 * Refresh ahead: an entry used in the last fifth of its lifetime (read at `readAtMs`, counting
 * until `expiresAtMs`) is read again in the background (`coalescedRead`: one read per key at a
 * time, as the blocking read is), while the
 * cached copy still answers. A verifier under steady load then never waits on the ledger or a
 * status list URL for an entry it already holds, instead of stalling whenever entries expire
 * together. A failed re-read changes nothing: the copy is never used past its own expiry, and
 * the blocking read after that reports the failure.
 */
export function refreshAhead(caches: VerifierCaches, readAtMs: number, expiresAtMs: number, coalescedRead: () => Promise<unknown>): void {
  if (caches.clock() - readAtMs < (expiresAtMs - readAtMs) * 0.8) return;
  coalescedRead().catch(() => undefined);
}

/** Runs `fetch` once for concurrent callers asking the same key. */
export function coalesce<T>(caches: VerifierCaches, key: string, fetch: () => Promise<T>): Promise<T> {
  const pending = caches.inflight.get(key) as Promise<T> | undefined;
  if (pending) return pending;
  const started = fetch().finally(() => caches.inflight.delete(key));
  caches.inflight.set(key, started);
  return started;
}
