import { randomUUID } from 'node:crypto';
import { assertLoggedVersion } from '../../anchor/log/assert-logged-version.ts';
import { logRecord } from '../../anchor/log/log-record.ts';
import { canonicalRecord } from '../../anchor/log/record-digest.ts';
import type { Database, Queryable } from '../../store/open.ts';
import { InputError } from '../../platform/errors.ts';
import { ErrorCode, conflict, invalid } from '../kit/errors.ts';
import { decodeCursor, pageSize, toConnection, type Connection, type PageArgs } from '../kit/pagination.ts';
import {
  byteCount,
  did,
  mediaType,
  normaliseCaseNumber,
  oneOf,
  optionalDid,
  optionalText,
  optionalUuid,
  pastDate,
  sha256Hex,
  text,
  uuid,
} from './validate.ts';

/**
 * The justice department's data: courts, cases and their parties, the case
 * status history, judgments, evidence metadata and evidence access requests.
 * No GraphQL here: typed functions over the department's own database, rows
 * in the database's snake_case.
 *
 * Every create takes an optional `id` and is idempotent on it (the stored row
 * comes back and nothing is written), so the demo seed can run again.
 *
 * Every row written to a recorded table (RECORDED_TABLES) is logged in the
 * department's Merkle log (anchor/log) in the same transaction: writes go
 * through `create`, whose transaction only inserts through `tx.insert`, which
 * logs each row as `RETURNING *` gives it, and re-reads and logs the rows our
 * triggers change as a consequence (TRIGGER_WRITES).
 */

/**
 * The tables whose rows are the department's records, each logged by the
 * store and re-hashed by `govshare audit`. Every one has an `id` column.
 */
export const RECORDED_TABLES = [
  'courts',
  'cases',
  'case_status_changes',
  'case_parties',
  'judgments',
  'evidence',
  'evidence_access_requests',
  'evidence_access_decisions',
] as const;
export type RecordedTable = (typeof RECORDED_TABLES)[number];

/**
 * Rows of recorded tables that one of our triggers writes when a row is
 * inserted into `table`: they are re-read in the same transaction and logged
 * as their new version (only if they really changed).
 */
const TRIGGER_WRITES: Partial<Record<RecordedTable, (row: Record<string, unknown>) => { table: RecordedTable; id: string }[]>> = {
  // case_status_changes_apply copies the new status into the case row (cases.status, status_changed_on, status_seq).
  case_status_changes: (row) => [{ table: 'cases', id: String(row.case_id) }],
};

/**
 * What a write sees of its transaction: reads as usual, and inserts into
 * recorded tables through `insert`, which logs them. A data-changing
 * statement through `query` or `exec` is refused, so no write path can skip the log.
 */
interface WriteTx extends Queryable {
  /** Runs `sql` (an INSERT without RETURNING) with `RETURNING *`, logs every row it inserted and every row our triggers changed. */
  insert<Row>(table: RecordedTable, sql: string, params: readonly unknown[]): Promise<Row[]>;
  /** The latest version of a record this transaction logged (e.g. a case after its status trigger), if any. */
  logged<Row>(table: RecordedTable, id: string): Row | undefined;
}

const WRITE_STATEMENT = /^\s*(INSERT|UPDATE|DELETE|MERGE|TRUNCATE|COPY)\b/i;

function recordingTransaction(tx: Queryable): WriteTx {
  // Per record: the canonical form and the row of its version logged last in this transaction.
  const versions = new Map<string, { canonical: string; row: unknown }>();
  async function log(table: RecordedTable, row: Record<string, unknown> & { id: unknown }): Promise<void> {
    const key = `${table}\u0000${String(row.id)}`;
    const canonical = canonicalRecord(table, row);
    // A trigger that rewrote a row with the values it already had made no new version.
    if (versions.get(key)?.canonical === canonical) return;
    versions.set(key, { canonical, row });
    await logRecord(tx, table, row);
  }
  const refuseWrite = (sql: string) => {
    if (WRITE_STATEMENT.test(sql)) throw new Error('justice store: write recorded tables through tx.insert, so the row is logged');
  };
  return {
    query(sql, params) {
      refuseWrite(sql);
      return tx.query(sql, params);
    },
    exec(sql) {
      refuseWrite(sql);
      return tx.exec(sql);
    },
    async insert<Row>(table: RecordedTable, sql: string, params: readonly unknown[]): Promise<Row[]> {
      if (/^\s*INSERT\s+INTO\s+(\w+)\b/i.exec(sql)?.[1] !== table || /\bRETURNING\b/i.test(sql)) {
        throw new Error(`justice store: tx.insert takes an INSERT INTO ${table} without RETURNING`);
      }
      const rows = await tx.query<Record<string, unknown> & { id: unknown }>(`${sql} RETURNING *`, params);
      for (const row of rows) await log(table, row);
      const changed = rows.flatMap((row) => TRIGGER_WRITES[table]?.(row) ?? []);
      for (const target of new Set(changed.map((c) => c.table))) {
        const ids = [...new Set(changed.filter((c) => c.table === target).map((c) => c.id))];
        const reread = await tx.query<Record<string, unknown> & { id: unknown }>(`SELECT * FROM ${target} WHERE id = ANY($1::uuid[]) ORDER BY id`, [ids]);
        for (const row of reread) await log(target, row);
      }
      return rows as Row[];
    },
    logged<Row>(table: RecordedTable, id: string): Row | undefined {
      return versions.get(`${table}\u0000${id}`)?.row as Row | undefined;
    },
  };
}

