import type { Database } from '../../../store/database.ts';
import type { IssuerSlot } from './issuer.ts';
import type { CredentialSettings } from './settings.ts';
import type { DepartmentCredentials } from './types.ts';

/** What the credential operations of one department work with; built once by the subgraph server. */
export interface CredentialContext {
  db: Database;
  settings: CredentialSettings;
  types: DepartmentCredentials;
  issuer: IssuerSlot;
}

/** An issued_credentials row as the database returns it. */
export interface IssuedCredentialRow {
  id: string;
  type: string;
  subject_did: string;
  issuer_did: string;
  requested_by: string;
  claims_source: 'RECORDS' | 'OFFICER';
  record_id: string | null;
  issued_at: string;
  expires_at: string | null;
  digest: string;
  status_series: number;
  status_index: number;
  revoked: boolean;
  suspended: boolean;
  status_reason: string | null;
  status_changed_by: string | null;
  status_changed_at: string | null;
}

export type CredentialStatus = 'ACTIVE' | 'SUSPENDED' | 'REVOKED';

/** Revoked wins over suspended: a revoked credential is never valid again. */
export function statusOf(row: Pick<IssuedCredentialRow, 'revoked' | 'suspended'>): CredentialStatus {
  return row.revoked ? 'REVOKED' : row.suspended ? 'SUSPENDED' : 'ACTIVE';
}
