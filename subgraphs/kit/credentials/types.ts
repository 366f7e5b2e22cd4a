import type { Queryable } from '../../../store/database.ts';
import type { DidResolver } from '../../../anchor/ledger/did.ts';

/** What a department's records say for one credential. */
export interface ClaimsFromRecords {
  /** credentialSubject, without `id` (the subject is the credential's `sub`). */
  claims: Record<string, unknown>;
  /** The record the claims were read from (kept with the issuance); null when several or none in particular. */
  recordId: string | null;
  /** When the credential stops being true by the records (e.g. a clearance's validUntil). */
  expiresAt?: Date;
}

export interface ClaimsRequest {
  subject: string;
  /** The record the caller named (input.recordId), if any: the department checks it is the subject's. */
  recordId: string | null;
  /** The issuance time (one clock for the whole issuance). */
  now: Date;
}

/**
 * Reads the claims of one credential type from the department's own records, inside the
 * issuance transaction (so the credential states what the committed records said when it was
 * signed). Null: the department has no such record about the subject (NO_RECORDS, or an
 * officer's claims). Throws NOT_ELIGIBLE (kit errors) when the records contradict the
 * credential (a conviction for NoCriminalRecordCredential).
 */
export type ClaimsBuilder = (q: Queryable, request: ClaimsRequest) => Promise<ClaimsFromRecords | null>;

export interface CredentialTypeSpec {
  claims: ClaimsBuilder;
  /** Validity of a credential whose records set no end (e.g. a clearance statement); none: it does not expire. */
  validForDays?: number;
  /** Example claims for `govshare issue` when neither records nor --claims give any (demo and tests). */
  demoClaims?: (subject: string, now: Date) => Record<string, unknown>;
}

/** The credential types a department issues (its accreditations), each with its claims. */
export type DepartmentCredentials = Readonly<Record<string, CredentialTypeSpec>>;

/** The department's signing identity, as it comes with anchoring (anchor/log/connect-anchoring.ts). */
export interface IssuerIdentity {
  did: string;
  privateKey: string;
  /** The ledger's DID documents: checks the keys of whoever signs a request. */
  resolver: DidResolver;
}
