import { createVerifierCaches, type VerifierCaches } from './caches.ts';
import { checkAlgorithm, CREDENTIAL_ALGORITHMS } from './check-algorithm.ts';
import { messageOf } from './check-anchor-proof.ts';
import { checkAudience, checkChallenge, checkNonceUnused, checkPresentationClaims } from './check-presentation.ts';
import { CHECK_SIGNATURE } from './check-signature.ts';
import { checkStructure } from './check-structure.ts';
import { CHECK_TIME, checkTime } from './check-time.ts';
import { fail, pass, toReport, type CheckResult, type VerificationReport } from './report.ts';
import { resolutionFailure, resolveKeySet, verifyWithKeySet } from './resolve-keys.ts';
import type { NonceStore, VerifierTrust } from './trust.ts';
import { CHECK_VERIFIER, credentialSettings, runCredential, type CredentialSettings, type VerifyCredentialOptions } from './verify-credential.ts';

/**
 * The presentation verifier: a VP JWT (did-jwt-vc's shape) made by a holder for this verifier,
 * answering its challenge, carrying credentials about that holder. Checks, in order:
 *
 *   structure → algorithm → presentation → holder-keys → signature → validity-period →
 *   challenge → audience → nonce → credential[i].<every credential check> → credential[i].holder
 *
 * - holder-keys: the holder DID's `authentication` keys (DID Core §5.3.1: the relationship for
 *   proving control of the DID), from its LATEST document. Unlike a credential (issued once,
 *   anchored, judged as of its anchoring), a presentation is made now, interactively: what counts
 *   is whom the holder's DID trusts now, so a key the holder rotated out (lost, stolen) cannot
 *   present. With a DidVersionSource the latest document is cached by the version of its last
 *   change (one eth_call per presentation; a rotation counts from the next one).
 * - validity-period: nbf / exp / iat as for a credential, and `iat` (or else `nbf`) is required
 *   and at most `maxPresentationAgeSeconds` old (default 3600, the wallet's longest lifetime;
 *   its default `exp` is 300 s): with `exp`, that bounds how long a nonce must be remembered
 *   (the NonceStore ttl: until the presentation could no longer be accepted), so single use
 *   holds even if a verifier reuses a challenge.
 * - every embedded credential goes through the full credential pipeline with the same trust and
 *   caches; its lines appear in this report with ids prefixed `credential[i].` (flat, so a
 *   client reads one list), followed by `credential[i].holder`: the credential's subject (`sub`)
 *   is the presentation's holder (HOLDER_MISMATCH otherwise: someone else's credential).
 * The presentation is valid only when every line is.
 */

export const CHECK_HOLDER_KEYS = 'holder-keys';
export const DEFAULT_MAX_CREDENTIALS = 10;
export const DEFAULT_MAX_PRESENTATION_BYTES = 256 * 1024;
/** The wallet's longest presentation lifetime (credentials/wallet: MAX_PRESENTATION_SECONDS). */
export const DEFAULT_MAX_PRESENTATION_AGE_SECONDS = 3600;

export interface VerifyPresentationOptions extends VerifyCredentialOptions {
  /** The challenge this verifier gave the holder: the presentation's `nonce` must equal it. */
  challenge?: string;
  /** This verifier's domain: the presentation's `aud` must contain it. */
  domain?: string;
  /** Single use of (domain, nonce); required (NONCE_UNAVAILABLE without one). */
  nonces?: NonceStore;
  /** Most credentials a presentation may carry (default 10). */
  maxCredentials?: number;
  /** Size cap of the presentation JWT (default 256 KiB, the gateway's body limit). */
  maxPresentationBytes?: number;
  /** Oldest `iat` accepted, seconds (default 3600). */
  maxPresentationAgeSeconds?: number;
}

export async function verifyPresentation(jwt: unknown, trust: VerifierTrust, options: VerifyPresentationOptions = {}): Promise<VerificationReport> {
  return runPresentation(jwt, trust, options.caches ?? createVerifierCaches(), credentialSettings(options), options);
}

