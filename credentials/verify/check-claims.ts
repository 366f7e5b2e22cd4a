import { describe, fail, pass, type CheckResult, type FailedCheck } from './report.ts';

/**
 * Check 3 of a credential: the JWT claims have the shape of a VC Data Model 1.1 credential in
 * its JWT encoding (VC Data Model 1.1 §6.3.1, as did-jwt-vc writes it), and everything the later
 * checks read is extracted here, once:
 *
 * - `iss` is the issuer's DID (no query or fragment): §6.3.1 "iss MUST represent the issuer";
 *   a `vc.issuer`, when also present, must say the same.
 * - `sub` is the subject's DID (§6.3.1 "sub MUST represent the id property contained in the
 *   credentialSubject"): our credentials are always about a person or body with a DID, and
 *   a presentation checks that the holder is that subject. A `credentialSubject.id`, when
 *   also present, must be the same DID.
 * - `jti` is present (§6.3.1 "jti MUST represent the id property"): it is how the anchoring
 *   proof is asked for (by issuer and jti). Bounded and printable, as it goes into a URL path.
 * - `nbf` is present (§6.3.1 "nbf MUST represent issuanceDate"; issuanceDate is required by
 *   §4.6): issuance time is what accreditation is checked at.
 * - `vc['@context']` starts with https://www.w3.org/2018/credentials/v1 (§4.1 "The value of the
 *   @context property MUST be an ordered set where the first item is ...").
 * - `vc.type` includes VerifiableCredential (§4.3) and at least one more specific type, the one
 *   the issuer must be accredited for; at most MAX_TYPES, each a bounded string.
 * - `vc.credentialSubject` is one object (a list would make "who is the subject" ambiguous).
 * - `vc.issuanceDate` / `vc.expirationDate`, if also present, agree with nbf / exp: two readers
 *   of one credential must not see two validity periods.
 * - `vc.credentialStatus` is an object or a short array (read by the status check).
 */

export const CHECK_CLAIMS = 'claims';
export const VC_V1_CONTEXT = 'https://www.w3.org/2018/credentials/v1';
export const VC_TYPE = 'VerifiableCredential';
export const MAX_TYPES = 8;
export const MAX_STATUS_ENTRIES = 4;
export const MAX_JTI_LENGTH = 256;

export const DID_PATTERN = /^did:[a-z0-9]+:[A-Za-z0-9._:%-]+$/;
const PRINTABLE = /^[\x21-\x7e]+$/;

export interface CredentialClaims {
  iss: string;
  sub: string;
  jti: string;
  nbf: number;
  /** vc.type without VerifiableCredential: what accreditation is checked for. */
  types: string[];
  /** vc.credentialStatus as a list (empty when absent). */
  statusEntries: unknown[];
}

export type ClaimsResult = { check: CheckResult & { ok: true }; claims: CredentialClaims } | { check: FailedCheck; claims?: undefined };

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function checkCredentialClaims(payload: Record<string, unknown>): ClaimsResult {
  const bad = (detail: string): ClaimsResult => ({ check: fail(CHECK_CLAIMS, 'MALFORMED', detail) });
  const { iss, sub, jti, nbf, vc } = payload;
  if (typeof iss !== 'string' || !DID_PATTERN.test(iss)) return bad(`"iss" must be the issuer's DID, got ${describe(iss)}`);
  if (typeof sub !== 'string' || !DID_PATTERN.test(sub)) return bad(`"sub" must be the subject's DID, got ${describe(sub)}`);
  if (typeof jti !== 'string' || jti.length > MAX_JTI_LENGTH || !PRINTABLE.test(jti)) return bad(`"jti" must be a printable id of 1 to ${MAX_JTI_LENGTH} characters, got ${describe(jti)}`);
  if (typeof nbf !== 'number' || !Number.isFinite(nbf)) return bad(`"nbf" (the issuance date) is required, got ${describe(nbf)}`);
  if (!isRecord(vc)) return bad('"vc" must be an object');

  const context = vc['@context'];
  const first = Array.isArray(context) ? context[0] : context;
  if (first !== VC_V1_CONTEXT) return bad(`vc["@context"] must start with ${VC_V1_CONTEXT}`);

  const rawTypes = Array.isArray(vc.type) ? vc.type : [vc.type];
  if (rawTypes.length > MAX_TYPES + 1) return bad(`vc.type has ${rawTypes.length} entries; at most ${MAX_TYPES + 1}`);
  if (!rawTypes.every((t) => typeof t === 'string' && t.length > 0 && t.length <= 200)) return bad('vc.type must be strings');
  if (!rawTypes.includes(VC_TYPE)) return bad(`vc.type must include ${VC_TYPE}`);
  const types = [...new Set(rawTypes.filter((t) => t !== VC_TYPE))] as string[];
  if (types.length === 0) return bad('vc.type names no credential type besides VerifiableCredential');

  const subject = vc.credentialSubject;
  if (!isRecord(subject)) return bad('vc.credentialSubject must be one object');
  if (subject.id !== undefined && subject.id !== sub) return bad('vc.credentialSubject.id differs from "sub"');

  if (vc.issuer !== undefined) {
    const issuer = isRecord(vc.issuer) ? vc.issuer.id : vc.issuer;
    if (issuer !== iss) return bad('vc.issuer differs from "iss"');
  }
  if (vc.issuanceDate !== undefined && !sameInstant(vc.issuanceDate, nbf)) return bad('vc.issuanceDate differs from "nbf"');
  if (vc.expirationDate !== undefined && !sameInstant(vc.expirationDate, payload.exp)) return bad('vc.expirationDate differs from "exp"');

  const status = vc.credentialStatus;
  const statusEntries = status === undefined ? [] : Array.isArray(status) ? status : [status];
  if (statusEntries.length > MAX_STATUS_ENTRIES) return bad(`vc.credentialStatus has ${statusEntries.length} entries; at most ${MAX_STATUS_ENTRIES}`);

  return { check: pass(CHECK_CLAIMS), claims: { iss, sub, jti, nbf, types, statusEntries } };
}

/** An XSD dateTime string that names the same second as a NumericDate. */
function sameInstant(date: unknown, seconds: unknown): boolean {
  if (typeof date !== 'string' || typeof seconds !== 'number') return false;
  const ms = Date.parse(date);
  return Number.isFinite(ms) && Math.floor(ms / 1000) === Math.floor(seconds);
}
