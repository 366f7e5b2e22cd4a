import { credentialDigest } from '../issue/credential-digest.ts';
import { verifyJwt, type IssuerResolver } from '../verify/verify-jwt.ts';
import { ConsentError, type ConsentClaims } from './consent-credential.ts';
import { parseConsent } from './parse-consent.ts';

export interface VerifiedConsent extends ConsentClaims {
  jwt: string;
  /** SHA-256 of the JWS signing input, hex: one consent, one digest (ES256K signatures are malleable). */
  digest: string;
}

export interface VerifyConsentOptions {
  /** The ledger's DID documents: the citizen's keys. */
  resolver: IssuerResolver;
  now: Date;
  skewSeconds?: number;
}

/**
 * Checks a consent credential as the department registering it must: a compact JWS, ES256K,
 * signed by a key of the citizen's DID document in its `assertionMethod` relationship (at the
 * document's latest version), within its validity period, then its claims (parse-consent.ts).
 *
 * assertionMethod, not authentication: a consent is a statement the citizen makes and the
 * department keeps as evidence (a credential the citizen issues, VC Data Model §5.8 proof
 * purpose), not a proof of who is calling right now; the signed requests that change things
 * (revocation) use authentication. For a wallet's fresh did:ethr both list its `#controller`,
 * so a wallet key signs both; a key published for assertions only (did:ethr `veriKey`) can
 * sign consents but not requests.
 *
 * Throws ConsentError: CONSENT_INVALID with the failed check as reason, or
 * RESOLUTION_UNAVAILABLE when the ledger cannot be read.
 */
export async function verifyConsent(jwt: unknown, options: VerifyConsentOptions): Promise<VerifiedConsent> {
  const report = await verifyJwt(jwt, {
    resolver: options.resolver,
    now: options.now,
    relationship: 'assertionMethod',
    algorithms: ['ES256K'],
    ...(options.skewSeconds !== undefined && { skewSeconds: options.skewSeconds }),
  });
  const failed = report.checks.find((check) => !check.ok);
  if (failed || !report.jws) {
    const reason = failed?.code ?? 'MALFORMED';
    if (reason === 'RESOLUTION_UNAVAILABLE') throw new ConsentError(reason, 'the ledger cannot be reached to check the citizen\'s keys; nothing was registered', 'RESOLUTION_UNAVAILABLE');
    throw new ConsentError(reason, `the consent was refused: ${failed?.id ?? 'structure'} ${reason}${failed?.detail ? ` (${failed.detail})` : ''}`);
  }
  const claims = parseConsent(report.jws.payload);
  return { ...claims, jwt: jwt as string, digest: credentialDigest(jwt as string).toString('hex') };
}
