/**
 * Issuer side: the payload of a BitstringStatusListCredential as a VC Data Model 1.1 JWT
 * (W3C Bitstring Status List v1.0 §2.2). Signing happens elsewhere (did-jwt / did-jwt-vc take this
 * payload as is: registered claims plus a `vc` object).
 *
 * VC 1.1 JWT encoding (VC Data Model 1.1 §6.3.1): iss = issuer, nbf = issuanceDate (here the
 * list's validFrom), exp = expirationDate, jti = credential id, sub = credentialSubject.id.
 */
import { Bitstring } from './bitstring.ts';
import { checkListUrl } from './entry.ts';
import { StatusListError } from './errors.ts';
import { isStatusPurpose, type StatusPurpose } from './purpose.ts';

export const VC_V1_CONTEXT = 'https://www.w3.org/2018/credentials/v1';
/** JSON-LD context defining the Bitstring Status List terms for VC Data Model 1.1 credentials. */
export const STATUS_LIST_V1_CONTEXT = 'https://www.w3.org/ns/credentials/status/v1';
export const STATUS_LIST_CREDENTIAL_TYPE = 'BitstringStatusListCredential';
export const STATUS_LIST_SUBJECT_TYPE = 'BitstringStatusList';

export interface BitstringStatusListSubject {
  /** `${listUrl}#list` (the spec's examples use this form). */
  id: string;
  type: typeof STATUS_LIST_SUBJECT_TYPE;
  statusPurpose: StatusPurpose;
  encodedList: string;
  /** §2.2 `ttl`: "time to live" in milliseconds, a caching hint for verifiers. */
  ttl?: number;
}

export interface StatusListVc {
  '@context': [typeof VC_V1_CONTEXT, typeof STATUS_LIST_V1_CONTEXT];
  type: ['VerifiableCredential', typeof STATUS_LIST_CREDENTIAL_TYPE];
  credentialSubject: BitstringStatusListSubject;
}

/** JWT claims set of the status list VC-JWT. */
export interface StatusListCredentialPayload {
  iss: string;
  sub: string;
  jti: string;
  nbf: number;
  exp?: number;
  vc: StatusListVc;
}

export interface StatusListCredentialOptions {
  issuerDid: string;
  /** Where the list credential is served (`statusListCredential` of the entries). */
  listUrl: string;
  purpose: StatusPurpose;
  bitstring: Bitstring;
  validFrom: Date;
  /** Optional end of validity (→ exp); verifiers must then refetch. */
  validUntil?: Date;
  /** Optional §2.2 ttl in milliseconds. */
  ttlMs?: number;
}

function epochSeconds(date: Date, name: string): number {
  const ms = date instanceof Date ? date.getTime() : Number.NaN;
  if (!Number.isFinite(ms)) throw new StatusListError('STATUS_ARGUMENT_INVALID', `${name} must be a valid Date`);
  return Math.floor(ms / 1000);
}

export function statusListCredentialPayload(options: StatusListCredentialOptions): StatusListCredentialPayload {
  const { issuerDid, purpose, bitstring, ttlMs } = options;
  const listUrl = checkListUrl(options.listUrl);
  if (typeof issuerDid !== 'string' || !/^did:[a-z0-9]+:\S+$/.test(issuerDid)) {
    throw new StatusListError('STATUS_ARGUMENT_INVALID', `issuerDid is not a DID: ${String(issuerDid).slice(0, 80)}`);
  }
  if (!isStatusPurpose(purpose)) throw new StatusListError('STATUS_ARGUMENT_INVALID', `unknown status purpose ${String(purpose)}`);
  if (!(bitstring instanceof Bitstring)) throw new StatusListError('STATUS_ARGUMENT_INVALID', 'bitstring must be a Bitstring');
  if (ttlMs !== undefined && (!Number.isSafeInteger(ttlMs) || ttlMs <= 0)) {
    throw new StatusListError('STATUS_ARGUMENT_INVALID', `ttlMs must be a positive integer, got ${ttlMs}`);
  }
  const nbf = epochSeconds(options.validFrom, 'validFrom');
  const exp = options.validUntil === undefined ? undefined : epochSeconds(options.validUntil, 'validUntil');
  if (exp !== undefined && exp <= nbf) throw new StatusListError('STATUS_ARGUMENT_INVALID', 'validUntil must be after validFrom');

  const subjectId = `${listUrl}#list`;
  const credentialSubject: BitstringStatusListSubject = {
    id: subjectId,
    type: STATUS_LIST_SUBJECT_TYPE,
    statusPurpose: purpose,
    encodedList: bitstring.encode(),
  };
  if (ttlMs !== undefined) credentialSubject.ttl = ttlMs;
  const payload: StatusListCredentialPayload = {
    iss: issuerDid,
    sub: subjectId,
    jti: listUrl,
    nbf,
    vc: {
      '@context': [VC_V1_CONTEXT, STATUS_LIST_V1_CONTEXT],
      type: ['VerifiableCredential', STATUS_LIST_CREDENTIAL_TYPE],
      credentialSubject,
    },
  };
  if (exp !== undefined) payload.exp = exp;
  return payload;
}
