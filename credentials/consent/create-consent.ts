import { createVerifiableCredentialJwt, type Issuer, type JwtCredentialPayload } from 'did-jwt-vc';
import { InputError } from '../../platform/errors.ts';
import { CONSENT_CREDENTIAL_TYPE, MAX_CONSENT_DAYS, newConsentId, type ConsentClaims } from './consent-credential.ts';
import { parseConsent } from './parse-consent.ts';

export interface CreateConsentOptions {
  /** The agency's DID (`govshare agency list`). */
  agency: string;
  /** Data categories of ONE department (each department registers its own part). */
  categories: readonly string[];
  purpose: string;
  /** How long the consent lasts, in days (1 to MAX_CONSENT_DAYS); or give `expiresAt`. */
  days?: number;
  expiresAt?: Date;
  now?: Date;
}

export interface CreatedConsent extends ConsentClaims {
  jwt: string;
}

/**
 * The citizen signs a consent credential (consent-credential.ts) with their wallet's key:
 * `holder` is `walletSigner(wallet)` (or any did-jwt-vc Issuer whose DID is the citizen's).
 * The result is checked with the same parser the department uses, so a consent the
 * department would refuse for its shape is refused here, before it leaves the wallet.
 */
export async function createConsent(holder: Issuer, options: CreateConsentOptions): Promise<CreatedConsent> {
  const now = options.now ?? new Date();
  const iat = Math.floor(now.getTime() / 1000);
  let exp: number;
  if (options.expiresAt !== undefined) {
    exp = Math.floor(options.expiresAt.getTime() / 1000);
  } else {
    const days = options.days;
    if (typeof days !== 'number' || !Number.isFinite(days) || days <= 0 || days > MAX_CONSENT_DAYS) {
      throw new InputError('INVALID_ARGUMENT', `a consent lasts from 1 to ${MAX_CONSENT_DAYS} days; give days or expiresAt`);
    }
    exp = iat + Math.round(days * 24 * 3600);
  }
  const payload: JwtCredentialPayload = {
    sub: holder.did,
    jti: newConsentId(),
    nbf: iat,
    iat,
    exp,
    vc: {
      '@context': ['https://www.w3.org/2018/credentials/v1'],
      type: ['VerifiableCredential', CONSENT_CREDENTIAL_TYPE],
      credentialSubject: { agency: options.agency, categories: [...options.categories], purpose: options.purpose },
    },
  };
  // Checked before signing: what would be refused by the department is refused here.
  parseConsent({ ...payload, iss: holder.did });
  const jwt = await createVerifiableCredentialJwt(payload, holder);
  return { jwt, ...parseConsent({ ...payload, iss: holder.did }) };
}
