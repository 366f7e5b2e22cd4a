import type { Logger } from '../platform/log.ts';
import type { AgencyIdentity } from './auth/authenticate-agency.ts';
import type { RequestAudit } from './audit/request-audit.ts';
import type { PolicyDecision } from './policy/decide.ts';
import type { PreparedOperation } from './policy/policy-plugin.ts';

/** What every gateway plugin and data source sees of one request. */
export interface GatewayContext {
  requestId: string;
  logger: Logger;
  /** The authenticated agency; undefined for an anonymous caller. */
  agency?: AgencyIdentity;
  /** What this caller may read: its scopes and, per category, the agreement it reads under. */
  decision: PolicyDecision;
  /** The operation as the policy rewrote it, set once the operation is resolved (policyPlugin). */
  policy?: PreparedOperation;
  /** What the audit entry collects while the request runs (gateway/audit/). */
  audit?: RequestAudit;
  /** Gateway tokens signed (or being signed) for this request, per department (subgraph-client/data-source.ts). */
  subgraphTokens?: Map<string, Promise<string>>;
}
