import { randomBytes } from 'node:crypto';
import { GovshareError } from '../../platform/errors.ts';

/**
 * A citizen's consent (DESIGN.md "Trust model"; issue 6) as a VC Data Model 1.1 JWT the citizen
 * signs with their wallet: issuer, holder and subject are the citizen's DID (nobody else can
 * consent for them), and the claims say to which agency (its DID), for which data categories
 * and which purpose the citizen allows the department holding that data to release it, until
 * when. It is registered with that department (the controller), which stores it as evidence and
 * checks it on every request; the citizen revokes it there with a signed request.
 *
 * JWT payload (VC-JWT encoding, VC Data Model 1.1 §6.3.1):
 * - `iss` = `sub` = the citizen's DID; `jti`: urn:govshare:consent:<256 random bits>;
 * - `nbf` = `iat`, `exp`: at most MAX_CONSENT_DAYS apart (a consent is time-limited by design);
 * - `vc`: `{ "@context": [v1], type: ["VerifiableCredential", "ConsentCredential"],
 *   credentialSubject: { agency, categories, purpose } }`.
 */
export const CONSENT_CREDENTIAL_TYPE = 'ConsentCredential';
export const CONSENT_ID_PREFIX = 'urn:govshare:consent:';
export const CONSENT_ID = /^urn:govshare:consent:[A-Za-z0-9_-]{43}$/;
/** Two years: long enough for a job application or a loan, short enough that consent is renewed, not forgotten. */
export const MAX_CONSENT_DAYS = 730;
/** Purpose codes as agency tokens carry them (gateway/auth/authenticate-agency.ts). */
export const PURPOSE = /^[a-z][a-z0-9-]{1,63}$/;
/** A data category: `<department>.<name>` (gateway/access/categories.ts). */
export const CATEGORY = /^[a-z]+\.[a-z-]{1,63}$/;
export const MAX_CONSENT_CATEGORIES = 32;

/** What a consent says, once its structure checked out. */
export interface ConsentClaims {
  jti: string;
  /** The citizen: issuer and subject. */
  citizen: string;
  /** The agency the citizen consents to release data to. */
  agency: string;
  categories: string[];
  purpose: string;
  issuedAt: Date;
  expiresAt: Date;
}

/** Every reason a consent is refused for (ConsentError's `reason`). */
export const ConsentRefusal = {
  /** Not a consent credential: structure, claims or types wrong. */
  MALFORMED: 'MALFORMED',
  /** Issued by someone other than its subject: nobody consents for a citizen but the citizen. */
  ISSUER_NOT_SUBJECT: 'ISSUER_NOT_SUBJECT',
  /** exp - nbf over MAX_CONSENT_DAYS. */
  LIFETIME_TOO_LONG: 'LIFETIME_TOO_LONG',
  /** A category this department does not hold (register each department's part with it). */
  CATEGORY_NOT_HELD: 'CATEGORY_NOT_HELD',
} as const;

/**
 * A refused consent: code CONSENT_INVALID (or RESOLUTION_UNAVAILABLE when the citizen's DID
 * cannot be read from the ledger), `detail.reason` the failed check: one of ConsentRefusal or a
 * verifier code (SIGNATURE_INVALID, EXPIRED, NOT_YET_VALID, ALGORITHM_NOT_ALLOWED, ...).
 */
export class ConsentError extends GovshareError {
  readonly reason: string;
  constructor(reason: string, message: string, code: 'CONSENT_INVALID' | 'RESOLUTION_UNAVAILABLE' = 'CONSENT_INVALID') {
    super(code, message, { detail: { reason } });
    this.reason = reason;
  }
}

/** A fresh consent id: 256 random bits, like a credential's (its digest must not be guessable). */
export function newConsentId(): string {
  return CONSENT_ID_PREFIX + randomBytes(32).toString('base64url');
}
