import { coalesce, createVerifierCaches, type CheckpointFact, type VerifierCaches } from './caches.ts';
import { DEFAULT_ACCREDITATION_TTL_MS, DEFAULT_MAX_ANCHOR_DELAY_SECONDS, MAX_ACCREDITATION_TTL_MS, checkAccreditation } from './check-accreditation.ts';
import { checkAlgorithm, CREDENTIAL_ALGORITHMS } from './check-algorithm.ts';
import { CHECK_ANCHOR_PROOF, fetchAnchorProof, messageOf, type ValidatedProof } from './check-anchor-proof.ts';
import { CHECK_ANCHORED, checkAnchored } from './check-anchored.ts';
import { CHECK_CHECKPOINT_SIGNATURE, checkCheckpointSignature } from './check-checkpoint-signature.ts';
import { checkCredentialClaims, type CredentialClaims } from './check-claims.ts';
import { CHECK_DIGEST, CHECK_INCLUSION, checkDigest, checkInclusion, signingInputDigest } from './check-inclusion.ts';
import { CHECK_SIGNATURE } from './check-signature.ts';
import { checkStatus, DEFAULT_MAX_STATUS_LIST_BYTES, DEFAULT_STATUS_TTL_MS, MAX_STATUS_TTL_MS } from './check-status.ts';
import { checkStructure, DEFAULT_MAX_JWS_BYTES, type DecodedJws } from './check-structure.ts';
import { checkTime, DEFAULT_SKEW_SECONDS, MAX_SKEW_SECONDS } from './check-time.ts';
import { diagnoseSignature } from './diagnose-signature.ts';
import { checkIssuerKeys } from './issuer-keys.ts';
import { fail, pass, toReport, type CheckResult, type VerificationReport } from './report.ts';
import { resolveKeySet, verifyWithKeySet } from './resolve-keys.ts';
import type { VerifierTrust } from './trust.ts';

/**
 * The credential verifier (issue 5): one pipeline of small named checks, each a line of the
 * report (DESIGN.md "Verification report"), in this order:
 *
 *   structure → algorithm → claims → anchor-proof → digest → inclusion → anchored →
 *   issuer-keys → signature → checkpoint-signature → validity-period → issuer-accredited → status
 *
 * It stops at the first failure that makes the rest meaningless, so a forgery costs no more
 * network than it must. Why this order:
 * - the anchoring comes before the keys because it gives the block at which the issuer's keys
 *   count (versionId = the anchoring block: DESIGN.md "Trust model"), so a rotated-out key
 *   cannot sign new credentials and a rotation does not break old ones;
 * - the credential's signature comes before the checkpoint's, so a credential signed with a
 *   rotated-out key says KEY_NOT_VALID_AT_ANCHOR_TIME (diagnose-signature.ts) whoever anchored it;
 * - a changed header or payload is another signing input, which its issuer never anchored:
 *   NOT_ANCHORED (digest). A changed signature keeps the signing input: SIGNATURE_INVALID.
 *   A high-S copy of a genuine signature is refused (check-signature.ts): one credential has one
 *   JWT string.
 *
 * Trust material comes in (VerifierTrust), caches too (VerifierCaches, owned by a verifier
 * instance: verifier.ts); without caches each call starts cold. Never throws on hostile input:
 * an unexpected error becomes a VERIFIER_ERROR line, never a valid report.
 *
 * Warm path (every cache hit): one JWT decode, one SHA-256 of the signing input, map lookups,
 * one native crypto.verify with a cached KeyObject, an O(1) bit read. No resolution, no network.
 */

export const CHECK_VERIFIER = 'verifier';

export interface VerifyCredentialOptions {
  /** The verifier's clock for validity periods (default now). */
  now?: Date;
  /** Clock skew allowed between issuer and verifier, seconds (default 60, at most 300). */
  skewSeconds?: number;
  /** Size cap of the credential JWT (default 64 KiB): TOO_LARGE beyond. */
  maxBytes?: number;
  /** nbf may precede the anchoring block's time by at most this (default 3600 s): see check-accreditation.ts. */
  maxAnchorDelaySeconds?: number;
  /** Refuse a credential without credentialStatus (default true): see check-status.ts. */
  requireStatus?: boolean;
  /** Status list caching: default ttl when a list states none (30 s), upper bound (300 s), fetch size cap (1 MiB). */
  statusList?: { defaultTtlMs?: number; maxTtlMs?: number; maxBytes?: number };
  /** How long an issuer's accreditation history is kept (default 10 s, at most 60 s). */
  accreditationTtlMs?: number;
  /** Caches to use and fill (a verifier instance passes its own). */
  caches?: VerifierCaches;
}

