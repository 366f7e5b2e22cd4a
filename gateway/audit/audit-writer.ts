import { randomUUID } from 'node:crypto';
import { newSalt, recordDigest } from '../../anchor/log/record-digest.ts';
import type { Logger } from '../../platform/log.ts';
import type { Queryable } from '../../store/database.ts';
import type { AuditEntry, AuditRelease } from './audit-entry.ts';

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
 * which takes them all (up to `maxBatch`), and so do entries recorded in the same turn of the
 * event loop. Under load that is one transaction per batch instead of one per request; alone,
 * an entry commits at the end of its turn. Nothing is buffered past its commit, so
 * a crash loses only requests that were never answered.
 */
export function createAuditWriter(db: Queryable, options: { logger?: Logger; maxBatch?: number } = {}): AuditWriter {
  const maxBatch = options.maxBatch ?? 256;
  const queue: Waiting[] = [];
  let flushing: Promise<void> | undefined;
  let closed = false;

  const flush = async (): Promise<void> => {
    while (queue.length) {
      const batch = queue.splice(0, maxBatch);
      try {
        // One statement, so atomic on its own: no BEGIN and COMMIT round trips around it.
        await writeBatch(db, batch);
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
        // The first entry waits for the end of this turn of the event loop: requests that finish
        // together (the members of a merged department fetch) then commit in one statement.
        flushing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(flush);
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

/**
 * One statement per batch: the entries, their releases and their log rows are written by one
 * INSERT with two data-modifying CTEs (the check that every release names an entry runs at the
 * end of the statement, when the entries are there: migrations/002). A batch used to take four
 * statements (each table RETURNING its rows, then a log insert per table); on the embedded
 * database every statement has a fixed cost that weighed more than the rows, and the gateway
 * pays it on every commit.
 *
 * The rows travel as one JSON text parameter each (the embedded database encodes text far more
 * cheaply than bytea or arrays) and each row's digest is computed from the row as built here. That
 * row is what the database stores and returns: every value is a string (a uuid in canonical
 * lower case, an ISO timestamp at millisecond precision, text made well-formed below), a string
 * array, a small integer or the agreements' JSON, all of which read back as written, so
 * `govshare audit` re-hashes the same canonical text (tests check it on both storages).
 */
async function writeBatch(tx: Queryable, batch: readonly Waiting[]): Promise<void> {
  const entries = batch.map(({ id, entry }) => entryRow(id, entry));
  const releases = batch.flatMap(({ id, entry }) => entry.releases.map((release) => releaseRow(id, release)));
  const logged = [...entries.map((row) => ['audit_entries', row] as const), ...releases.map((row) => ['audit_releases', row] as const)];
  const salts = logged.map(() => newSalt());
  await tx.query(
    `WITH entries AS (
       INSERT INTO audit_entries (${ENTRY_COLUMNS.join(', ')})
       SELECT ${ENTRY_COLUMNS.join(', ')} FROM jsonb_to_recordset($1::jsonb) AS e(
         id uuid, at timestamptz, request_id text, agency_did text, purpose text, decision text, code text, operation_name text,
         operation_hash text, request_hash text, response_hash text, agreements jsonb, subgraphs text[], denied_paths text[], citizen_count integer)
     ), releases AS (
       INSERT INTO audit_releases (${RELEASE_COLUMNS.join(', ')})
       SELECT ${RELEASE_COLUMNS.join(', ')} FROM jsonb_to_recordset($2::jsonb) AS r(
         id uuid, entry_id uuid, citizen_did text, fields text[], categories text[], consent text)
     )
     INSERT INTO record_log (record_table, record_id, salt, digest)
     SELECT u.t, u.id, decode(u.s, 'hex'), decode(u.d, 'hex')
       FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS u(t, id, s, d, n) ORDER BY u.n`,
    [
      JSON.stringify(entries),
      JSON.stringify(releases),
      logged.map(([table]) => table),
      logged.map(([, row]) => row.id),
      salts.map((salt) => salt.toString('hex')),
      logged.map(([table, row], i) => recordDigest(table, row, salts[i]!).toString('hex')),
    ],
  );
}

const ENTRY_COLUMNS = [
  'id', 'at', 'request_id', 'agency_did', 'purpose', 'decision', 'code', 'operation_name', 'operation_hash',
  'request_hash', 'response_hash', 'agreements', 'subgraphs', 'denied_paths', 'citizen_count',
] as const;
const RELEASE_COLUMNS = ['id', 'entry_id', 'citizen_did', 'fields', 'categories', 'consent'] as const;

type Row = Record<string, unknown> & { id: string };

/** An audit_entries row exactly as the database will return it. */
function entryRow(id: string, entry: AuditEntry): Row {
  return {
    id,
    at: entry.at,
    request_id: text(entry.requestId),
    agency_did: nullableText(entry.agencyDid),
    purpose: nullableText(entry.purpose),
    decision: entry.decision,
    code: nullableText(entry.code),
    operation_name: nullableText(entry.operationName),
    operation_hash: nullableText(entry.operationHash),
    request_hash: text(entry.requestHash),
    response_hash: text(entry.responseHash),
    agreements: entry.agreements.map((a) => ({ id: a.id, categories: a.categories.map(text), legalBasis: a.legalBasis })),
    subgraphs: entry.subgraphs.map(text),
    denied_paths: entry.deniedPaths.map(text),
    citizen_count: entry.releases.length,
  };
}

/** An audit_releases row exactly as the database will return it. */
function releaseRow(entryId: string, release: AuditRelease): Row {
  return {
    id: randomUUID(),
    entry_id: entryId,
    citizen_did: text(release.citizen),
    fields: release.fields.map(text),
    categories: release.categories.map(text),
    consent: nullableText(release.consent),
  };
}

/**
 * Text as PostgreSQL stores it: no NUL (a text value cannot hold one) and no lone UTF-16
 * surrogate (UTF-8 has none). Both become U+FFFD, so one odd value (a purpose, a consent id
 * a department sent back) is recorded as the database can hold it instead of failing the
 * whole batch, and the digest covers what is stored.
 */
function text(value: string): string {
  return value.replace(/\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

function nullableText(value: string | null): string | null {
  return value === null ? null : text(value);
}
