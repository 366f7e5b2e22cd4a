/**
 * The one storage interface every department uses. Two implementations: an
 * embedded PGlite per department under the data dir (the default) and a
 * PostgreSQL server with one schema per department (GOVSHARE_DB_URL). Both speak
 * the same SQL, so one set of migrations serves both.
 *
 * Rows come back with the same JS types from both: int8 as number (amounts in
 * minor units stay far below 2^53), numeric as string, date as 'YYYY-MM-DD',
 * timestamptz as an ISO-8601 string.
 */
export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs several statements separated by semicolons, without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** The schema (PostgreSQL) or data directory (PGlite) this database lives in, for messages. */
  readonly location: string;
  /**
   * Runs `work` in one transaction. Keep it short: never await the network or
   * the ledger inside (every PGlite transaction is serialised).
   */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Postgres type OIDs whose text form we parse the same way in both drivers. */
export const TYPE_OIDS = { INT8: 20, DATE: 1082, TIMESTAMPTZ: 1184, TIMESTAMP: 1114 } as const;

export function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${text} is outside the safe integer range`);
  return n;
}

/** Postgres prints timestamptz as '2026-11-25 08:21:10.914+00'; normalise to ISO-8601 UTC. */
export function parseTimestamp(text: string): string {
  return new Date(text.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00')).toISOString();
}

export const parseDate = (text: string): string => text;