export interface CredentialSettings {
  skewSeconds: number;
  maxBytes: number;
  maxAnchorDelaySeconds: number;
  requireStatus: boolean;
  statusTtlMs: number;
  statusMaxTtlMs: number;
  statusMaxBytes: number;
  accreditationTtlMs: number;
}

/** Options with defaults, checked: a misconfiguration throws (RangeError) rather than weakening a check. */
export function credentialSettings(options: VerifyCredentialOptions = {}): CredentialSettings {
  const range = (name: string, value: number, min: number, max: number) => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) throw new RangeError(`${name} must be between ${min} and ${max}, got ${value}`);
    return value;
  };
  const statusMaxTtlMs = range('statusList.maxTtlMs', options.statusList?.maxTtlMs ?? MAX_STATUS_TTL_MS, 0, 24 * 3600_000);
  return {
    skewSeconds: range('skewSeconds', options.skewSeconds ?? DEFAULT_SKEW_SECONDS, 0, MAX_SKEW_SECONDS),
    maxBytes: range('maxBytes', options.maxBytes ?? DEFAULT_MAX_JWS_BYTES, 64, 16 * 1024 * 1024),
    maxAnchorDelaySeconds: range('maxAnchorDelaySeconds', options.maxAnchorDelaySeconds ?? DEFAULT_MAX_ANCHOR_DELAY_SECONDS, 0, 366 * 24 * 3600),
    requireStatus: options.requireStatus ?? true,
    statusTtlMs: range('statusList.defaultTtlMs', options.statusList?.defaultTtlMs ?? Math.min(DEFAULT_STATUS_TTL_MS, statusMaxTtlMs), 0, statusMaxTtlMs),
    statusMaxTtlMs,
    statusMaxBytes: range('statusList.maxBytes', options.statusList?.maxBytes ?? DEFAULT_MAX_STATUS_LIST_BYTES, 1024, 64 * 1024 * 1024),
    accreditationTtlMs: range('accreditationTtlMs', options.accreditationTtlMs ?? DEFAULT_ACCREDITATION_TTL_MS, 0, MAX_ACCREDITATION_TTL_MS),
  };
}

/** What the pipeline learned besides the report (a presentation needs the subject). */
export interface CredentialOutcome {
  report: VerificationReport;
  jws?: DecodedJws;
  claims?: CredentialClaims;
}

export async function verifyCredential(jwt: unknown, trust: VerifierTrust, options: VerifyCredentialOptions = {}): Promise<VerificationReport> {
  const settings = credentialSettings(options);
  return (await runCredential(jwt, trust, options.caches ?? createVerifierCaches(), settings, options.now ?? new Date())).report;
}

export async function runCredential(jwt: unknown, trust: VerifierTrust, caches: VerifierCaches, settings: CredentialSettings, now: Date): Promise<CredentialOutcome> {
  const checks: CheckResult[] = [];
  const outcome: CredentialOutcome = { report: { valid: false, checks } };
  try {
    await pipeline(jwt, trust, caches, settings, now, checks, outcome);
  } catch (error) {
    checks.push(fail(CHECK_VERIFIER, 'VERIFIER_ERROR', messageOf(error)));
  }
  outcome.report = toReport(checks);
  return outcome;
}

