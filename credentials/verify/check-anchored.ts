import type { CheckpointFact, VerifierCaches } from './caches.ts';
import { coalesce } from './caches.ts';
import { messageOf, type ValidatedProof } from './check-anchor-proof.ts';
import { fail, pass, type CheckResult, type FailedCheck } from './report.ts';
import type { CheckpointSource } from './trust.ts';

/**
 * Check 7 of a credential: the proof's checkpoint root is anchored ON CHAIN for that log and
 * size, and it is the FIRST anchored checkpoint containing the leaf (credential-proof.ts).
 *
 * The block of that first checkpoint is the credential's anchoring block: the issuer's keys are
 * resolved as of it (versionId) and its time is the latest the credential can have been issued.
 * Accepting a later checkpoint would move both forward (a key published after issuance would
 * count; a forward-dated nbf would pass), so the proof must be against the first: the Anchor
 * contract's `findCheckpoint(log, leafIndex + 1)` names it, read from contract storage.
 *
 * Read from the chain only (the proof's own `anchor` block and transaction are not trusted).
 * The Anchor contract is append-only, so a checkpoint found is cached forever with the range of
 * leaves whose first checkpoint it is (after the previous checkpoint's size): one or two
 * eth_calls per checkpoint, none for the other credentials in it.
 * The ledger cannot answer → RESOLUTION_UNAVAILABLE.
 */

export const CHECK_ANCHORED = 'anchored';

export type AnchoredResult = { check: CheckResult & { ok: true }; fact: CheckpointFact } | { check: FailedCheck; fact?: undefined };

export function checkpointKey(proof: Pick<ValidatedProof, 'logName' | 'treeSize' | 'root'>): string {
  // treeSize (digits) and root (hex) have fixed alphabets, so the key parses unambiguously from its end.
  return `${proof.logName}\u0000${proof.treeSize}\u0000${proof.root}`;
}

export async function checkAnchored(proof: ValidatedProof, source: CheckpointSource, caches: VerifierCaches): Promise<AnchoredResult> {
  const key = checkpointKey(proof);
  let fact = caches.checkpoints.get(key);
  if (!fact) {
    let found: CheckpointFact | FailedCheck;
    try {
      found = await coalesce(caches, `checkpoint\u0000${key}\u0000${proof.leafIndex}`, () => readFirstCheckpoint(proof, source));
    } catch (error) {
      return { check: fail(CHECK_ANCHORED, 'RESOLUTION_UNAVAILABLE', `the ledger cannot answer: ${messageOf(error)}`) };
    }
    if ('ok' in found) return { check: found };
    fact = found;
    caches.checkpoints.set(key, fact);
  }
  if (proof.leafIndex < fact.firstLeaf) {
    return { check: fail(CHECK_ANCHORED, 'NOT_ANCHORED', `leaf ${proof.leafIndex} is in an earlier checkpoint than size ${proof.treeSize}; the proof must be against the first one`) };
  }
  return { check: pass(CHECK_ANCHORED, `block ${fact.blockNumber}`), fact };
}

async function readFirstCheckpoint(proof: ValidatedProof, source: CheckpointSource): Promise<CheckpointFact | FailedCheck> {
  const notAnchored = (detail: string) => fail(CHECK_ANCHORED, 'NOT_ANCHORED', detail);
  const found = await source.findCheckpoint(proof.logId, proof.leafIndex + 1);
  if (!found) return notAnchored(`no checkpoint of log ${proof.logName} on chain contains leaf ${proof.leafIndex}`);
  if (found.treeSize < proof.treeSize) {
    return notAnchored(`the first checkpoint containing leaf ${proof.leafIndex} has size ${found.treeSize}; the proof must be against it, not size ${proof.treeSize}`);
  }
  if (found.treeSize > proof.treeSize) return notAnchored(`no checkpoint of size ${proof.treeSize} is anchored for log ${proof.logName}`);
  if (found.root.replace(/^0x/i, '').toLowerCase() !== proof.root) return notAnchored(`the root anchored for log ${proof.logName} at size ${proof.treeSize} is another one`);
  const firstLeaf = found.index > 0 ? (await source.checkpointAt(proof.logId, found.index - 1)).treeSize : 0;
  return { blockNumber: found.blockNumber, blockTime: found.blockTimestamp, firstLeaf, signers: new Set() };
}
