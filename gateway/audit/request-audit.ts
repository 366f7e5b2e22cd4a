import type { AuditDecision, AuditEntry } from './audit-entry.ts';

/** What policy decided for one request, as the trail records it. */
export interface PolicyOutcome {
  decision: Exclude<AuditDecision, 'refused'>;
  code?: string;
  agreements: AuditEntry['agreements'];
  deniedPaths: string[];
  /** Citizen DID → the consent credential relied on (consent-based categories only). */
  consents?: ReadonlyMap<string, { consent: string; categories: string[] }>;
  /** Category of each "Type.field" coordinate, for the releases' categories. */
  categoryOf?: (coordinate: string) => string | undefined;
}

/**
 * What one request contributes to its audit entry while it runs, carried in the request
 * context: the subgraphs actually called (added by the data source as it fetches) and the
 * policy outcome (set by the policy layer). The audit plugin turns it into the entry when the
 * response is ready.
 */
export class RequestAudit {
  readonly subgraphs = new Set<string>();
  /** Citizen DID → the consent a department released data under (its response's extensions.consents). */
  readonly consents = new Map<string, { consent: string; categories: string[] }>();
  policy: PolicyOutcome | undefined;
}

/** The part of a request context the audit needs; the gateway's context has it. */
export interface AuditedContext {
  requestId: string;
  agency?: { did: string; purpose: string } | undefined;
  audit?: RequestAudit;
}