export const COURT_LEVELS = ['SUPREME', 'HIGH', 'INTERMEDIATE', 'BASIC', 'INTERNET', 'SPECIALISED'] as const;
export type CourtLevel = (typeof COURT_LEVELS)[number];
export const CASE_KINDS = ['CIVIL', 'CRIMINAL', 'ADMINISTRATIVE'] as const;
export type CaseKind = (typeof CASE_KINDS)[number];
export const CASE_STATUSES = ['FILED', 'ADMITTED', 'DISMISSED', 'IN_HEARING', 'WITHDRAWN', 'JUDGED', 'CLOSED', 'APPEALED'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];
export const PARTY_ROLES = ['PLAINTIFF', 'DEFENDANT', 'PROSECUTOR', 'APPELLANT', 'RESPONDENT', 'THIRD_PARTY', 'WITNESS'] as const;
export type PartyRole = (typeof PARTY_ROLES)[number];
export const VERDICTS = ['CONVICTED', 'ACQUITTED', 'LIABLE', 'NOT_LIABLE', 'DISMISSED'] as const;
export type Verdict = (typeof VERDICTS)[number];
export const ACCESS_DECISIONS = ['APPROVED', 'REJECTED'] as const;
export type AccessDecision = (typeof ACCESS_DECISIONS)[number];
export type AccessStatus = 'PENDING' | AccessDecision;

/** The procedure's state machine; the same pairs are a CHECK on case_status_changes. */
export const ALLOWED_TRANSITIONS: Record<CaseStatus, readonly CaseStatus[]> = {
  FILED: ['ADMITTED', 'DISMISSED'],
  ADMITTED: ['IN_HEARING', 'WITHDRAWN'],
  IN_HEARING: ['JUDGED', 'WITHDRAWN'],
  JUDGED: ['CLOSED', 'APPEALED'],
  APPEALED: ['IN_HEARING'],
  DISMISSED: [],
  WITHDRAWN: [],
  CLOSED: [],
};
/** Statuses after which nothing more is added to a case (parties, evidence). */
export const FINAL_STATUSES: readonly CaseStatus[] = ['DISMISSED', 'WITHDRAWN', 'CLOSED'];
/** Judgments are handed down during or right after the hearing (a correction while JUDGED). */
export const JUDGING_STATUSES: readonly CaseStatus[] = ['IN_HEARING', 'JUDGED'];
/** Which verdicts a court can give in which kind of case. */
export const VERDICTS_BY_KIND: Record<CaseKind, readonly Verdict[]> = {
  CRIMINAL: ['CONVICTED', 'ACQUITTED', 'DISMISSED'],
  CIVIL: ['LIABLE', 'NOT_LIABLE', 'DISMISSED'],
  ADMINISTRATIVE: ['LIABLE', 'NOT_LIABLE', 'DISMISSED'],
};

const MAX_PARTIES_PER_CASE = 50;

// ---------------------------------------------------------------------------
// Rows

export interface CourtRow {
  id: string;
  name: string;
  level: CourtLevel;
  city: string;
  recorded_at: string;
}

export interface CaseRow {
  id: string;
  case_number: string;
  court_id: string;
  kind: CaseKind;
  title: string;
  filed_on: string;
  /** Current status: the latest status history row (kept by a trigger, see the migration). */
  status: CaseStatus;
  status_changed_on: string;
  status_seq: number;
  recorded_at: string;
}

export interface StatusChangeRow {
  id: string;
  case_id: string;
  seq: number;
  from_status: CaseStatus | null;
  status: CaseStatus;
  changed_on: string;
  note: string | null;
  recorded_at: string;
}

export interface PartyRow {
  id: string;
  case_id: string;
  position: number;
  did: string | null;
  name: string;
  role: PartyRole;
  recorded_at: string;
}

export interface JudgmentRow {
  id: string;
  case_id: string;
  party_id: string;
  verdict: Verdict;
  offence: string | null;
  sentence: string | null;
  decided_on: string;
  recorded_at: string;
}

/** A judge's decision on an access request (the request's status derives from it). */
export interface AccessDecisionRow {
  id: string;
  request_id: string;
  decision: AccessDecision;
  judge: string;
  note: string | null;
  decided_at: string;
}

