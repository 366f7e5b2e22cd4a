import type { StorageConfig } from '../../store/open.ts';
import type { Config } from '../../platform/config.ts';
import type { AuditEntry } from './audit-entry.ts';

/**
 * What the gateway's thread and its audit trail's thread say to each other
 * (audit-trail-thread.ts, audit-trail-worker.ts). Every request carries a `ref` its answer
 * repeats. Errors cross as their message and stable code.
 */
export type ToAuditTrail =
  /** Entries recorded in one turn of the gateway's event loop, for one group commit. */
  | { kind: 'record'; entries: Array<{ ref: number; entry: AuditEntry }> }
  /** A read (GET /access-log); rows come back as the database returned them. */
  | { kind: 'query'; ref: number; sql: string; params: readonly unknown[] }
  | { kind: 'close' };

export type FromAuditTrail =
  | { kind: 'ready' }
  | { kind: 'start-failed'; error: CrossedError }
  | { kind: 'recorded'; results: Array<{ ref: number; id: string } | { ref: number; error: CrossedError }> }
  | { kind: 'rows'; ref: number; rows: unknown[] }
  | { kind: 'query-failed'; ref: number; error: CrossedError }
  | { kind: 'closed' };

export interface CrossedError {
  message: string;
  code?: string;
}

/** What the audit trail's thread is started with. */
export interface AuditTrailWorkerData {
  /** The worker module (audit-trail-worker.ts), loaded once tsx is registered in the thread. */
  module: string;
  config: StorageConfig & Pick<Config, 'ledgerRpcUrl' | 'ledgerChainId' | 'ledgerPort' | 'checkpointSeconds' | 'checkpointLeaves'>;
  /** Connect to the ledger and anchor the log (off in tests without a ledger). */
  anchor: boolean;
}

export function crossed(error: unknown): CrossedError {
  const code = (error as { code?: unknown }).code;
  return { message: error instanceof Error ? error.message : String(error), ...(typeof code === 'string' && { code }) };
}

export function uncrossed(error: CrossedError): Error & { code?: string } {
  return Object.assign(new Error(error.message), error.code === undefined ? {} : { code: error.code });
}
