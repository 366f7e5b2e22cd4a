import { createHash } from 'node:crypto';

/** Decisions as the audit trail records them (see migrations/001_audit_entries.sql). */
export type AuditDecision = 'granted' | 'filtered' | 'denied' | 'refused';

/** What one request released about one citizen. */
export interface AuditRelease {
  citizen: string;
  /** "Type.field" coordinates. */
  fields: string[];
  categories: string[];
  /** The consent credential relied on, when the agreement's basis is consent. */
  consent: string | null;
}

/** One request as the audit trail keeps it: who, why, under what, what was released about whom. */
export interface AuditEntry {
  at: Date;
  requestId: string;
  agencyDid: string | null;
  purpose: string | null;
  decision: AuditDecision;
  code: string | null;
  operationName: string | null;
  operationHash: string | null;
  requestHash: string;
  responseHash: string;
  agreements: { id: number; categories: string[]; legalBasis: 'consent' | 'statute' }[];
  subgraphs: string[];
  deniedPaths: string[];
  releases: AuditRelease[];
}

/** The tables whose rows are the trail's records (their record_table in the Merkle log). */
export const AUDIT_TABLES = ['audit_entries', 'audit_releases'] as const;

/** Hex SHA-256: request bodies, response bodies and operation texts are kept only as this. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * The entry of a request refused before GraphQL ran (authentication, rate limit, allow-list):
 * nothing was planned or released, but the attempt is on the record too.
 */
export function refusedEntry(options: { at: Date; requestId: string; agencyDid: string | null; purpose: string | null; code: string; request: unknown; response: unknown }): AuditEntry {
  return {
    at: options.at,
    requestId: options.requestId,
    agencyDid: options.agencyDid,
    purpose: options.purpose,
    decision: 'refused',
    code: options.code,
    operationName: null,
    operationHash: null,
    requestHash: sha256Hex(JSON.stringify(options.request ?? null)),
    responseHash: sha256Hex(JSON.stringify(options.response ?? null)),
    agreements: [],
    subgraphs: [],
    deniedPaths: [],
    releases: [],
  };
}
