import crypto from 'node:crypto';
import type { Database, Queryable } from '../../store/database.ts';
import { parseDate, parseInt8, parseTimestamp } from '../../store/database.ts';
import { canonicalJson, recordDigest } from './record-digest.ts';

/** One record whose stored row disagrees with the log. */
export interface RecordFinding {
  table: string;
  id: string;
  /**
   * ALTERED: the row no longer hashes to its latest logged digest.
   * INSERTED: a row the store never logged (written behind its back).
   * DELETED: a logged record whose row is gone.
   */
  problem: 'ALTERED' | 'INSERTED' | 'DELETED';
}

export interface RecordCheckResult {
  checked: number;
  findings: RecordFinding[];
}

/** Rows per FETCH of the audit cursor (and per page of the fallback). */
const PAGE = 5_000;
/** Column aliases for the joined log entry; no record table has columns of these names. */
const SALT = '__govshare_log_salt';
const DIGEST = '__govshare_log_digest';
/** Added to every scanned row: NULL on the log side of the full join means "no row". */
const ROW = '__govshare_row';
const CURSOR = 'govshare_audit_records';

/**
 * Re-hashes every row of `tables` and compares it with the latest log entry
 * of that record (`govshare audit`, first half: records against leaves).
 *
 * Everything is read in one read-only transaction (one snapshot: on
 * PostgreSQL a record written while the audit runs cannot be half seen), each
 * table through one cursor over a full join of its rows with the latest
 * salted log entry of each record id (an unsalted leaf is not a record digest:
 * 003_unsalted_leaves.sql), fetched a page at a time, so memory stays flat on
 * large departments and the database does one hash join instead of an index
 * probe per row. A row with no entry is INSERTED, an entry with no row DELETED,
 * a row whose digest differs ALTERED.
 *
 * Each row comes back as one JSON text, whose values decode to exactly the
 * values the storage driver hands a store for that column (see COLUMN_KINDS),
 * so the digest recomputed here is the digest `logRecord` computed from the
 * row the store wrote (test/anchor/log-check-records.test.ts pins this, per
 * column type and on both storages, against `recordDigest`). A table with a
 * column of another type is checked the slower way, row objects from the driver.
 */
export async function checkRecords(
  db: Pick<Database, 'transaction'>,
  tables: readonly string[],
  onProgress?: (checked: number) => void,
): Promise<RecordCheckResult> {
  for (const table of tables) if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`not a table name: ${table}`);
  return db.transaction(async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    // The latest entry of every record of a table is hashed or sorted in memory rather than on disk.
    await tx.query("SET LOCAL work_mem = '64MB'");
    const findings: RecordFinding[] = [];
    let checked = 0;
    const progress = (rows: number) => {
      checked += rows;
      onProgress?.(checked);
    };
    for (const table of tables) {
      const plan = await planTable(tx, table);
      findings.push(...(plan ? await checkTable(tx, plan, progress) : await checkTableByRows(tx, table, progress)));
    }
    return { checked, findings };
  });
}

/**
 * How a column travels in the row's JSON text and becomes the value the
 * driver would have given (store/database.ts: both drivers parse int8, date
 * and timestamptz with its functions; the rest are their defaults, identical
 * for these types: text and uuid as strings, int2/int4 as numbers, bool as
 * booleans, numeric as its text, json/jsonb JSON.parse'd, bytea as bytes,
 * text[] as an array of strings and nulls).
 *
 * - value: JSON carries the value itself (strings exactly, integers and booleans;
 *   numeric as its text output, the string the driver returns).
 * - int8, date, timestamptz: the column's text output (what the driver receives),
 *   through the driver's own parser.
 * - json: the text output, JSON.parse'd as the driver does.
 * - bytea: hex, the same bytes.
 * - array: to_json, the elements nested as the driver nests them (both drivers, like
 *   to_json, ignore explicit bounds such as '[0:1]={a,b}').
 */
type Kind = 'value' | 'int8' | 'date' | 'timestamptz' | 'json' | 'bytea' | 'array';

