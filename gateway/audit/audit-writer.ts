import { randomUUID } from 'node:crypto';
import { newSalt, recordDigest } from '../../anchor/log/record-digest.ts';
import type { Logger } from '../../platform/log.ts';
import type { Database, Queryable } from '../../store/database.ts';
import type { AuditEntry } from './audit-entry.ts';

export interface AuditWriter {
  /**
   * Appends one entry (and its releases) and resolves once it is committed together with its
   * log leaves. Callers await it before answering: no data leaves the gateway without its
   * audit record. Rejects with AUDIT_UNAVAILABLE when the database refuses.
   */
  record(entry: AuditEntry): Promise<{ id: string }>;
  /** Entries waiting for the next commit. */
  readonly pending: number;
  /** Waits for every entry handed in so far, then refuses new ones. */
  close(): Promise<void>;
}

interface Waiting {
  id: string;
  entry: AuditEntry;
  resolve: (value: { id: string }) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: entries that arrive while a transaction is committing wait for the next one,
 * which takes them all (up to `maxBatch`). Under load that is one transaction per batch instead
 * of one per request; alone, an entry commits at once. Nothing is buffered past its commit, so
 * a crash loses only requests that were never answered.
 */
export function createAuditWriter(db: Database, options: { logger?: Logger; maxBatch?: number } = {}): AuditWriter {
  const maxBatch = options.maxBatch ?? 256;
  const queue: Waiting[] = [];
  let flushing: Promise<void> | undefined;
  let closed = false;

  const flush = async (): Promise<void> => {
    while (queue.length) {
      const batch = queue.splice(0, maxBatch);
      try {
        await db.transaction((tx) => writeBatch(tx, batch));
        for (const waiting of batch) waiting.resolve({ id: waiting.id });
      } catch (error) {
        options.logger?.error({ err: error, entries: batch.length }, 'audit entries could not be written');
        const refused = Object.assign(new Error('the audit trail could not record this request'), { code: 'AUDIT_UNAVAILABLE', cause: error });
        for (const waiting of batch) waiting.reject(refused);
      }
    }
    // Cleared in the same synchronous step as the last empty-queue check: clearing it in a
    // .finally() left a gap in which a resolved waiter's continuation could call record(), find
    // `flushing` still set, and wait for a later record() (forever if none came).
    flushing = undefined;
  };

  return {
    record(entry) {
      if (closed) return Promise.reject(Object.assign(new Error('the audit trail is closed'), { code: 'AUDIT_UNAVAILABLE' }));
      return new Promise((resolve, reject) => {
        queue.push({ id: randomUUID(), entry, resolve, reject });
        flushing ??= flush();
      });
    },
    get pending() {
      return queue.length;
    },
    async close() {
      closed = true;
      while (flushing) await flushing;
    },
  };
}

const ENTRY_COLUMNS = [
  'id', 'at', 'request_id', 'agency_did', 'purpose', 'decision', 'code', 'operation_name', 'operation_hash',
  'request_hash', 'response_hash', 'agreements', 'subgraphs', 'denied_paths', 'citizen_count',
] as const;
const RELEASE_COLUMNS = ['id', 'entry_id', 'citizen_did', 'fields', 'categories', 'consent'] as const;

/** One multi-row INSERT per table, then each returned row into the log (as the database returned it, so audits re-hash the same bytes). */
async function writeBatch(tx: Queryable, batch: readonly Waiting[]): Promise<void> {
  const entries = batch.map(({ id, entry }) => [
    id, entry.at.toISOString(), entry.requestId, entry.agencyDid, entry.purpose, entry.decision, entry.code, entry.operationName, entry.operationHash,
    entry.requestHash, entry.responseHash, JSON.stringify(entry.agreements), entry.subgraphs, entry.deniedPaths, entry.releases.length,
  ]);
  await logRows(tx, 'audit_entries', await insertRows(tx, 'audit_entries', ENTRY_COLUMNS, entries, { agreements: 'jsonb', subgraphs: 'text[]', denied_paths: 'text[]' }));
  const releases = batch.flatMap(({ id, entry }) =>
    entry.releases.map((release) => [randomUUID(), id, release.citizen, release.fields, release.categories, release.consent]),
  );
  if (!releases.length) return;
  await logRows(tx, 'audit_releases', await insertRows(tx, 'audit_releases', RELEASE_COLUMNS, releases, { fields: 'text[]', categories: 'text[]' }));
}

/** What logRecord does for each row, for a whole batch in one statement (row order kept). */
async function logRows(tx: Queryable, table: string, rows: Record<string, unknown>[]): Promise<void> {
  const salts = rows.map(() => newSalt());
  await tx.query(
    'INSERT INTO record_log (record_table, record_id, salt, digest) SELECT $1, u.id, u.s, u.d FROM unnest($2::text[], $3::bytea[], $4::bytea[]) WITH ORDINALITY AS u(id, s, d, n) ORDER BY u.n',
    [table, rows.map((row) => String(row.id)), salts, rows.map((row, i) => recordDigest(table, row, salts[i]!))],
  );
}

async function insertRows(tx: Queryable, table: string, columns: readonly string[], rows: unknown[][], casts: Record<string, string>): Promise<Record<string, unknown>[]> {
  const params: unknown[] = [];
  const values = rows.map((row) => `(${row.map((value, i) => {
    params.push(value);
    const cast = casts[columns[i]!];
    return cast ? `$${params.length}::${cast}` : `$${params.length}`;
  }).join(', ')})`);
  return tx.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values.join(', ')} RETURNING *`, params);
}
