import { keccak256 } from 'ethers';
import { coalesce, refreshAhead, type CachedAccreditations, type VerifierCaches } from './caches.ts';
import { messageOf } from './check-anchor-proof.ts';
import type { CredentialClaims } from './check-claims.ts';
import { fail, pass, type CheckResult } from './report.ts';
import type { AccreditationSource } from './trust.ts';

/**
 * Check 12 of a credential: the issuer was accredited in TrustedIssuers for every type the
 * credential claims (besides VerifiableCredential) at the time it was issued.
 *
 * What "issued at" means. The credential says `nbf` (its issuanceDate), which the issuer chose
 * and could back-date; the anchoring block's time is the one time it cannot choose: the
 * credential existed by then. So:
 * - accreditation is checked at `nbf` (the contract's own rule: validFrom <= t < end), because
 *   the contract never ends an accreditation retroactively: credentials issued before an end stay
 *   valid, which is what the consortium decided when it ended it;
 * - `nbf` must be at most `skew` after the anchor time (a credential cannot be issued after it
 *   was anchored: a forward-dated nbf would claim an accreditation that begins later);
 * - `nbf` must be at most `maxAnchorDelaySeconds` before the anchor time (default one hour;
 *   departments anchor every few seconds). This bounds back-dating: an issuer whose
 *   accreditation ended at E can pass off new credentials as issued before E only if they are
 *   anchored before E + maxAnchorDelay. A credential anchored later than that (a long ledger
 *   outage) is refused rather than trusted on the issuer's word.
 * Any of these fails → ISSUER_NOT_TRUSTED; the ledger cannot answer → RESOLUTION_UNAVAILABLE.
 *
 * Types are named on chain by credentialTypeId (the name packed in bytes32, up to 31 bytes);
 * a longer type name by keccak256 of its UTF-8 text, as the contract's client suggests.
 *
 * Caching (why a few seconds is safe). The issuer's whole history is read once (every type,
 * ended entries too) and evaluated here, so one read serves every credential of that issuer.
 * A cached history is used only for issuance times BEFORE it was read: the contract refuses to
 * end an accreditation before its own block time, so an end that happens after the read cannot
 * cover those times (exact up to the difference between the chain's clock and ours). A later
 * time, or a type the cached history does not cover (a grant since, possibly back-dated),
 * reads the chain again. Entries expire after `ttlMs` (default 10 s, at most 60 s) regardless.
 *
 * A history late in its life is read again in the background (caches.ts, refreshAhead).
 */

export const CHECK_ACCREDITATION = 'issuer-accredited';
export const DEFAULT_MAX_ANCHOR_DELAY_SECONDS = 3600;
export const DEFAULT_ACCREDITATION_TTL_MS = 10_000;
export const MAX_ACCREDITATION_TTL_MS = 60_000;

export interface AccreditationOptions {
  skewSeconds: number;
  maxAnchorDelaySeconds: number;
  ttlMs: number;
}

/**
 * The bytes32 id a credential type is accredited under: the UTF-8 name right-padded with zeros
 * (ethers' encodeBytes32String, as credentialTypeId packs names) when it fits in 31 bytes,
 * keccak256 of the name otherwise.
 */
export function typeIdOf(type: string): string {
  const bytes = Buffer.from(type, 'utf8');
  return bytes.length <= 31 ? `0x${bytes.toString('hex').padEnd(64, '0')}` : keccak256(bytes).toLowerCase();
}

export async function checkAccreditation(
  claims: Pick<CredentialClaims, 'iss' | 'nbf' | 'types'>,
  anchorTime: number,
  source: AccreditationSource,
  caches: VerifierCaches,
  options: AccreditationOptions,
): Promise<CheckResult> {
  const { iss, nbf, types } = claims;
  const untrusted = (detail: string) => fail(CHECK_ACCREDITATION, 'ISSUER_NOT_TRUSTED', detail);
  if (nbf > anchorTime + options.skewSeconds) return untrusted(`issued (nbf ${iso(nbf)}) after it was anchored (${iso(anchorTime)})`);
  if (anchorTime - nbf > options.maxAnchorDelaySeconds) {
    return untrusted(`issued (nbf ${iso(nbf)}) more than ${options.maxAnchorDelaySeconds} s before it was anchored (${iso(anchorTime)}): the issuance date cannot be trusted`);
  }
  const at = Math.floor(nbf);
  let ids: string[];
  try {
    ids = types.map(typeIdOf);
  } catch {
    return untrusted('a credential type has no accreditation id');
  }

  try {
    let history = caches.accreditations.get(iss);
    let fresh = false;
    if (!history || at * 1000 >= history.readAtMs) {
      history = await readHistory(iss, source, caches, options.ttlMs);
      fresh = true;
    } else if (options.ttlMs > 0) {
      refreshAhead(caches, history.readAtMs, history.readAtMs + options.ttlMs, () => readHistory(iss, source, caches, options.ttlMs));
    }
    let missing = firstUncovered(history, ids, types, at);
    if (missing !== undefined && !fresh) {
      history = await readHistory(iss, source, caches, options.ttlMs);
      missing = firstUncovered(history, ids, types, at);
    }
    if (missing !== undefined) return untrusted(`${iss} was not accredited for ${missing} at ${iso(at)}`);
  } catch (error) {
    const code = (error as { code?: unknown })?.code;
    if (code === 'DID_UNKNOWN_NETWORK' || code === 'DID_INVALID' || code === 'ISSUER_INVALID') return untrusted(messageOf(error));
    return fail(CHECK_ACCREDITATION, 'RESOLUTION_UNAVAILABLE', `the ledger cannot answer: ${messageOf(error)}`);
  }
  return pass(CHECK_ACCREDITATION);
}

function firstUncovered(history: CachedAccreditations, ids: string[], types: string[], at: number): string | undefined {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    const covered = history.entries.some(
      (entry) => entry.credentialType === id && entry.validFrom <= at && (entry.effectiveUntil === null || at < entry.effectiveUntil),
    );
    if (!covered) return types[i];
  }
  return undefined;
}

async function readHistory(iss: string, source: AccreditationSource, caches: VerifierCaches, ttlMs: number): Promise<CachedAccreditations> {
  return coalesce(caches, `accreditations\u0000${iss}`, async () => {
    // Taken before the read: the history is complete for every time before this instant.
    const readAtMs = caches.clock();
    const entries = await source.accreditations(iss);
    if (!Array.isArray(entries)) throw new TypeError('the accreditation source answered no list');
    const history: CachedAccreditations = { entries: entries.map((e) => ({ credentialType: String(e.credentialType).toLowerCase(), validFrom: Number(e.validFrom), effectiveUntil: e.effectiveUntil === null ? null : Number(e.effectiveUntil) })), readAtMs };
    if (ttlMs > 0) caches.accreditations.set(iss, history, readAtMs + ttlMs);
    return history;
  });
}

function iso(seconds: number): string {
  const date = new Date(seconds * 1000);
  return Number.isFinite(date.getTime()) ? date.toISOString() : String(seconds);
}