interface KindSql {
  kind: Kind;
  expr: (column: string) => string;
}

const asIs = (c: string) => c;
const asText = (c: string) => `${c}::text`;
export const COLUMN_KINDS: ReadonlyMap<number, KindSql> = new Map<number, KindSql>([
  [25, { kind: 'value', expr: asIs }], // text
  [1043, { kind: 'value', expr: asIs }], // varchar
  [2950, { kind: 'value', expr: asIs }], // uuid
  [16, { kind: 'value', expr: asIs }], // bool
  [21, { kind: 'value', expr: asIs }], // int2
  [23, { kind: 'value', expr: asIs }], // int4
  [20, { kind: 'int8', expr: asText }],
  [1700, { kind: 'value', expr: asText }], // numeric
  [1082, { kind: 'date', expr: asText }],
  [1184, { kind: 'timestamptz', expr: asText }],
  [114, { kind: 'json', expr: asText }], // json
  [3802, { kind: 'json', expr: asText }], // jsonb
  [17, { kind: 'bytea', expr: (c) => `encode(${c}, 'hex')` }],
  [1009, { kind: 'array', expr: asIs }], // text[]
]);

/** Kinds whose decoded value names a record as the driver's would (String(row.id)). */
const ID_KINDS: ReadonlySet<Kind> = new Set(['value', 'int8', 'date', 'timestamptz']);
/** json_build_array takes at most 100 arguments: the columns and 4 more. */
const MAX_COLUMNS = 96;

interface TablePlan {
  table: string;
  /** The row's JSON array: its columns in table order, then salt, digest, the entry's record id, and true when there is a row. */
  sql: string;
  columns: { name: string; kind: Kind }[];
  /** Indexes into `columns` in JCS key order (RFC 8785: UTF-16 code units, as `canonicalize` sorts). */
  order: number[];
  /** `"name":` of each column, JSON-encoded once. */
  keys: string[];
  id: number;
  /** Whether ids are integers (findings are listed in id order, as the table orders them). */
  numericId: boolean;
  /** `},"table":"<table>"}`. */
  tail: string;
}

/** The fast plan for a table, or undefined when one of its columns is of a type not in COLUMN_KINDS. */
export async function planTable(tx: Queryable, table: string): Promise<TablePlan | undefined> {
  const attributes = await tx.query<{ name: string; type: number }>(
    'SELECT attname AS name, atttypid::int4 AS type FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum',
    [table],
  );
  if (attributes.length === 0 || attributes.length > MAX_COLUMNS) return undefined;
  const columns: { name: string; kind: Kind }[] = [];
  const exprs: string[] = [];
  for (const { name, type } of attributes) {
    const kind = COLUMN_KINDS.get(Number(type));
    // __proto__ would not survive as a key of the driver's row object the same way: leave such a table to the driver.
    if (!kind || name === '__proto__' || name === ROW) return undefined;
    const column = `t."${name.replaceAll('"', '""')}"`;
    columns.push({ name, kind: kind.kind });
    exprs.push(kind.expr(column));
  }
  const id = columns.findIndex((c) => c.name === 'id');
  if (id < 0 || !ID_KINDS.has(columns[id]!.kind)) return undefined;
  const order = columns.map((_, i) => i).sort((a, b) => (columns[a]!.name < columns[b]!.name ? -1 : columns[a]!.name > columns[b]!.name ? 1 : 0));
  const sql = `SELECT json_build_array(${exprs.join(', ')}, encode(e.salt, 'hex'), encode(e.digest, 'hex'), e.record_id, t.${ROW})::text AS j
    FROM (SELECT true AS ${ROW}, * FROM ${table}) t
    FULL JOIN (SELECT DISTINCT ON (record_id) record_id, salt, digest FROM record_log
                WHERE record_table = '${table}' AND salt IS NOT NULL ORDER BY record_id, seq DESC) e
      ON e.record_id = t.id::text`;
  const numericId = [20, 21, 23].includes(Number(attributes[id]!.type));
  return { table, sql, columns, order, keys: columns.map((c) => `${JSON.stringify(c.name)}:`), id, numericId, tail: `},"table":${JSON.stringify(table)}}` };
}