/** A conviction that stands, with the DID of the convicted party. */
export interface ConvictionRow extends JudgmentRow {
  did: string;
}

export interface EvidenceRow {
  id: string;
  case_id: string;
  title: string;
  media_type: string;
  size_bytes: number;
  content_digest: string;
  submitted_by: string;
  submitted_at: string;
}

export interface AccessRequestRow {
  id: string;
  evidence_id: string;
  requester: string;
  reason: string;
  requested_at: string;
  /** Derived: the decision's, or PENDING while there is none. */
  status: AccessStatus;
  decision_id: string | null;
  decided_by: string | null;
  decided_at: string | null;
  note: string | null;
}

/** What anyone may read about a case: no parties, no title. */
export interface PublicCaseStatusRow {
  case_number: string;
  court_name: string;
  kind: CaseKind;
  status: CaseStatus;
  filed_on: string;
  status_changed_on: string;
}

// ---------------------------------------------------------------------------
// Inputs (values arrive from GraphQL or from the seed: each is checked again)

export interface RegisterCourtInput {
  id?: string | null;
  name: string;
  level: CourtLevel;
  city: string;
}

export interface PartyInput {
  id?: string | null;
  did?: string | null;
  name: string;
  role: PartyRole;
}

export interface OpenCaseInput {
  id?: string | null;
  courtId: string;
  caseNumber: string;
  kind: CaseKind;
  title: string;
  filedOn: string;
  parties: PartyInput[];
}

export interface AddPartyInput extends PartyInput {
  caseId: string;
}

export interface ChangeCaseStatusInput {
  id?: string | null;
  caseId: string;
  status: CaseStatus;
  changedOn: string;
  note?: string | null;
}

export interface RecordJudgmentInput {
  id?: string | null;
  caseId: string;
  /** The judged party, by DID (citizens) ... */
  partyDid?: string | null;
  /** ... or by party id (parties without a DID, e.g. a company). Exactly one of the two. */
  partyId?: string | null;
  verdict: Verdict;
  offence?: string | null;
  sentence?: string | null;
  decidedOn: string;
}

export interface RegisterEvidenceInput {
  id?: string | null;
  caseId: string;
  title: string;
  mediaType: string;
  sizeBytes: number;
  contentDigest: string;
  submittedBy: string;
}

export interface RequestEvidenceAccessInput {
  id?: string | null;
  evidenceId: string;
  requester: string;
  reason: string;
}

export interface DecideEvidenceAccessInput {
  /** Id of the decision row (idempotency). */
  id?: string | null;
  requestId: string;
  decision: AccessDecision;
  judge: string;
  note?: string | null;
}

export interface CaseFilter extends PageArgs {
  courtId?: string | null;
  status?: CaseStatus | null;
}

export type JusticeStore = ReturnType<typeof createJusticeStore>;

// ---------------------------------------------------------------------------

