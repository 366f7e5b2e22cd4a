import { checkListUrl, parseStatusEntry, STATUS_ENTRY_TYPE } from '../status/entry.ts';
import { isStatusListError } from '../status/errors.ts';
import { parseStatusList, readParsedStatus, statusListSubjectOf } from '../status/read-status.ts';
import { coalesce, refreshAhead, type CachedStatusList, type VerifierCaches } from './caches.ts';
import { isRecord } from './check-claims.ts';
import { messageOf } from './check-anchor-proof.ts';
import { fail, pass, type CheckResult, type FailedCheck, type VerificationCode } from './report.ts';
import type { DidSource, StatusListSource } from './trust.ts';
import { verifyJwt } from './verify-jwt.ts';

/**
 * Check 13 of a credential: its status, W3C Bitstring Status List v1.0 §3.2 (Validate
 * Algorithm), fail closed: REVOKED or SUSPENDED when the entry's bit is set, STATUS_UNAVAILABLE
 * whenever the answer is not known for sure (list unreachable, malformed, signed by anyone but
 * the credential's issuer, another list than the entry names, index outside it, a status type
 * we do not implement). Only a fully understood list with the bit clear passes.
 *
 * - The list credential is a VC-JWT verified with verifyJwt (structure, ES256K, signature by an
 *   assertionMethod key, validity period) against its issuer's LATEST DID document: a status
 *   list is current information, re-signed as it changes, so a list signed with a rotated-out
 *   key (a stale copy replayed) must not count. Its `iss` must be the credential's issuer
 *   (§3.2 does not require it; our trust model does: only the issuer may revoke).
 * - The list must be the one at that URL: its `jti` or its subject id (`<url>#list`) names it.
 * - `statusPurpose` "message" is information, not invalidity: a set bit passes with a detail.
 * - No credentialStatus at all: refused (STATUS_UNAVAILABLE) unless `requireStatus` is false.
 *   Every credential our departments issue carries a revocation entry; a credential that cannot
 *   be revoked cannot be trusted to still hold.
 *
 * Lists are cached per URL, decoded (so reading a bit is O(1)), until the list's `ttl`
 * (§2.2, milliseconds) or the HTTP max-age, whichever is shorter, default `defaultTtlMs`, never
 * beyond `maxTtlMs` nor the list credential's `exp`: a revocation shows at the latest when the
 * entry expires. Failures are not cached.
 */

export const CHECK_STATUS = 'status';
export const DEFAULT_STATUS_TTL_MS = 30_000;
export const MAX_STATUS_TTL_MS = 300_000;
export const DEFAULT_MAX_STATUS_LIST_BYTES = 1024 * 1024;


export interface StatusOptions {
  requireStatus: boolean;
  defaultTtlMs: number;
  maxTtlMs: number;
  maxListBytes: number;
  now: Date;
  skewSeconds: number;
}

const PRECEDENCE: VerificationCode[] = ['REVOKED', 'SUSPENDED', 'RESOLUTION_UNAVAILABLE', 'STATUS_UNAVAILABLE'];

export async function checkStatus(
  iss: string,
  entries: readonly unknown[],
  sources: { statusLists: StatusListSource; dids: DidSource },
  caches: VerifierCaches,
  options: StatusOptions,
): Promise<CheckResult> {
  if (entries.length === 0) {
    return options.requireStatus
      ? fail(CHECK_STATUS, 'STATUS_UNAVAILABLE', 'the credential has no credentialStatus: it cannot be revoked, so it is not accepted')
      : pass(CHECK_STATUS, 'no credentialStatus');
  }
  const results = entries.length === 1 ? [await checkEntry(iss, entries[0], sources, caches, options)] : await Promise.all(entries.map((entry) => checkEntry(iss, entry, sources, caches, options)));
  let worst: FailedCheck | undefined;
  const notes: string[] = [];
  for (const result of results) {
    if (result.ok) {
      if (result.detail) notes.push(result.detail);
      continue;
    }
    if (!worst || PRECEDENCE.indexOf(result.code) < PRECEDENCE.indexOf(worst.code)) worst = result;
  }
  if (worst) return worst;
  return notes.length ? pass(CHECK_STATUS, notes.join('; ')) : pass(CHECK_STATUS);
}