async function checkTable(tx: Queryable, plan: TablePlan, progress: (rows: number) => void): Promise<RecordFinding[]> {
  const { table, columns } = plan;
  const n = columns.length;
  const rowFindings: RecordFinding[] = [];
  const deleted: RecordFinding[] = [];
  const hasher = new SaltedHasher();
  await tx.query(`DECLARE ${CURSOR} NO SCROLL CURSOR FOR ${plan.sql}`);
  for (;;) {
    const page = await tx.query<{ j: string }>(`FETCH ${PAGE} FROM ${CURSOR}`);
    if (page.length === 0) break;
    let rows = 0;
    for (const { j } of page) {
      const values = JSON.parse(j) as unknown[];
      const salt = values[n] as string | null;
      const digest = values[n + 1] as string | null;
      if (values[n + 3] === null) {
        deleted.push({ table, id: values[n + 2] as string, problem: 'DELETED' });
        continue;
      }
      rows++;
      const id = String(decode(columns[plan.id]!.kind, values[plan.id]));
      if (salt === null || digest === null) {
        rowFindings.push({ table, id, problem: 'INSERTED' });
        continue;
      }
      if (hasher.digestHex(salt, canonicalRow(plan, values)) !== digest) rowFindings.push({ table, id, problem: 'ALTERED' });
    }
    progress(rows);
  }
  // Only on success: after an error the transaction ends, and the cursor with it.
  await tx.query(`CLOSE ${CURSOR}`);
  // Rows in id order, then the deleted in record_id (text) order, as the row-by-row check lists them.
  const byText = (a: RecordFinding, b: RecordFinding) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const byNumber = (a: RecordFinding, b: RecordFinding) => Number(a.id) - Number(b.id);
  return [...rowFindings.sort(plan.numericId ? byNumber : byText), ...deleted.sort(byText)];
}

/**
 * JCS({"record": row, "table": table}) built from the row's JSON values:
 * the same text `canonicalRecord` gives for the driver's row, since
 * canonicalize writes an object as its members in sorted key order, each
 * member's value written alone (strings, numbers and literals as
 * JSON.stringify does; nested values go through `canonicalJson`, the same
 * normalise and canonicalize).
 */
export function canonicalRow(plan: Pick<TablePlan, 'columns' | 'order' | 'keys' | 'tail'>, values: readonly unknown[]): string {
  let text = '{"record":{';
  for (let k = 0; k < plan.order.length; k++) {
    const i = plan.order[k]!;
    if (k > 0) text += ',';
    text += plan.keys[i]! + valueText(plan.columns[i]!.kind, values[i]);
  }
  return text + plan.tail;
}

function valueText(kind: Kind, value: unknown): string {
  if (value === null) return 'null';
  switch (kind) {
    case 'value':
      // A string, a finite number or a boolean, exactly as the driver gives it.
      return JSON.stringify(value);
    case 'json':
    case 'array':
      return canonicalJson(decode(kind, value));
    default:
      return JSON.stringify(decode(kind, value));
  }
}

/** The driver's value for a column, from its JSON form. */
function decode(kind: Kind, value: unknown): unknown {
  if (value === null) return null;
  switch (kind) {
    case 'int8':
      return parseInt8(value as string);
    case 'date':
      return parseDate(value as string);
    case 'timestamptz':
      return timestampValue(value as string);
    case 'json':
      return JSON.parse(value as string);
    case 'bytea':
      // normalise's form of a Uint8Array; decoded here only to be serialised.
      return Buffer.from(value as string, 'hex').toString('base64url');
    default:
      return value;
  }
}

/**
 * parseTimestamp (store/database.ts) for the text PostgreSQL prints in UTC
 * ('2026-11-25 08:21:10.914567+00'): the same ISO string (milliseconds
 * truncated, as Date parsing does) without building a Date. Anything else
 * (another zone, BC, years past 9999) goes through parseTimestamp itself.
 */
