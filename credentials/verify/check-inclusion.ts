import { createHash } from 'node:crypto';
import { leafHash, verifyInclusion } from '../../anchor/merkle.ts';
import type { ValidatedProof } from './check-anchor-proof.ts';
import { fail, pass, type CheckResult } from './report.ts';

/**
 * Checks 5 and 6 of a credential: the proof is about THIS credential, and the leaf is in the tree.
 *
 * - digest: the leaf's data is SHA-256 of the JWS signing input (`header.payload` as ASCII),
 *   never of the whole JWT, because ES256K signatures are malleable (DESIGN.md "Trust model";
 *   credentials/proof/credential-proof.ts). A changed header or payload is another signing input,
 *   hence never anchored: NOT_ANCHORED.
 * - inclusion: RFC 9162 §2.1.3.2 (verifying an inclusion proof) of leafHash(digest) =
 *   SHA-256(0x00 || digest) (§2.1.1) at leafIndex in a tree of treeSize leaves under the
 *   checkpoint's root. Whether that root is on chain is the next check.
 */

export const CHECK_DIGEST = 'digest';
export const CHECK_INCLUSION = 'inclusion';

/** Hex SHA-256 of the signing input (ASCII: latin1 is its exact byte image). */
export function signingInputDigest(signingInput: string): string {
  return createHash('sha256').update(signingInput, 'latin1').digest('hex');
}

/** `digest`: of the credential's signing input; `anchored`: the leaf data the proof is about. */
export function checkDigest(digest: string, anchored: string): CheckResult {
  return digest === anchored ? pass(CHECK_DIGEST) : fail(CHECK_DIGEST, 'NOT_ANCHORED', 'the anchored digest is of another signing input: this credential was not anchored');
}

export function checkInclusion(proof: ValidatedProof): CheckResult {
  const ok = verifyInclusion(leafHash(Buffer.from(proof.digest, 'hex')), proof.leafIndex, proof.treeSize, proof.auditPath, Buffer.from(proof.root, 'hex'));
  return ok ? pass(CHECK_INCLUSION) : fail(CHECK_INCLUSION, 'NOT_ANCHORED', `the audit path does not lead from leaf ${proof.leafIndex} to the root of the ${proof.treeSize}-leaf tree`);
}
