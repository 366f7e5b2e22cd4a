/**
 * Random status list index allocation without reuse.
 *
 * Why random (W3C Bitstring Status List v1.0, "Privacy Considerations": herd / group privacy):
 * every holder of a list shares one public bitstring,
 * and a verifier learns only "this credential is bit i of a list of >= 131,072". If indexes were
 * handed out sequentially, i would leak issuance order — roughly *when* the citizen got the
 * credential, and which credentials were issued together — and an observer watching the published
 * list could correlate "bit i flipped today" with the index a verifier saw. Choosing uniformly among
 * the free indexes makes an index carry no information beyond membership in the list, so each
 * holder hides in the herd of all entries of that list.
 *
 * Never reuse an index: a reused index would make one revocation revoke two credentials (or an
 * un-suspension reinstate a revoked one). "Taken" means *allocated*, not "bit set": the issuer must
 * persist allocations separately from the status bits.
 */
import { randomInt } from 'node:crypto';
import { StatusListError } from './errors.ts';

/** Uniform random integer in [0, max). `crypto.randomInt` fits (max <= 2^48). */
export type RandomBelow = (max: number) => number;

/** Random probes before falling back to an exact scan (only matters when the list is nearly full). */
const RANDOM_PROBES = 64;

function draw(random: RandomBelow, max: number): number {
  const value = random(max);
  if (!Number.isSafeInteger(value) || value < 0 || value >= max) {
    throw new StatusListError('STATUS_ARGUMENT_INVALID', `random source returned ${value}, outside [0, ${max})`);
  }
  return value;
}

/**
 * Pick an index uniformly at random among those for which `isTaken` is false.
 *
 * Rejection sampling (uniform over the free indexes given success) for up to 64 probes, then an
 * exact scan that counts the free indexes and picks the k-th for uniform k; a mixture of two
 * uniform choices is uniform. Fails with STATUS_LIST_FULL when no index is free.
 *
 * The caller must record the result atomically (e.g. a unique constraint on (list, index)) and
 * retry on conflict, since `isTaken` may race with a concurrent allocation.
 */
export function allocateIndex(isTaken: (index: number) => boolean, length: number, random: RandomBelow = randomInt): number {
  if (!Number.isSafeInteger(length) || length <= 0 || length > 2 ** 48) {
    throw new StatusListError('STATUS_ARGUMENT_INVALID', `list length must be a positive integer up to 2^48, got ${length}`);
  }
  for (let probe = 0; probe < RANDOM_PROBES; probe++) {
    const candidate = draw(random, length);
    if (!isTaken(candidate)) return candidate;
  }
  let free = 0;
  for (let i = 0; i < length; i++) if (!isTaken(i)) free++;
  if (free === 0) throw new StatusListError('STATUS_LIST_FULL', `all ${length} indexes of the list are allocated`);
  let k = draw(random, free);
  for (let i = 0; i < length; i++) {
    if (!isTaken(i)) {
      if (k === 0) return i;
      k--;
    }
  }
  // Only reachable if isTaken changed its answers during the scan.
  throw new StatusListError('STATUS_LIST_FULL', 'the set of allocated indexes changed during allocation; retry');
}