export function createJusticeStore(db: Database) {
  /**
   * One write: look for `id` first (idempotency), else run `write`, all in one
   * short transaction; `write` inserts through `tx.insert`, which logs each
   * row in that transaction. Unique violations become CONFLICT; a race of two
   * writers with the same new id ends with both returning the winner's row
   * (the loser's rows and log entries roll back together).
   */
  async function create<T>(id: string, find: (q: Queryable, id: string) => Promise<T | undefined>, write: (tx: WriteTx) => Promise<T>): Promise<T> {
    try {
      return await db.transaction(async (tx) => {
        const recording = recordingTransaction(tx);
        // Found: an idempotent replay, nothing written and nothing logged.
        return (await find(recording, id)) ?? (await write(recording));
      });
    } catch (error) {
      if (isUniqueViolation(error) && error.constraint?.endsWith('_pkey')) {
        const winner = await find(db, id);
        if (winner) return winner;
      }
      throw translateDatabaseError(error);
    }
  }

  async function one<T>(q: Queryable, sql: string, params: readonly unknown[]): Promise<T | undefined> {
    return (await q.query<T>(sql, params))[0];
  }

  const findCourt = (q: Queryable, id: string) => one<CourtRow>(q, 'SELECT * FROM courts WHERE id = $1', [id]);
  const findCase = (q: Queryable, id: string) => one<CaseRow>(q, 'SELECT * FROM cases WHERE id = $1', [id]);
  const findParty = (q: Queryable, id: string) => one<PartyRow>(q, 'SELECT * FROM case_parties WHERE id = $1', [id]);
  const findJudgment = (q: Queryable, id: string) => one<JudgmentRow>(q, 'SELECT * FROM judgments WHERE id = $1', [id]);
  const findEvidence = (q: Queryable, id: string) => one<EvidenceRow>(q, 'SELECT * FROM evidence WHERE id = $1', [id]);
  const findAccessRequest = (q: Queryable, id: string) =>
    one<AccessRequestRow>(q, 'SELECT * FROM evidence_access_requests_with_status WHERE id = $1', [id]);

  /** The case row, locked against concurrent status changes until the transaction ends. */
  async function lockCase(tx: Queryable, caseId: string, mode: 'UPDATE' | 'SHARE', field: string): Promise<CaseRow> {
    const row = await one<CaseRow>(tx, `SELECT * FROM cases WHERE id = $1 FOR ${mode}`, [caseId]);
    if (!row) throw missing('case', caseId, field);
    return row;
  }

  function refuseFinal(row: CaseRow, what: string): void {
    if (FINAL_STATUSES.includes(row.status)) {
      throw conflict(`case ${row.case_number} is ${row.status}: no ${what} can be added to it any more`);
    }
  }

  /** Inserts parties at positions `from`, `from + 1`, ... in one statement. */
  async function insertParties(tx: WriteTx, caseId: string, from: number, parties: ValidParty[]): Promise<PartyRow[]> {
    return tx.insert<PartyRow>(
      'case_parties',
      `INSERT INTO case_parties (id, case_id, position, did, name, role)
       SELECT p.id, $1, $2 + p.ord - 1, p.did, p.name, p.role
         FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS p (id, did, name, role, ord)
       ORDER BY p.ord`,
      [caseId, from, parties.map((p) => p.id), parties.map((p) => p.did), parties.map((p) => p.name), parties.map((p) => p.role)],
    );
  }

  return {
    /** The database itself, for tooling that reads rows directly (the audit re-hashes them) and for tests. */
    db,

    // ----- writes ------------------------------------------------------------

    async registerCourt(input: RegisterCourtInput): Promise<CourtRow> {
      const id = optionalUuid(input.id, 'input.id') ?? randomUUID();
      const name = text(input.name, 'input.name', 200);
      const level = oneOf(input.level, COURT_LEVELS, 'input.level');
      const city = text(input.city, 'input.city', 100);
      return create(id, findCourt, async (tx) => {
        const same = await one<CourtRow>(tx, 'SELECT * FROM courts WHERE name = $1', [name]);
        if (same) throw conflict(`a court named "${name}" already exists (${same.id})`);
        const rows = await tx.insert<CourtRow>('courts', 'INSERT INTO courts (id, name, level, city) VALUES ($1, $2, $3, $4)', [id, name, level, city]);
        return rows[0]!;
      });
    },

    /** Opens a case with its parties; its history starts with FILED on `filedOn`. */
    async openCase(input: OpenCaseInput): Promise<CaseRow> {
      const id = optionalUuid(input.id, 'input.id') ?? randomUUID();
      const courtId = uuid(input.courtId, 'input.courtId');
      const caseNumber = normaliseCaseNumber(input.caseNumber, 'input.caseNumber');
      const kind = oneOf(input.kind, CASE_KINDS, 'input.kind');
      const title = text(input.title, 'input.title', 300);
      const filedOn = pastDate(input.filedOn, 'input.filedOn');
      const parties = validParties(input.parties);
      return create(id, findCase, async (tx) => {
        if (!(await findCourt(tx, courtId))) throw missing('court', courtId, 'input.courtId');
        const same = await one<CaseRow>(tx, 'SELECT * FROM cases WHERE case_number = $1', [caseNumber]);
        if (same) throw conflict(`case number ${caseNumber} is already taken (case ${same.id})`);
        // Written as it will be once its FILED history row (seq 1) is in: the trigger then changes nothing,
        // so the case is logged once (tx.insert re-reads it after the history row and finds the same version).
        const [row] = await tx.insert<CaseRow>(
          'cases',
          `INSERT INTO cases (id, case_number, court_id, kind, title, filed_on, status, status_changed_on, status_seq)
           VALUES ($1, $2, $3, $4, $5, $6, 'FILED', $6, 1)`,
          [id, caseNumber, courtId, kind, title, filedOn],
        );
        await tx.insert(
          'case_status_changes',
          `INSERT INTO case_status_changes (id, case_id, seq, from_status, status, changed_on) VALUES ($1, $2, 1, NULL, 'FILED', $3)`,
          [randomUUID(), id, filedOn],
        );
        await insertParties(tx, id, 1, parties);
        return row!;
      });
    },

    async addParty(input: AddPartyInput): Promise<PartyRow> {
      const caseId = uuid(input.caseId, 'input.caseId');
      const party = validParty(input, 'input');
      return create(party.id, findParty, async (tx) => {
        const row = await lockCase(tx, caseId, 'UPDATE', 'input.caseId');
        refuseFinal(row, 'party');
        if (party.did) {
          const same = await one<PartyRow>(tx, 'SELECT * FROM case_parties WHERE case_id = $1 AND did = $2', [caseId, party.did]);
          if (same) throw conflict(`${party.did} is already a party of case ${row.case_number} (as ${same.role})`);
        }
        const next = await one<{ position: number }>(tx, 'SELECT COALESCE(max(position), 0) + 1 AS position FROM case_parties WHERE case_id = $1', [caseId]);
        return (await insertParties(tx, caseId, next!.position, [party]))[0]!;
      });
    },

    /** Appends a status change, if the procedure allows it from the current status. */
    async changeCaseStatus(input: ChangeCaseStatusInput): Promise<{ case: CaseRow; change: StatusChangeRow }> {
      const id = optionalUuid(input.id, 'input.id') ?? randomUUID();
      const caseId = uuid(input.caseId, 'input.caseId');
      const status = oneOf(input.status, CASE_STATUSES, 'input.status');
      const changedOn = pastDate(input.changedOn, 'input.changedOn');
      const note = optionalText(input.note, 'input.note', 1000, { multiline: true });
      const findChange = async (q: Queryable, changeId: string) => {
        const change = await one<StatusChangeRow>(q, 'SELECT * FROM case_status_changes WHERE id = $1', [changeId]);
        return change && { case: (await findCase(q, change.case_id))!, change };
      };
      return create(id, findChange, async (tx) => {
        const current = await lockCase(tx, caseId, 'UPDATE', 'input.caseId');
        // The history trigger rewrites the case row: it must be the version last logged.
        await assertLoggedVersion(tx, 'cases', current as unknown as Record<string, unknown> & { id: string });
        const allowed = ALLOWED_TRANSITIONS[current.status];
        if (!allowed.includes(status)) {
          throw conflict(
            allowed.length
              ? `case ${current.case_number} is ${current.status}: it may move to ${allowed.join(' or ')}, not ${status}`
              : `case ${current.case_number} is ${current.status}, a final status: no further change is allowed`,
          );
        }
        if (changedOn < current.status_changed_on) {
          throw invalid(ErrorCode.INVALID_DATE, `input.changedOn ${changedOn} is before the current status's date ${current.status_changed_on}`, 'input.changedOn');
        }
        const [change] = await tx.insert<StatusChangeRow>(
          'case_status_changes',
          `INSERT INTO case_status_changes (id, case_id, seq, from_status, status, changed_on, note)
           VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [id, caseId, current.status_seq + 1, current.status, status, changedOn, note],
        );
        // The case row as the history trigger left it: tx.insert re-read it and logged that version.
        return { case: tx.logged<CaseRow>('cases', current.id)!, change: change! };
      });
    },

    async recordJudgment(input: RecordJudgmentInput): Promise<JudgmentRow> {
      const id = optionalUuid(input.id, 'input.id') ?? randomUUID();
      const caseId = uuid(input.caseId, 'input.caseId');
      const partyDid = optionalDid(input.partyDid, 'input.partyDid');
      const partyId = optionalUuid(input.partyId, 'input.partyId');
      if ((partyDid === null) === (partyId === undefined)) {
        throw invalid(ErrorCode.INVALID_ARGUMENT, 'name the judged party by exactly one of input.partyDid and input.partyId', 'input.partyDid');
      }
      const verdict = oneOf(input.verdict, VERDICTS, 'input.verdict');
      const offence = optionalText(input.offence, 'input.offence', 300);
      const sentence = optionalText(input.sentence, 'input.sentence', 300);
      const decidedOn = pastDate(input.decidedOn, 'input.decidedOn');
      // A conviction without its offence would make a criminal record nobody can read.
      if (verdict === 'CONVICTED' && !offence) throw invalid(ErrorCode.INVALID_ARGUMENT, 'a CONVICTED verdict must name the offence', 'input.offence');
      return create(id, findJudgment, async (tx) => {
        // SHARE: no status change may slip between this check and the insert.
        const row = await lockCase(tx, caseId, 'SHARE', 'input.caseId');
        if (!JUDGING_STATUSES.includes(row.status)) {
          throw conflict(`case ${row.case_number} is ${row.status}: judgments are recorded only while it is ${JUDGING_STATUSES.join(' or ')}`);
        }
        if (!VERDICTS_BY_KIND[row.kind].includes(verdict)) {
          throw invalid(ErrorCode.INVALID_ARGUMENT, `a ${row.kind} case cannot end in ${verdict}; allowed: ${VERDICTS_BY_KIND[row.kind].join(', ')}`, 'input.verdict');
        }
        if (decidedOn < row.filed_on) {
          throw invalid(ErrorCode.INVALID_DATE, `input.decidedOn ${decidedOn} is before the case was filed (${row.filed_on})`, 'input.decidedOn');
        }
        const party = partyDid
          ? await one<PartyRow>(tx, 'SELECT * FROM case_parties WHERE case_id = $1 AND did = $2', [caseId, partyDid])
          : await one<PartyRow>(tx, 'SELECT * FROM case_parties WHERE case_id = $1 AND id = $2', [caseId, partyId]);
        if (!party) {
          const field = partyDid ? 'input.partyDid' : 'input.partyId';
          throw invalid(ErrorCode.INVALID_ARGUMENT, `${partyDid ?? partyId} is not a party of case ${row.case_number}`, field);
        }
        const rows = await tx.insert<JudgmentRow>(
          'judgments',
          `INSERT INTO judgments (id, case_id, party_id, verdict, offence, sentence, decided_on)
           VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [id, caseId, party.id, verdict, offence, sentence, decidedOn],
        );
        return rows[0]!;
      });
    },

    /**
     * Registers evidence by its SHA-256 content digest (the encrypted content
     * arrives in a later issue). `submittedBy` may be any DID for now; it is
     * recorded as given.
     */
    async registerEvidence(input: RegisterEvidenceInput): Promise<EvidenceRow> {
      const id = optionalUuid(input.id, 'input.id') ?? randomUUID();
      const caseId = uuid(input.caseId, 'input.caseId');
      const title = text(input.title, 'input.title', 300);
      const type = mediaType(input.mediaType, 'input.mediaType');
      const sizeBytes = byteCount(input.sizeBytes, 'input.sizeBytes');
      const contentDigest = sha256Hex(input.contentDigest, 'input.contentDigest');
      const submittedBy = did(input.submittedBy, 'input.submittedBy');
      return create(id, findEvidence, async (tx) => {
        const row = await lockCase(tx, caseId, 'SHARE', 'input.caseId');
        refuseFinal(row, 'evidence');
        const same = await one<EvidenceRow>(tx, 'SELECT * FROM evidence WHERE case_id = $1 AND content_digest = $2', [caseId, contentDigest]);
        if (same) throw conflict(`evidence with digest ${contentDigest} is already registered in case ${row.case_number} (${same.id})`);
        const rows = await tx.insert<EvidenceRow>(
          'evidence',
          `INSERT INTO evidence (id, case_id, title, media_type, size_bytes, content_digest, submitted_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [id, caseId, title, type, sizeBytes, contentDigest, submittedBy],
        );
        return rows[0]!;
      });
    },

    async requestEvidenceAccess(input: RequestEvidenceAccessInput): Promise<AccessRequestRow> {
      const id = optionalUuid(input.id, 'input.id') ?? randomUUID();
      const evidenceId = uuid(input.evidenceId, 'input.evidenceId');
      const requester = did(input.requester, 'input.requester');
      const reason = text(input.reason, 'input.reason', 1000, { multiline: true });
      return create(id, findAccessRequest, async (tx) => {
        // Locking the evidence row serialises requests for it, so the pending check below holds.
        const evidence = await one<EvidenceRow>(tx, 'SELECT * FROM evidence WHERE id = $1 FOR UPDATE', [evidenceId]);
        if (!evidence) throw missing('evidence', evidenceId, 'input.evidenceId');
        const pending = await one<AccessRequestRow>(
          tx,
          `SELECT * FROM evidence_access_requests_with_status WHERE evidence_id = $1 AND requester = $2 AND status = 'PENDING'`,
          [evidenceId, requester],
        );
        if (pending) throw conflict(`${requester} already has a pending request (${pending.id}) for evidence ${evidenceId}`);
        const [row] = await tx.insert<Omit<AccessRequestRow, 'status' | 'decision_id' | 'decided_by' | 'decided_at' | 'note'>>(
          'evidence_access_requests',
          'INSERT INTO evidence_access_requests (id, evidence_id, requester, reason) VALUES ($1, $2, $3, $4)',
          [id, evidenceId, requester, reason],
        );
        return { ...row!, status: 'PENDING', decision_id: null, decided_by: null, decided_at: null, note: null };
      });
    },

    /** A judge's decision on a PENDING request: a new row; the request's status follows from it. */
    async decideEvidenceAccess(input: DecideEvidenceAccessInput): Promise<AccessRequestRow> {
      const id = optionalUuid(input.id, 'input.id') ?? randomUUID();
      const requestId = uuid(input.requestId, 'input.requestId');
      const decision = oneOf(input.decision, ACCESS_DECISIONS, 'input.decision');
      const judge = did(input.judge, 'input.judge');
      const note = optionalText(input.note, 'input.note', 1000, { multiline: true });
      const findByDecision = (q: Queryable, decisionId: string) =>
        one<AccessRequestRow>(q, 'SELECT * FROM evidence_access_requests_with_status WHERE decision_id = $1', [decisionId]);
      return create(id, findByDecision, async (tx) => {
        const request = await findAccessRequest(tx, requestId);
        if (!request) throw missing('evidence access request', requestId, 'input.requestId');
        if (request.status !== 'PENDING') {
          throw conflict(`evidence access request ${requestId} is already ${request.status} (by ${request.decided_by} at ${request.decided_at}): only PENDING requests can be decided`);
        }
        if (judge === request.requester) throw invalid(ErrorCode.INVALID_ARGUMENT, 'a requester cannot decide their own access request', 'input.judge');
        // UNIQUE (request_id) refuses a second decision racing this one.
        const [decided] = await tx.insert<AccessDecisionRow>(
          'evidence_access_decisions',
          'INSERT INTO evidence_access_decisions (id, request_id, decision, judge, note) VALUES ($1, $2, $3, $4, $5)',
          [id, requestId, decision, judge, note],
        );
        return { ...request, status: decision, decision_id: id, decided_by: judge, decided_at: decided!.decided_at, note };
      });
    },

    // ----- reads -------------------------------------------------------------

    async courtById(id: string): Promise<CourtRow | null> {
      return (await findCourt(db, uuid(id, 'id'))) ?? null;
    },

    async caseById(id: string): Promise<CaseRow | null> {
      return (await findCase(db, uuid(id, 'id'))) ?? null;
    },

    async evidenceById(id: string): Promise<EvidenceRow | null> {
      return (await findEvidence(db, uuid(id, 'id'))) ?? null;
    },

    /** Courts by name (then id), a keyset page. */
    async listCourts(args: PageArgs): Promise<Connection<CourtRow>> {
      const first = pageSize(args.first);
      const after = decodeCursor(args.after, 2);
      const params: unknown[] = [first + 1];
      let where = '';
      if (after) {
        const [name, id] = after;
        if (typeof name !== 'string' || !isUuid(id)) throw badCursor();
        params.push(name, id);
        where = 'WHERE (name, id) > ($2, $3::uuid)';
      }
      const rows = await db.query<CourtRow>(`SELECT * FROM courts ${where} ORDER BY name, id LIMIT $1`, params);
      return toConnection(rows, first, (row) => [row.name, row.id]);
    },

    /** Cases by filing date (then id), optionally of one court and/or in one status, a keyset page. */
    async listCases(args: CaseFilter): Promise<Connection<CaseRow>> {
      const first = pageSize(args.first);
      const after = decodeCursor(args.after, 2);
      const courtId = optionalUuid(args.courtId, 'courtId');
      const status = args.status === null || args.status === undefined ? undefined : oneOf(args.status, CASE_STATUSES, 'status');
      const conditions: string[] = [];
      const params: unknown[] = [first + 1];
      const param = (value: unknown) => `$${params.push(value)}`;
      if (courtId) conditions.push(`court_id = ${param(courtId)}`);
      if (status) conditions.push(`status = ${param(status)}`);
      if (after) {
        const [filedOn, id] = after;
        if (typeof filedOn !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(filedOn) || !isUuid(id)) throw badCursor();
        conditions.push(`(filed_on, id) > (${param(filedOn)}::date, ${param(id)}::uuid)`);
      }
      const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
      const rows = await db.query<CaseRow>(`SELECT * FROM cases ${where} ORDER BY filed_on, id LIMIT $1`, params);
      return toConnection(rows, first, (row) => [row.filed_on, row.id]);
    },

    /** The public status of a case by its number (normalised like at filing), or null. */
    async publicCaseStatus(caseNumber: string): Promise<PublicCaseStatusRow | null> {
      const normal = normaliseCaseNumber(caseNumber, 'caseNumber');
      const row = await one<PublicCaseStatusRow>(
        db,
        `SELECT c.case_number, ct.name AS court_name, c.kind, c.status, c.filed_on, c.status_changed_on
           FROM cases c JOIN courts ct ON ct.id = c.court_id
          WHERE c.case_number = $1`,
        [normal],
      );
      return row ?? null;
    },

    // Batch reads for per-request loaders: one query per field per request.

    courtsByIds: (ids: readonly string[]) => db.query<CourtRow>('SELECT * FROM courts WHERE id = ANY($1::uuid[])', [ids]),
    casesByIds: (ids: readonly string[]) => db.query<CaseRow>('SELECT * FROM cases WHERE id = ANY($1::uuid[])', [ids]),
    partiesByIds: (ids: readonly string[]) => db.query<PartyRow>('SELECT * FROM case_parties WHERE id = ANY($1::uuid[])', [ids]),
    evidenceByIds: (ids: readonly string[]) => db.query<EvidenceRow>('SELECT * FROM evidence WHERE id = ANY($1::uuid[])', [ids]),
    statusHistoryByCaseIds: (caseIds: readonly string[]) =>
      db.query<StatusChangeRow>('SELECT * FROM case_status_changes WHERE case_id = ANY($1::uuid[]) ORDER BY case_id, seq', [caseIds]),
    partiesByCaseIds: (caseIds: readonly string[]) =>
      db.query<PartyRow>('SELECT * FROM case_parties WHERE case_id = ANY($1::uuid[]) ORDER BY case_id, position', [caseIds]),
    partiesByDids: (dids: readonly string[]) =>
      db.query<PartyRow>(
        `SELECT p.* FROM case_parties p JOIN cases c ON c.id = p.case_id
          WHERE p.did = ANY($1::text[]) ORDER BY p.did, c.filed_on, c.id, p.position`,
        [dids],
      ),
    judgmentsByCaseIds: (caseIds: readonly string[]) =>
      db.query<JudgmentRow>('SELECT * FROM judgments WHERE case_id = ANY($1::uuid[]) ORDER BY case_id, decided_on, recorded_at, id', [caseIds]),
    evidenceByCaseIds: (caseIds: readonly string[]) =>
      db.query<EvidenceRow>('SELECT * FROM evidence WHERE case_id = ANY($1::uuid[]) ORDER BY case_id, submitted_at, id', [caseIds]),
    accessRequestsByEvidenceIds: (evidenceIds: readonly string[]) =>
      db.query<AccessRequestRow>(
        'SELECT * FROM evidence_access_requests_with_status WHERE evidence_id = ANY($1::uuid[]) ORDER BY evidence_id, requested_at, id',
        [evidenceIds],
      ),

    /**
     * Convictions that stand, per DID: for each (case, party) the latest
     * judgment (by decision date, then recording time) counts, so an acquittal
     * on appeal replaces the first-instance conviction.
     */
    convictionsByDids: (dids: readonly string[]) => db.query<ConvictionRow>(STANDING_CONVICTIONS_SQL, [dids]),
  };
}

// ---------------------------------------------------------------------------

/**
 * Convictions that stand, for the DIDs in $1 (text[]): for each (case, party) the latest
 * judgment (by decision date, then recording time) counts, so an acquittal on appeal replaces
 * the first-instance conviction. One definition for the criminal record and the
 * NoCriminalRecordCredential (credentials.ts).
 */
export const STANDING_CONVICTIONS_SQL = `SELECT * FROM (
   SELECT DISTINCT ON (j.party_id) j.*, p.did
     FROM judgments j JOIN case_parties p ON p.id = j.party_id
    WHERE p.did = ANY($1::text[])
    ORDER BY j.party_id, j.decided_on DESC, j.recorded_at DESC, j.id DESC
 ) latest
 WHERE verdict = 'CONVICTED'
 ORDER BY did, decided_on, id`;

interface ValidParty {
  id: string;
  did: string | null;
  name: string;
  role: PartyRole;
}

function validParty(input: PartyInput, path: string): ValidParty {
  return {
    id: optionalUuid(input.id, `${path}.id`) ?? randomUUID(),
    did: optionalDid(input.did, `${path}.did`),
    name: text(input.name, `${path}.name`, 200),
    role: oneOf(input.role, PARTY_ROLES, `${path}.role`),
  };
}

function validParties(parties: unknown): ValidParty[] {
  if (!Array.isArray(parties) || parties.length === 0) {
    throw invalid(ErrorCode.INVALID_ARGUMENT, 'a case needs at least one party', 'input.parties');
  }
  if (parties.length > MAX_PARTIES_PER_CASE) {
    throw invalid(ErrorCode.INVALID_ARGUMENT, `a case is opened with at most ${MAX_PARTIES_PER_CASE} parties; add more with addParty`, 'input.parties');
  }
  const valid = parties.map((party: PartyInput, index) => validParty(party, `input.parties[${index}]`));
  const seen = new Set<string>();
  for (const [index, party] of valid.entries()) {
    if (!party.did) continue;
    if (seen.has(party.did)) throw invalid(ErrorCode.INVALID_ARGUMENT, `${party.did} is listed twice: one party per person`, `input.parties[${index}].did`);
    seen.add(party.did);
  }
  return valid;
}

function isUuid(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

function badCursor() {
  return invalid(ErrorCode.INVALID_CURSOR, 'after is not a cursor this list returned', 'after');
}

/** NOT_FOUND naming the argument that pointed at nothing (the kit's notFound has no field). */
function missing(what: string, id: string, field: string): InputError {
  return new InputError(ErrorCode.NOT_FOUND, `${what} ${id} does not exist`, { detail: { id, field } });
}

interface PgError {
  code?: string;
  constraint?: string;
}

function isUniqueViolation(error: unknown): error is PgError {
  return (error as PgError | undefined)?.code === '23505';
}

/** What a unique constraint means to a caller, when a race got past the checks made before the insert. */
const CONSTRAINT_CONFLICTS: Record<string, string> = {
  courts_name_unique: 'a court with this name already exists',
  cases_case_number_unique: 'this case number is already taken',
  case_status_changes_seq_unique: 'the case status changed at the same time; read the case again and retry',
  case_parties_did_unique: 'this DID is already a party of the case',
  evidence_digest_unique_in_case: 'evidence with this content digest is already registered in the case',
  evidence_access_decisions_once: 'this access request has just been decided by someone else',
};

function translateDatabaseError(error: unknown): unknown {
  if (!isUniqueViolation(error)) return error;
  const constraint = error.constraint ?? '';
  if (constraint.endsWith('_pkey')) return conflict('a record with this id already exists');
  const message = CONSTRAINT_CONFLICTS[constraint];
  return message ? conflict(message) : error;
}
