import type { DIDDocument } from 'did-resolver';
import { checkAlgorithm, CREDENTIAL_ALGORITHMS } from './check-algorithm.ts';
import { checkSignature, checkSignatureOffThread, type CandidateKey } from './check-signature.ts';
import { checkStructure, type DecodedJws } from './check-structure.ts';
import { checkTime } from './check-time.ts';
import { candidateKeys, checkIssuerKeys, hasUnrecoveredAccounts, recoverAccountKeys, type KeyCache } from './issuer-keys.ts';
import { resolveKeySet } from './resolve-keys.ts';
import { describe, fail, pass, toReport, type CheckResult, type VerificationReport } from './report.ts';

/**
 * The JWT layer of the verifier: structure → algorithm → issuer → issuer keys (at a version) →
 * signature → validity period, each a named check in the report. It stops at the first check
 * whose failure makes the next meaningless (no key lookup for a refused algorithm, no time
 * verdict on a payload nobody signed). What the token *says* (VC claims, accreditation, status,
 * anchoring) is for the checks built on top of this one.
 *
 * Trust material comes in: the resolver, the version to resolve at (the anchoring block), the
 * key cache, the clock. Never throws on hostile input; a resolver error becomes a check.
 */

export const CHECK_ISSUER = 'issuer';

export interface IssuerResolver {
  resolveDocument(did: string, options?: { versionId?: number }): Promise<{ document: DIDDocument }>;
}

export interface VerifyJwtOptions {
  resolver: IssuerResolver;
  /** Block at which the issuer's keys count (the credential's anchoring block). Unset: latest, uncached. */
  versionId?: number;
  keyCache?: KeyCache;
  now: Date;
  skewSeconds?: number;
  maxBytes?: number;
  algorithms?: readonly string[];
  /** Which keys of the DID document count (default assertionMethod); give each relationship its own KeyCache. */
  relationship?: 'assertionMethod' | 'authentication';
  /** Verify the signature on libuv's thread pool (check-signature.ts), for a busy event loop. */
  signatureOffThread?: boolean;
}

export interface JwtVerification extends VerificationReport {
  jws?: DecodedJws;
  signer?: CandidateKey;
}

export async function verifyJwt(jwt: unknown, options: VerifyJwtOptions): Promise<JwtVerification> {
  const checks: CheckResult[] = [];
  const done = (extra: Partial<JwtVerification> = {}): JwtVerification => ({ ...toReport(checks), ...extra });

  const structure = checkStructure(jwt, options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes });
  checks.push(structure.check);
  if (!structure.jws) return done();
  const jws = structure.jws;

  const algorithm = checkAlgorithm(jws.header, options.algorithms ?? CREDENTIAL_ALGORITHMS);
  checks.push(algorithm);
  if (!algorithm.ok) return done({ jws });

  const iss = jws.payload.iss;
  if (typeof iss !== 'string' || !/^did:[a-z0-9]+:[^\s?#]+$/.test(iss)) {
    checks.push(fail(CHECK_ISSUER, 'MALFORMED', `"iss" must be a DID without query or fragment, got ${describe(iss)}`));
    return done({ jws });
  }
  checks.push(pass(CHECK_ISSUER));

  const keySet = await resolveKeySet(options.resolver, iss, {
    relationship: options.relationship ?? 'assertionMethod',
    ...(options.versionId !== undefined && { versionId: options.versionId }),
    ...(options.keyCache && { keyCache: options.keyCache }),
  });
  if ('ok' in keySet) {
    checks.push(keySet);
    return done({ jws });
  }
  const keysCheck = checkIssuerKeys(keySet);
  checks.push(keysCheck);
  if (!keysCheck.ok) return done({ jws });

  // Known keys first (the fast path); recover an account's key only when they all fail.
  const check = options.signatureOffThread ? checkSignatureOffThread : checkSignature;
  let signature = await check(jws.signingInput, jws.signature, candidateKeys(keySet));
  if (!signature.check.ok && hasUnrecoveredAccounts(keySet)) {
    const recovered = recoverAccountKeys(keySet, jws.signingInput, jws.signature);
    if (recovered.length > 0) signature = await check(jws.signingInput, jws.signature, recovered);
  }
  checks.push(signature.check);
  if (!signature.signer) return done({ jws });

  checks.push(checkTime(jws.payload, options.skewSeconds === undefined ? { now: options.now } : { now: options.now, skewSeconds: options.skewSeconds }));
  return done({ jws, signer: signature.signer });
}
