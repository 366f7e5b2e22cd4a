import { createVerifierCaches, type CacheOptions, type VerifierCaches } from './caches.ts';
import type { VerificationReport } from './report.ts';
import type { VerifierTrust } from './trust.ts';
import { credentialSettings, runCredential, type VerifyCredentialOptions } from './verify-credential.ts';
import { runPresentation, type VerifyPresentationOptions } from './verify-presentation.ts';

/**
 * A verifier instance: the trust material and the caches it owns (caches.ts says what each
 * keeps and why none weakens a check), with options checked once at creation (a
 * misconfiguration throws here, not on the first credential). One per process is the intended
 * use (the gateway's /verify, `govshare verify`): its caches are what makes the warm path fast.
 */
export interface VerifierOptions extends Omit<VerifyCredentialOptions, 'now' | 'caches'>, CacheOptions {
  /** Presentation defaults (per call options override). */
  maxCredentials?: number;
  maxPresentationBytes?: number;
  maxPresentationAgeSeconds?: number;
}

export interface Verifier {
  readonly trust: VerifierTrust;
  readonly caches: VerifierCaches;
  verifyCredential(jwt: unknown, options?: { now?: Date }): Promise<VerificationReport>;
  verifyPresentation(jwt: unknown, options: Pick<VerifyPresentationOptions, 'challenge' | 'domain' | 'nonces' | 'now'>): Promise<VerificationReport>;
  /** Drops every cached answer (e.g. after changing trust configuration). */
  clear(): void;
}

export function createVerifier(trust: VerifierTrust, options: VerifierOptions = {}): Verifier {
  const settings = credentialSettings(options);
  const caches = createVerifierCaches({ ...(options.clock && { clock: options.clock }), ...(options.maxEntries !== undefined && { maxEntries: options.maxEntries }) });
  const presentationDefaults = {
    ...(options.maxCredentials !== undefined && { maxCredentials: options.maxCredentials }),
    ...(options.maxPresentationBytes !== undefined && { maxPresentationBytes: options.maxPresentationBytes }),
    ...(options.maxPresentationAgeSeconds !== undefined && { maxPresentationAgeSeconds: options.maxPresentationAgeSeconds }),
  };
  return {
    trust,
    caches,
    async verifyCredential(jwt, callOptions = {}) {
      return (await runCredential(jwt, trust, caches, settings, callOptions.now ?? new Date())).report;
    },
    verifyPresentation(jwt, callOptions) {
      return runPresentation(jwt, trust, caches, settings, { ...presentationDefaults, ...callOptions });
    },
    clear() {
      caches.assertionKeys.clear();
      caches.authenticationKeys.clear();
      caches.accountKeys.clear();
      caches.anchorings.clear();
      caches.checkpoints.clear();
      caches.statusLists.clear();
      caches.accreditations.clear();
      caches.history.clear();
    },
  };
}
