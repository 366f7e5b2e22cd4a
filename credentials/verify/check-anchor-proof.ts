import canonicalizeModule from 'canonicalize';
import { logIdFor } from '../../anchor/ledger/anchor-client.ts';
import { isRecord } from './check-claims.ts';
import { describe, fail, pass, type CheckResult, type FailedCheck } from './report.ts';
import type { ProofSource } from './trust.ts';

const canonicalize = canonicalizeModule as unknown as (value: unknown) => string | undefined;

/**
 * Check 4 of a credential: its anchoring proof (credentials/proof/credential-proof.ts), asked of
 * the ProofSource by issuer and jti, is there and well-formed, before anything of it is used.
 * Nothing in it is trusted: the digest, the inclusion, the chain and the signature are checked
 * next. What this check settles on its own, statically:
 *
 * - the answer's status: PENDING_INTEGRATION / PENDING_ANCHOR → ANCHOR_PENDING (logged, not yet
 *   anchored: ask again later), UNKNOWN or anything unreadable → NOT_ANCHORED;
 * - the proof's shape: hex digest and root (32 bytes), 0 <= leafIndex < treeSize, an audit path
 *   of at most 64 hashes (RFC 9162 §2.1.3: a path is at most ceil(log2(size)) long), the
 *   checkpoint for that same log and size;
 * - the checkpoint is the issuer's (checkpoint.signer === iss): a credential is anchored by the
 *   department that issued it, in its own log (DESIGN.md "Trust model");
 * - the signed checkpoint is an ES256K-R compact JWS whose payload is exactly
 *   JCS({ logId, treeSize, root }) (RFC 8785), as anchor/log/checkpoint-signature.ts signs it:
 *   compared as text, so no second parser reads it.
 * A proof source that cannot answer → RESOLUTION_UNAVAILABLE: never "not anchored" for an outage.
 */

export const CHECK_ANCHOR_PROOF = 'anchor-proof';
export const MAX_AUDIT_PATH = 64;
const HEX32 = /^[0-9a-f]{64}$/;
const SEGMENT = /^[A-Za-z0-9_-]+$/;

export interface ValidatedProof {
  /** The log's name (e.g. "education"). */
  logName: string;
  /** Its bytes32 id on the ledger (logIdFor). */
  logId: string;
  digest: string;
  leafIndex: number;
  treeSize: number;
  auditPath: Buffer[];
  /** Lower-case hex, no 0x. */
  root: string;
  checkpoint: {
    /** The signed checkpoint's JWS signing input and 65-byte ES256K-R signature. */
    signingInput: string;
    signature: Buffer;
  };
}

export type AnchorProofResult = { check: CheckResult & { ok: true }; proof: ValidatedProof } | { check: FailedCheck; proof?: undefined };

export async function fetchAnchorProof(source: ProofSource, iss: string, jti: string): Promise<AnchorProofResult> {
  let answer: unknown;
  try {
    answer = await source.credentialProof(iss, jti);
  } catch (error) {
    return { check: fail(CHECK_ANCHOR_PROOF, 'RESOLUTION_UNAVAILABLE', `the proof source cannot answer: ${messageOf(error)}`) };
  }
  return checkAnchorProof(answer, iss);
}

export function checkAnchorProof(answer: unknown, iss: string): AnchorProofResult {
  const notAnchored = (detail: string): AnchorProofResult => ({ check: fail(CHECK_ANCHOR_PROOF, 'NOT_ANCHORED', detail) });
  if (!isRecord(answer)) return notAnchored('the proof source answered no proof');
  const status = answer.status;
  if (status === 'PENDING_INTEGRATION' || status === 'PENDING_ANCHOR') {
    return { check: fail(CHECK_ANCHOR_PROOF, 'ANCHOR_PENDING', `the issuer logged this credential; it is not anchored yet (${status})`) };
  }
  if (status === 'UNKNOWN') return notAnchored('the issuer never logged a credential with this jti');
  if (status !== 'ANCHORED') return notAnchored(`unknown proof status ${describe(status)}`);

  const proof = answer.proof;
  if (!isRecord(proof)) return notAnchored('an ANCHORED answer without a proof');
  const { logId: logName, digest, leafIndex, treeSize, auditPath, checkpoint } = proof;
  if (typeof logName !== 'string' || logName.length === 0) return notAnchored('proof.logId must be a log name');
  let logId: string;
  try {
    logId = logIdFor(logName);
  } catch {
    return notAnchored(`proof.logId ${describe(logName)} is not a log name (at most 31 bytes)`);
  }
  if (typeof digest !== 'string' || !HEX32.test(digest)) return notAnchored('proof.digest must be 32 bytes of lower-case hex');
  if (!Number.isSafeInteger(treeSize) || (treeSize as number) < 1) return notAnchored('proof.treeSize must be a positive integer');
  if (!Number.isSafeInteger(leafIndex) || (leafIndex as number) < 0 || (leafIndex as number) >= (treeSize as number)) {
    return notAnchored('proof.leafIndex must be an integer in [0, treeSize)');
  }
  if (!Array.isArray(auditPath) || auditPath.length > MAX_AUDIT_PATH || !auditPath.every((h) => typeof h === 'string' && HEX32.test(h))) {
    return notAnchored(`proof.auditPath must be at most ${MAX_AUDIT_PATH} hashes of lower-case hex`);
  }
  if (!isRecord(checkpoint)) return notAnchored('proof.checkpoint is missing');
  if (checkpoint.logId !== logName || checkpoint.treeSize !== treeSize) return notAnchored('the checkpoint is for another log or size than the proof');
  const root = checkpoint.root;
  if (typeof root !== 'string' || !HEX32.test(root)) return notAnchored('checkpoint.root must be 32 bytes of lower-case hex');
  if (checkpoint.signer !== iss) {
    return notAnchored(`the checkpoint is signed by ${describe(checkpoint.signer)}, not by the issuer: a credential is anchored in its issuer's log`);
  }

  const signed = checkpoint.signed;
  if (typeof signed !== 'string' || signed.length > 4096) return notAnchored('checkpoint.signed must be a compact JWS');
  const segments = signed.split('.');
  if (segments.length !== 3 || !segments.every((s) => SEGMENT.test(s))) return notAnchored('checkpoint.signed is not a compact JWS');
  const [headerB64, payloadB64, signatureB64] = segments as [string, string, string];
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(headerB64, 'base64url').toString('utf8'));
  } catch {
    return notAnchored('the signed checkpoint\'s header is not JSON');
  }
  if (!isRecord(header) || header.alg !== 'ES256K-R' || Object.hasOwn(header, 'crit')) return notAnchored('the signed checkpoint must be an ES256K-R JWS');
  const statement = canonicalize({ logId: logName, treeSize, root });
  if (payloadB64 !== Buffer.from(statement!, 'utf8').toString('base64url')) {
    return notAnchored('the signed checkpoint does not state this log, size and root');
  }
  const signature = Buffer.from(signatureB64, 'base64url');
  if (signature.length !== 65 || signature.toString('base64url') !== signatureB64) return notAnchored('an ES256K-R signature is 65 bytes of canonical base64url');

  return {
    check: pass(CHECK_ANCHOR_PROOF),
    proof: {
      logName,
      logId,
      digest,
      leafIndex: leafIndex as number,
      treeSize: treeSize as number,
      auditPath: (auditPath as string[]).map((h) => Buffer.from(h, 'hex')),
      root,
      checkpoint: { signingInput: `${headerB64}.${payloadB64}`, signature },
    },
  };
}

export function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