export async function runPresentation(jwt: unknown, trust: VerifierTrust, caches: VerifierCaches, settings: CredentialSettings, options: VerifyPresentationOptions): Promise<VerificationReport> {
  const maxCredentials = options.maxCredentials ?? DEFAULT_MAX_CREDENTIALS;
  const maxBytes = options.maxPresentationBytes ?? DEFAULT_MAX_PRESENTATION_BYTES;
  const maxAge = options.maxPresentationAgeSeconds ?? DEFAULT_MAX_PRESENTATION_AGE_SECONDS;
  for (const [name, value, max] of [['maxCredentials', maxCredentials, 100], ['maxPresentationBytes', maxBytes, 16 * 1024 * 1024], ['maxPresentationAgeSeconds', maxAge, 24 * 3600]] as const) {
    if (!Number.isSafeInteger(value) || value < 1 || value > max) throw new RangeError(`${name} must be an integer between 1 and ${max}, got ${value}`);
  }
  const now = options.now ?? new Date();
  const checks: CheckResult[] = [];
  try {
    await pipeline();
  } catch (error) {
    checks.push(fail(CHECK_VERIFIER, 'VERIFIER_ERROR', messageOf(error)));
  }
  return toReport(checks);

  async function pipeline(): Promise<void> {
    const structure = checkStructure(jwt, { maxBytes });
    checks.push(structure.check);
    if (!structure.jws) return;
    const jws = structure.jws;

    const algorithm = checkAlgorithm(jws.header, CREDENTIAL_ALGORITHMS);
    checks.push(algorithm);
    if (!algorithm.ok) return;

    const presentation = checkPresentationClaims(jws.payload, maxCredentials);
    checks.push(presentation.check);
    if (!presentation.claims) return;
    const { holder, nonce, audiences, credentials } = presentation.claims;

    let versionId: number | undefined;
    if (trust.didVersions && holder.startsWith('did:ethr:')) {
      try {
        versionId = await trust.didVersions.currentVersion(holder);
      } catch (error) {
        checks.push(resolutionFailure(CHECK_HOLDER_KEYS, error));
        return;
      }
    }
    const set = await resolveKeySet(trust.dids, holder, {
      relationship: 'authentication',
      checkId: CHECK_HOLDER_KEYS,
      accountKeys: caches.accountKeys,
      ...(versionId !== undefined && { versionId, keyCache: caches.authenticationKeys }),
    });
    if ('ok' in set) {
      checks.push(set);
      return;
    }
    if (set.keys.length === 0 && set.accounts.length === 0) {
      checks.push(fail(CHECK_HOLDER_KEYS, 'SIGNATURE_INVALID', `${holder} has no usable authentication key`));
      return;
    }
    checks.push(pass(CHECK_HOLDER_KEYS));

    const signature = verifyWithKeySet(jws.signingInput, jws.signature, set, caches.accountKeys);
    checks.push(signature.signer ? signature.check : fail(CHECK_SIGNATURE, 'SIGNATURE_INVALID', signature.check.detail ?? `not signed by an authentication key of ${holder}`));
    if (!signature.signer) return;

    const time = checkTime(jws.payload, { now, skewSeconds: settings.skewSeconds });
    if (!time.ok) {
      checks.push(time);
      return;
    }
    // When it was made: `iat`, or `nbf` (did-jwt-vc leaves iat out unless the payload sets it).
    const madeAt = typeof jws.payload.iat === 'number' ? jws.payload.iat : jws.payload.nbf;
    if (typeof madeAt !== 'number') {
      checks.push(fail(CHECK_TIME, 'MALFORMED', 'a presentation needs "iat" (or "nbf"): when it was made bounds how long it is accepted'));
      return;
    }
    if (now.getTime() / 1000 - madeAt > maxAge + settings.skewSeconds) {
      checks.push(fail(CHECK_TIME, 'EXPIRED', `made ${Math.round(now.getTime() / 1000 - madeAt)} s ago; a presentation is accepted for ${maxAge} s`));
      return;
    }
    checks.push(time);

    const challenge = checkChallenge(nonce, options.challenge);
    checks.push(challenge);
    if (!challenge.ok) return;
    const audience = checkAudience(audiences, options.domain);
    checks.push(audience);
    if (!audience.ok) return;
    // Remember the nonce for as long as this presentation could still be accepted.
    const acceptedUntil = Math.min(typeof jws.payload.exp === 'number' ? jws.payload.exp : Infinity, madeAt + maxAge) + settings.skewSeconds;
    const ttlSeconds = Math.max(1, Math.ceil(acceptedUntil - now.getTime() / 1000));
    const unused = await checkNonceUnused(options.nonces, options.domain!, options.challenge!, ttlSeconds);
    checks.push(unused);
    if (!unused.ok) return;

    const outcomes = await Promise.all(credentials.map((credential) => runCredential(credential, trust, caches, settings, now)));
    outcomes.forEach((outcome, i) => {
      const prefix = `credential[${i}].`;
      for (const check of outcome.report.checks) checks.push({ ...check, id: prefix + check.id });
      const subject = outcome.claims?.sub;
      if (subject === undefined) return;
      checks.push(subject === holder ? pass(`${prefix}holder`) : fail(`${prefix}holder`, 'HOLDER_MISMATCH', `the credential is about ${subject}, not the holder ${holder}`));
    });
  }
}