async function checkEntry(iss: string, entry: unknown, sources: { statusLists: StatusListSource; dids: DidSource }, caches: VerifierCaches, options: StatusOptions): Promise<CheckResult> {
  const unavailable = (detail: string) => fail(CHECK_STATUS, 'STATUS_UNAVAILABLE', detail);
  if (!isRecord(entry) || entry.type !== STATUS_ENTRY_TYPE) return unavailable(`unsupported credentialStatus type (only ${STATUS_ENTRY_TYPE})`);
  let url: string;
  try {
    url = parseStatusEntry(entry).listUrl;
  } catch (error) {
    return unavailable(messageOf(error));
  }
  // A cached list was fetched from a URL that passed checkListUrl; only a new one is checked.
  let list = caches.statusLists.get(url);
  const fetchOnce = () => coalesce(caches, `status\u0000${url}`, () => fetchList(url, sources, caches, options));
  // Late in its life the list is fetched again behind the cached copy: a revocation shows sooner, never later.
  if (list) refreshAhead(caches, list.fetchedAtMs, list.expiresAtMs, fetchOnce);
  if (!list) {
    try {
      checkListUrl(url);
    } catch (error) {
      return unavailable(messageOf(error));
    }
    const fetched = await fetchOnce();
    if ('ok' in fetched) return fetched;
    list = fetched;
  }
  if (list.issuer !== iss) return unavailable(`the status list at ${url} is signed by ${list.issuer}, not by the credential's issuer`);
  let set: boolean;
  let purpose: string;
  try {
    ({ set, purpose } = readParsedStatus(entry, list.list, { listCredentialId: url }));
  } catch (error) {
    return unavailable(isStatusListError(error) ? error.message : messageOf(error));
  }
  if (!set) return pass(CHECK_STATUS);
  if (purpose === 'revocation') return fail(CHECK_STATUS, 'REVOKED', `revoked (${url})`);
  if (purpose === 'suspension') return fail(CHECK_STATUS, 'SUSPENDED', `suspended (${url})`);
  return pass(CHECK_STATUS, `status message flag set (${url})`);
}

async function fetchList(url: string, sources: { statusLists: StatusListSource; dids: DidSource }, caches: VerifierCaches, options: StatusOptions): Promise<CachedStatusList | FailedCheck> {
  const unavailable = (detail: string) => fail(CHECK_STATUS, 'STATUS_UNAVAILABLE', detail);
  const fetchedAt = caches.clock();
  let fetched;
  try {
    fetched = await sources.statusLists.fetchStatusList(url);
  } catch (error) {
    return unavailable(`cannot fetch the status list ${url}: ${messageOf(error)}`);
  }
  if (!isRecord(fetched) || typeof fetched.jwt !== 'string') return unavailable(`the status list source answered no credential for ${url}`);

  const verified = await verifyJwt(fetched.jwt.trim(), {
    resolver: sources.dids,
    now: options.now,
    skewSeconds: options.skewSeconds,
    maxBytes: options.maxListBytes,
    relationship: 'assertionMethod',
  });
  if (!verified.valid || !verified.jws) {
    const failed = verified.checks.find((c) => !c.ok);
    // The ledger being down is said as such; anything else about the list is "unavailable".
    if (failed?.code === 'RESOLUTION_UNAVAILABLE') return fail(CHECK_STATUS, 'RESOLUTION_UNAVAILABLE', `cannot check the status list's signature: ${failed.detail ?? ''}`);
    return unavailable(`the status list credential at ${url} does not verify (${failed?.id}: ${failed?.code}${failed?.detail ? `, ${failed.detail}` : ''})`);
  }
  const payload = verified.jws.payload;
  const issuer = payload.iss as string;

  let list;
  try {
    const subject = statusListSubjectOf(payload.vc);
    const subjectId = isRecord(subject) ? subject.id : undefined;
    if (payload.jti !== url && subjectId !== url && subjectId !== `${url}#list`) {
      return unavailable(`the credential served at ${url} is another status list (${String(payload.jti ?? subjectId).slice(0, 120)})`);
    }
    list = parseStatusList(subject);
  } catch (error) {
    return unavailable(messageOf(error));
  }

  let ttl = Math.min(list.ttl ?? options.defaultTtlMs, options.maxTtlMs);
  if (typeof fetched.maxAgeSeconds === 'number' && Number.isFinite(fetched.maxAgeSeconds)) ttl = Math.min(ttl, Math.max(0, fetched.maxAgeSeconds * 1000));
  let expiresAt = fetchedAt + ttl;
  if (typeof payload.exp === 'number') expiresAt = Math.min(expiresAt, payload.exp * 1000);
  const cached: CachedStatusList = { issuer, list, fetchedAtMs: fetchedAt, expiresAtMs: expiresAt };
  if (expiresAt > fetchedAt) caches.statusLists.set(url, cached, expiresAt);
  return cached;
}
