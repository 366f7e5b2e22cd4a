import type { RegisteredConsent } from '../../../credentials/consent/registered-consent.ts';
import type { Database } from '../../../store/database.ts';
import type { IssuerSlot } from '../credentials/issuer.ts';

/** What the consent operations of one department work with; built once by the subgraph server. */
export interface ConsentContext {
  db: Database;
  department: string;
  /** The data categories this department holds: the category scopes of its own schema. */
  categories: ReadonlySet<string>;
  /** The department's ledger connection (its DID and resolver): checks citizens' signatures. */
  issuer: IssuerSlot;
}

/** A consents row as the database returns it. */
export interface ConsentRow {
  id: string;
  citizen_did: string;
  citizen_key: string;
  agency_did: string;
  agency_key: string;
  purpose: string;
  categories: string[];
  valid_from: string;
  expires_at: string;
  credential: string;
  digest: string;
  registered_at: string;
  revoked: boolean;
  revoked_at: string | null;
  revoked_by: string | null;
}

/** The Consent GraphQL object: what a wallet receives (credentials/consent/registered-consent.ts). */
export type ConsentAnswer = RegisteredConsent;
export type ConsentStatus = RegisteredConsent['status'];

/** The columns a ConsentAnswer is made of: a listing reads these, not the stored credential. */
export const CONSENT_ANSWER_COLUMNS = 'id, citizen_did, agency_did, purpose, categories, valid_from, expires_at, registered_at, revoked, revoked_at';
export type ConsentAnswerRow = Pick<ConsentRow, 'id' | 'citizen_did' | 'agency_did' | 'purpose' | 'categories' | 'valid_from' | 'expires_at' | 'registered_at' | 'revoked' | 'revoked_at'>;

/** Revoked wins over expired: a revoked consent stays revoked whatever the clock says. */
export function consentAnswer(row: ConsentAnswerRow, now: Date): ConsentAnswer {
  return {
    jti: row.id,
    citizen: row.citizen_did,
    agency: row.agency_did,
    purpose: row.purpose,
    categories: row.categories,
    validFrom: row.valid_from,
    expiresAt: row.expires_at,
    registeredAt: row.registered_at,
    status: row.revoked ? 'REVOKED' : Date.parse(row.expires_at) <= now.getTime() ? 'EXPIRED' : 'ACTIVE',
    revokedAt: row.revoked_at,
  };
}