async function pipeline(jwt: unknown, trust: VerifierTrust, caches: VerifierCaches, settings: CredentialSettings, now: Date, checks: CheckResult[], outcome: CredentialOutcome): Promise<void> {
  const structure = checkStructure(jwt, { maxBytes: settings.maxBytes });
  checks.push(structure.check);
  if (!structure.jws) return;
  const jws = structure.jws;
  outcome.jws = jws;

  const algorithm = checkAlgorithm(jws.header, CREDENTIAL_ALGORITHMS);
  checks.push(algorithm);
  if (!algorithm.ok) return;

  const claimsResult = checkCredentialClaims(jws.payload);
  checks.push(claimsResult.check);
  if (!claimsResult.claims) return;
  const claims = claimsResult.claims;
  outcome.claims = claims;
  const { iss, jti } = claims;

  // ---- anchoring: a verified fact for (issuer, jti), or the proof checked step by step
  const digest = signingInputDigest(jws.signingInput);
  const anchoringKey = `${iss}\u0000${jti}`;
  const known = caches.anchorings.get(anchoringKey);
  let blockNumber: number;
  let blockTime: number;
  let pending: { proof: ValidatedProof; fact: CheckpointFact } | undefined;
  if (known) {
    checks.push(pass(CHECK_ANCHOR_PROOF));
    if (known.digest !== digest) {
      checks.push(checkDigest(digest, known.digest));
      return;
    }
    checks.push(pass(CHECK_DIGEST), pass(CHECK_INCLUSION), pass(CHECK_ANCHORED, `block ${known.blockNumber}`));
    ({ blockNumber, blockTime } = known);
  } else {
    const anchorProof = await coalesce(caches, `proof\u0000${anchoringKey}`, () => fetchAnchorProof(trust.proofs, iss, jti));
    checks.push(anchorProof.check);
    if (!anchorProof.proof) return;
    const proof = anchorProof.proof;
    const digestCheck = checkDigest(digest, proof.digest);
    checks.push(digestCheck);
    if (!digestCheck.ok) return;
    const inclusion = checkInclusion(proof);
    checks.push(inclusion);
    if (!inclusion.ok) return;
    const anchored = await checkAnchored(proof, trust.checkpoints, caches);
    checks.push(anchored.check);
    if (!anchored.fact) return;
    ({ blockNumber, blockTime } = anchored.fact);
    pending = { proof, fact: anchored.fact };
  }

  // ---- the issuer's keys as of the anchoring block, and the credential's signature
  const set = await resolveKeySet(trust.dids, iss, { versionId: blockNumber, relationship: 'assertionMethod', keyCache: caches.assertionKeys, accountKeys: caches.accountKeys });
  if ('ok' in set) {
    checks.push(set);
    return;
  }
  const keysCheck = checkIssuerKeys(set);
  checks.push(keysCheck);
  if (!keysCheck.ok) return;

  const signature = verifyWithKeySet(jws.signingInput, jws.signature, set, caches.accountKeys);
  if (!signature.signer) {
    checks.push(await diagnoseSignature(trust.dids, jws.signingInput, jws.signature, { did: iss, versionId: blockNumber, relationship: 'assertionMethod', checkId: CHECK_SIGNATURE, history: caches.history, clock: caches.clock }));
    return;
  }
  checks.push(signature.check);

  if (pending) {
    const checkpointSignature = checkCheckpointSignature(pending.proof, iss, set, pending.fact, caches.accountKeys);
    checks.push(checkpointSignature);
    if (!checkpointSignature.ok) return;
    const { proof } = pending;
    caches.anchorings.set(anchoringKey, { digest, logName: proof.logName, leafIndex: proof.leafIndex, treeSize: proof.treeSize, blockNumber, blockTime });
  } else {
    checks.push(pass(CHECK_CHECKPOINT_SIGNATURE));
  }

  // ---- what the credential says: validity period, accreditation, status
  const time = checkTime(jws.payload, { now, skewSeconds: settings.skewSeconds });
  checks.push(time);
  if (!time.ok) return;

  const accredited = await checkAccreditation(claims, blockTime, trust.accreditations, caches, {
    skewSeconds: settings.skewSeconds,
    maxAnchorDelaySeconds: settings.maxAnchorDelaySeconds,
    ttlMs: settings.accreditationTtlMs,
  });
  checks.push(accredited);
  if (!accredited.ok) return;

  checks.push(
    await checkStatus(iss, claims.statusEntries, trust, caches, {
      requireStatus: settings.requireStatus,
      defaultTtlMs: settings.statusTtlMs,
      maxTtlMs: settings.statusMaxTtlMs,
      maxListBytes: settings.statusMaxBytes,
      now,
      skewSeconds: settings.skewSeconds,
    }),
  );
}
