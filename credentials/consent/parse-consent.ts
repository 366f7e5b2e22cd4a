import { identityOf } from './identity-of.ts';
import { CONSENT_CREDENTIAL_TYPE, CONSENT_ID, CATEGORY, ConsentError, ConsentRefusal, MAX_CONSENT_CATEGORIES, MAX_CONSENT_DAYS, PURPOSE, type ConsentClaims } from './consent-credential.ts';

const DID = /^did:[a-z0-9]+:[A-Za-z0-9._%:-]+$/;
const DAY_SECONDS = 24 * 3600;

/**
 * Reads a consent credential's claims from its JWT payload and checks their shape: what the
 * signature covers says what it must (consent-credential.ts). No signature or clock here:
 * verify-consent.ts checks those first, against the ledger, and then calls this. Throws
 * ConsentError (CONSENT_INVALID) naming the first claim at fault.
 */
export function parseConsent(payload: Record<string, unknown>): ConsentClaims {
  const bad = (reason: string, message: string) => new ConsentError(reason, message);
  const malformed = (message: string) => bad(ConsentRefusal.MALFORMED, message);
  const { iss, sub, jti, nbf, iat, exp, vc } = payload;
  if (typeof iss !== 'string' || !DID.test(iss)) throw malformed('iss must be the citizen\'s DID');
  if (typeof sub !== 'string' || !DID.test(sub)) throw malformed('sub must be the citizen\'s DID');
  // Compared as identities: a did:ethr address is case-insensitive (EIP-55 case is a checksum).
  if (identityOf(iss) !== identityOf(sub)) throw bad(ConsentRefusal.ISSUER_NOT_SUBJECT, 'a consent is signed by the citizen it is about: iss must be sub');
  if (typeof jti !== 'string' || !CONSENT_ID.test(jti)) throw malformed('jti must be a consent id (urn:govshare:consent:<256 random bits, base64url>)');
  for (const [name, value] of [['iat', iat], ['exp', exp]] as const) {
    if (typeof value !== 'number' || !Number.isInteger(value)) throw malformed(`${name} is required, in whole seconds`);
  }
  const from = typeof nbf === 'number' ? nbf : (iat as number);
  if ((exp as number) <= from) throw malformed('exp must be after nbf');
  if ((exp as number) - from > MAX_CONSENT_DAYS * DAY_SECONDS) throw bad(ConsentRefusal.LIFETIME_TOO_LONG, `a consent lasts at most ${MAX_CONSENT_DAYS} days`);

  const credential = vc as { type?: unknown; credentialSubject?: Record<string, unknown> } | undefined;
  if (!credential || typeof credential !== 'object') throw malformed('vc is missing');
  if (!Array.isArray(credential.type) || !credential.type.includes('VerifiableCredential') || !credential.type.includes(CONSENT_CREDENTIAL_TYPE)) {
    throw malformed(`vc.type must list VerifiableCredential and ${CONSENT_CREDENTIAL_TYPE}`);
  }
  const subject = credential.credentialSubject;
  if (!subject || typeof subject !== 'object' || Array.isArray(subject)) throw malformed('vc.credentialSubject must be an object');
  if (subject.id !== undefined && (typeof subject.id !== 'string' || identityOf(subject.id) !== identityOf(sub))) throw malformed('credentialSubject.id, when present, must be sub');
  const { agency, categories, purpose } = subject;
  if (typeof agency !== 'string' || !DID.test(agency)) throw malformed('credentialSubject.agency must be the agency\'s DID');
  if (typeof purpose !== 'string' || !PURPOSE.test(purpose)) throw malformed('credentialSubject.purpose must be a purpose code (e.g. degree-verification)');
  if (!Array.isArray(categories) || categories.length === 0 || categories.length > MAX_CONSENT_CATEGORIES) {
    throw malformed(`credentialSubject.categories must list 1 to ${MAX_CONSENT_CATEGORIES} data categories`);
  }
  if (!categories.every((c): c is string => typeof c === 'string' && CATEGORY.test(c))) throw malformed('each category must look like education.degree');
  if (new Set(categories).size !== categories.length) throw malformed('categories must not repeat');

  return {
    jti,
    citizen: sub,
    agency,
    categories: [...categories].sort(),
    purpose,
    issuedAt: new Date(from * 1000),
    expiresAt: new Date((exp as number) * 1000),
  };
}
