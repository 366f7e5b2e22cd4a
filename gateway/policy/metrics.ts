import { Counter, Gauge, type Registry } from 'prom-client';
import type { AgreementSource } from './agreements.ts';

export type DecisionOutcome = 'allowed' | 'filtered' | 'refused' | 'dry_run';

export interface PolicyMetrics {
  /** One per operation: nothing denied, fields removed, refused whole, or would-be removals in dry-run. */
  decided(outcome: DecisionOutcome): void;
  /** Denied field selections by the scope the caller lacked (per operation, not per list item). */
  denied(scope: string, count?: number): void;
  /** An agency decided without agreements (unreadable ledger): no category granted. */
  failedClosed(): void;
}

/**
 * The policy's series on the gateway's registry. The agreement gauges read the source when
 * scraped, so they cost nothing per request.
 */
export function createPolicyMetrics(registry: Registry, agreements?: () => AgreementSource | undefined): PolicyMetrics {
  const decisions = new Counter({
    name: 'govshare_policy_decisions_total',
    help: 'Operations by policy outcome: allowed (nothing denied), filtered, refused, dry_run (would have been filtered or refused)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const deniedFields = new Counter({
    name: 'govshare_policy_denied_fields_total',
    help: 'Denied field selections by the scope the caller lacked',
    labelNames: ['scope'] as const,
    registers: [registry],
  });
  const failedClosed = new Counter({
    name: 'govshare_policy_failed_closed_total',
    help: 'Agency requests decided while the sharing agreements could not be read: no data category granted',
    registers: [registry],
  });
  new Gauge({
    name: 'govshare_policy_agreements_fresh',
    help: '1 while the sharing agreements are known (read recently enough), 0 while categories are refused for want of them',
    registers: [registry],
    collect() {
      this.set(agreements?.()?.status().fresh ? 1 : 0);
    },
  });
  new Gauge({
    name: 'govshare_policy_agreements_age_seconds',
    help: 'Seconds since the sharing agreements were last confirmed on the ledger',
    registers: [registry],
    collect() {
      const age = agreements?.()?.status().ageSeconds;
      if (age !== null && age !== undefined) this.set(age);
    },
  });
  return {
    decided: (outcome) => decisions.inc({ outcome }),
    denied: (scope, count = 1) => deniedFields.inc({ scope }, count),
    failedClosed: () => failedClosed.inc(),
  };
}
