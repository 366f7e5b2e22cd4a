import type { KeyObject } from 'node:crypto';
import type { CheckpointFact } from './caches.ts';
import type { ValidatedProof } from './check-anchor-proof.ts';
import type { IssuerKeySet } from './issuer-keys.ts';
import type { LruMap } from './lru-map.ts';
import { fail, pass, type CheckResult } from './report.ts';
import { verifyWithKeySet } from './resolve-keys.ts';

/**
 * Check 10 of a credential: the anchored checkpoint was signed by the issuer, with a key its DID
 * document listed at the anchoring block (the same key set the credential's signature was
 * checked against), so a checkpoint made with a rotated-out key does not anchor anything.
 *
 * The signed checkpoint is an ES256K-R JWS (anchor/log/checkpoint-signature.ts: did-jwt's
 * 65-byte R || S || recovery id, over SHA-256 of the signing input, low-S as noble signs). Its
 * first 64 bytes are an ordinary ES256K signature, so it is verified natively like a credential
 * (no recovery unless the issuer's key is only an address not yet recovered). Its statement was
 * compared with the proof in check-anchor-proof.
 *
 * Verified once per (checkpoint, signer DID): the result joins the checkpoint's cached fact.
 */

export const CHECK_CHECKPOINT_SIGNATURE = 'checkpoint-signature';

export function checkCheckpointSignature(proof: ValidatedProof, iss: string, set: IssuerKeySet, fact: CheckpointFact, accountKeys?: LruMap<KeyObject>): CheckResult {
  if (fact.signers.has(iss)) return pass(CHECK_CHECKPOINT_SIGNATURE);
  const { signingInput, signature } = proof.checkpoint;
  const result = verifyWithKeySet(signingInput, signature.subarray(0, 64), set, accountKeys);
  if (!result.signer) {
    return fail(CHECK_CHECKPOINT_SIGNATURE, 'NOT_ANCHORED', `the checkpoint is not signed by a key ${iss} held at the anchoring block ${fact.blockNumber}`);
  }
  fact.signers.add(iss);
  return pass(CHECK_CHECKPOINT_SIGNATURE, result.signer.id);
}