const UTC_TIMESTAMP = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?\+00$/;
let lastTimestamp = '';
let lastIso = '';
export function timestampValue(text: string): string {
  if (text === lastTimestamp) return lastIso;
  const match = UTC_TIMESTAMP.exec(text);
  const fraction = match?.[3];
  const iso = match ? `${match[1]}T${match[2]}.${fraction === undefined ? '000' : fraction.length >= 3 ? fraction.slice(0, 3) : fraction.padEnd(3, '0')}Z` : parseTimestamp(text);
  lastTimestamp = text;
  lastIso = iso;
  return iso;
}

/** SHA-256(salt || UTF-8(text)) as hex, through one reused input buffer (the digest of record-digest.ts). */
class SaltedHasher {
  #input = Buffer.alloc(64 * 1024);

  digestHex(saltHex: string, text: string): string {
    // At most 3 UTF-8 bytes per UTF-16 unit: grow before writing, Buffer.write truncates silently.
    const room = 32 + 3 * text.length;
    if (room > this.#input.length) this.#input = Buffer.alloc(Math.max(room, 2 * this.#input.length));
    const input = this.#input;
    if (input.write(saltHex, 0, 'hex') !== 32) throw new Error('a logged salt is not 32 bytes');
    const length = 32 + input.write(text, 32, 'utf8');
    return sha256Hex(input.subarray(0, length));
  }
}

/** One-shot SHA-256 (Node >= 20.12), createHash before that. */
const sha256Hex: (data: Uint8Array) => string =
  typeof crypto.hash === 'function' ? (data) => crypto.hash('sha256', data, 'hex') : (data) => crypto.createHash('sha256').update(data).digest('hex');

/**
 * The fallback for a table with a column type the fast plan does not know:
 * keyset pages of row objects from the driver, each with the latest salted
 * log entry of its record (one index probe per row), hashed with recordDigest.
 */
async function checkTableByRows(tx: Queryable, table: string, progress: (rows: number) => void): Promise<RecordFinding[]> {
  const findings: RecordFinding[] = [];
  // Salt and digest as hex text, which PGlite hands back several times faster than bytea.
  const pageQuery = (where: string) =>
    `SELECT t.*, encode(e.salt, 'hex') AS ${SALT}, encode(e.digest, 'hex') AS ${DIGEST} FROM ${table} t
       LEFT JOIN LATERAL (SELECT salt, digest FROM record_log WHERE record_table = $1 AND record_id = t.id::text AND salt IS NOT NULL ORDER BY seq DESC LIMIT 1) e ON true
      ${where} ORDER BY t.id LIMIT ${PAGE}`;
  let after: unknown;
  for (;;) {
    // Keyset pages on the primary key (its own type: uuid, bigint...), so each page is one index range scan.
    const rows = await tx.query<Record<string, unknown> & { id: unknown }>(
      after === undefined ? pageQuery('') : pageQuery('WHERE t.id > $2'),
      after === undefined ? [table] : [table, after],
    );
    if (rows.length === 0) break;
    for (const joined of rows) {
      const { [SALT]: salt, [DIGEST]: digest, ...row } = joined as Record<string, unknown> & { id: unknown };
      const id = String(row.id);
      if (salt == null || digest == null) findings.push({ table, id, problem: 'INSERTED' });
      else if (recordDigest(table, row, Buffer.from(salt as string, 'hex')).toString('hex') !== digest) findings.push({ table, id, problem: 'ALTERED' });
    }
    progress(rows.length);
    after = rows[rows.length - 1]!.id;
  }
  // Logged records whose row is gone, found by the database (no id list comes back to compare).
  const deleted = await tx.query<{ record_id: string }>(
    `SELECT record_id FROM (SELECT DISTINCT record_id FROM record_log WHERE record_table = $1 AND salt IS NOT NULL EXCEPT SELECT id::text FROM ${table}) gone ORDER BY record_id`,
    [table],
  );
  for (const { record_id } of deleted) findings.push({ table, id: record_id, problem: 'DELETED' });
  return findings;
}
