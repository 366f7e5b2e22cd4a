import type { DIDDocument } from 'did-resolver';
import type { CredentialProofAnswer } from '../proof/credential-proof.ts';

/**
 * The trust material a verifier is given (never found on its own, never global): small
 * interfaces, each satisfied by a real implementation over the ledger or HTTP
 * (ledger-trust.ts, http-*-source.ts) and by in-memory ones for tests (memory-sources.ts).
 *
 * Every method may throw; the pipeline turns a throw into a failed check (fail closed). Which
 * code depends on the source: the ledger ones become RESOLUTION_UNAVAILABLE (never "unknown
 * DID", never valid), the status list one STATUS_UNAVAILABLE, the nonce store NONCE_UNAVAILABLE.
 */

/** DID documents, latest or as of a block (`versionId`). createDidResolver (anchor/ledger/did.ts) is one. */
export interface DidSource {
  /**
   * Throws with `code` DID_INVALID / DID_UNKNOWN_NETWORK for a DID that is itself wrong (the
   * issuer's fault) and anything else (e.g. RESOLUTION_UNAVAILABLE) when it cannot answer.
   * `metadata.versionId` (the block of the document's last change at or before the version
   * asked, as ethr-did-resolver reports it) lets the verifier walk a DID's history when a
   * signature fails, to tell a rotated-out key from a forgery.
   */
  resolveDocument(did: string, options?: { versionId?: number }): Promise<{ document: DIDDocument; metadata?: { versionId?: string | number; [key: string]: unknown } }>;
}

/**
 * The block of a DID's last change (ERC-1056 `changed(identity)`; 0 when never changed), one
 * eth_call: lets a verifier cache "latest" documents by version and still see a rotation on the
 * next presentation (createDidVersionReader in anchor/ledger/did-version.ts is one).
 */
export interface DidVersionSource {
  currentVersion(did: string): Promise<number>;
}

/**
 * A credential's anchoring proof (credentials/proof/credential-proof.ts), asked by issuer and
 * `jti`. Untrusted: everything in the answer is checked against the credential and the ledger.
 */
export interface ProofSource {
  credentialProof(issuer: string, jti: string): Promise<CredentialProofAnswer>;
}

/** A checkpoint as the Anchor contract stores it (the subset of AnchoredCheckpoint the verifier reads). */
export interface OnChainCheckpoint {
  index: number;
  treeSize: number;
  /** 0x hex. */
  root: string;
  blockNumber: number;
  /** Block time, seconds. */
  blockTimestamp: number;
}

/** Checkpoints from the Anchor contract's storage (an AnchorClient is one). `logId` is the bytes32 id (logIdFor). */
export interface CheckpointSource {
  /** The earliest checkpoint of the log with tree size >= treeSize, or null. */
  findCheckpoint(logId: string, treeSize: number): Promise<OnChainCheckpoint | null>;
  /** The checkpoint at a position of the log's history (throws when there is none). */
  checkpointAt(logId: string, index: number): Promise<OnChainCheckpoint>;
}

/** One entry of an issuer's accreditation history (the subset of Accreditation the verifier reads). */
export interface AccreditationEntry {
  /** bytes32 hex (credentialTypeId). */
  credentialType: string;
  validFrom: number;
  /** The first second it no longer counts (earlier of validUntil and endedAt); null: open-ended. */
  effectiveUntil: number | null;
}

/**
 * The TrustedIssuers history of one issuer, every type, ended entries too (a
 * TrustedIssuersClient is one). The verifier evaluates it locally, with the contract's own rule
 * (`validFrom <= t < effectiveUntil`), so one read serves every credential of that issuer.
 */
export interface AccreditationSource {
  accreditations(issuer: string): Promise<AccreditationEntry[]>;
}

/** What a status list URL served: the list credential (a compact JWT) and an HTTP freshness hint. */
export interface FetchedStatusList {
  jwt: string;
  /** Cache-Control max-age (0 for no-store / no-cache), when the server said. */
  maxAgeSeconds?: number;
}

export interface StatusListSource {
  fetchStatusList(url: string): Promise<FetchedStatusList>;
}

/**
 * Single use of presentation nonces: `consume` answers true the first time a key is seen within
 * `ttlSeconds`, false after; it throws when it cannot tell (the verifier then refuses:
 * NONCE_UNAVAILABLE). The gateway's ReplayGuard satisfies it through a two-line adapter:
 * `{ consume: (nonce, ttl) => guard.claim(`vp|${nonce}`, Date.now() + ttl * 1000) }`.
 */
export interface NonceStore {
  consume(nonce: string, ttlSeconds: number): Promise<boolean>;
}

/** Everything verifyCredential needs; verifyPresentation also takes a NonceStore per call. */
export interface VerifierTrust {
  dids: DidSource;
  proofs: ProofSource;
  checkpoints: CheckpointSource;
  accreditations: AccreditationSource;
  statusLists: StatusListSource;
  /** Optional: with it, holders' "latest" documents are cached per version (one eth_call per presentation). */
  didVersions?: DidVersionSource;
}
