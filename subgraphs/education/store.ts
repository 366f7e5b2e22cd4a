import { randomUUID } from 'node:crypto';
import { assertLoggedVersion } from '../../anchor/log/assert-logged-version.ts';
import { logRecord } from '../../anchor/log/log-record.ts';
import type { Database, Queryable } from '../../store/open.ts';
import { ErrorCode, conflict, invalid, notFound } from '../kit/errors.ts';
import { byKey, groupBy } from '../kit/loaders.ts';
import { decodeCursor, pageSize, toConnection, type Connection, type PageArgs } from '../kit/pagination.ts';
import { parseDid, parseIsoDate } from '../kit/scalars.ts';

/**
 * The education department's records over its own database. Every write
 * validates its input first (refusing with the exact field at fault), then runs
 * one short transaction that checks what needs the stored data and writes.
 * Every create takes an optional id and is idempotent on it.
 *
 * Every row a write commits to a recorded table (a new record, a new version of
 * an enrolment, a status history row the database adds) is logged in the
 * department's Merkle log in the same transaction: see `logWritten`.
 */

/**
 * The tables whose rows are the department's records, each keyed by its `id`:
 * what the store logs and `govshare audit` re-hashes.
 */
export const RECORDED_TABLES = [
  'institutions',
  'enrolments',
  'enrolment_status_changes',
  'course_results',
  'degrees',
  'credit_transfers',
  'learning_resources',
] as const;
export type RecordedTable = (typeof RECORDED_TABLES)[number];

export const INSTITUTION_KINDS = ['UNIVERSITY', 'COLLEGE', 'VOCATIONAL', 'SCHOOL'] as const;
export type InstitutionKind = (typeof INSTITUTION_KINDS)[number];
export const QUALIFICATION_LEVELS = ['CERTIFICATE', 'DIPLOMA', 'BACHELOR', 'MASTER', 'DOCTORATE'] as const;
export type QualificationLevel = (typeof QUALIFICATION_LEVELS)[number];
export type EnrolmentStatus = 'ACTIVE' | 'COMPLETED' | 'WITHDRAWN';
export type EnrolmentOutcome = Exclude<EnrolmentStatus, 'ACTIVE'>;

// Rows as the database returns them: numeric as string, date as 'YYYY-MM-DD', timestamptz as ISO.
export interface InstitutionRow {
  id: string;
  name: string;
  code: string;
  kind: InstitutionKind;
  city: string;
  country: string;
  recorded_at: string;
}

export interface EnrolmentRow {
  id: string;
  student_did: string;
  institution_id: string;
  programme: string;
  level: QualificationLevel;
  start_date: string;
  end_date: string | null;
  status: EnrolmentStatus;
  recorded_at: string;
}

export interface EnrolmentStatusChangeRow {
  id: number;
  enrolment_id: string;
  status: EnrolmentStatus;
  effective_on: string;
  recorded_at: string;
}

export interface CourseResultRow {
  id: string;
  enrolment_id: string;
  student_did: string;
  institution_id: string;
  course_code: string;
  course_title: string;
  credits: string;
  grade: string;
  passed: boolean;
  term: string;
  completed_on: string;
  recorded_at: string;
}

export interface DegreeRow {
  id: string;
  enrolment_id: string;
  holder_did: string;
  institution_id: string;
  title: string;
  field: string;
  level: QualificationLevel;
  honours: string | null;
  awarded_on: string;
  recorded_at: string;
}

export interface CreditTransferRow {
  id: string;
  course_result_id: string;
  student_did: string;
  from_institution_id: string;
  to_institution_id: string;
  credits_recognised: string;
  recognised_as: string | null;
  recognised_on: string;
  recorded_at: string;
}

export interface LearningResourceRow {
  id: string;
  title: string;
  author_did: string;
  content_digest: string;
  media_type: string;
  license: string;
  institution_id: string | null;
  first_published_at: string;
}

export interface RegisterInstitutionInput {
  id?: string | null;
  name: string;
  code: string;
  kind: InstitutionKind;
  city: string;
  country: string;
}

export interface EnrolStudentInput {
  id?: string | null;
  studentDid: string;
  institutionId: string;
  programme: string;
  level: QualificationLevel;
  startDate: string;
}

export interface EndEnrolmentInput {
  enrolmentId: string;
  outcome: EnrolmentOutcome;
  endDate: string;
}

export interface RecordCourseResultInput {
  id?: string | null;
  enrolmentId: string;
  courseCode: string;
  courseTitle: string;
  credits: number;
  grade: string;
  term: string;
  completedOn: string;
}

export interface AwardDegreeInput {
  id?: string | null;
  holderDid: string;
  institutionId: string;
  enrolmentId: string;
  title: string;
  field: string;
  honours?: string | null;
  awardedOn: string;
}

export interface RecordCreditTransferInput {
  id?: string | null;
  studentDid: string;
  courseResultId: string;
  toInstitutionId: string;
  creditsRecognised: number;
  recognisedAs?: string | null;
  recognisedOn: string;
}

export interface RegisterLearningResourceInput {
  id?: string | null;
  title: string;
  authorDid: string;
  contentDigest: string;
  mediaType: string;
  license: string;
  institutionId?: string | null;
}

export interface LearningResourcePageArgs extends PageArgs {
  authorDid?: string | null;
}

export type EducationStore = ReturnType<typeof createEducationStore>;

export function createEducationStore(db: Database) {
  return {
    /** The department's database, for operators' tools and tests (e.g. proving append-only tables refuse UPDATE). */
    db,

    // ---- institutions -------------------------------------------------------

    async registerInstitution(input: RegisterInstitutionInput): Promise<InstitutionRow> {
      const id = givenOrNewId(input.id);
      const name = text(input.name, 'input.name', 2, 200);
      const code = matching(input.code, 'input.code', INSTITUTION_CODE, 'a national register code: 2-32 upper-case letters, digits or hyphens');
      const kind = oneOf(input.kind, 'input.kind', INSTITUTION_KINDS);
      const city = text(input.city, 'input.city', 1, 100);
      const country = matching(input.country, 'input.country', /^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 country code such as CN');
      return withConflicts(
        db.transaction(async (tx) => {
          const stored = await rowById<InstitutionRow>(tx, 'institutions', id);
          if (stored) return stored;
          const taken = await tx.query<{ id: string }>('SELECT id FROM institutions WHERE code = $1', [code]);
          if (taken[0]) throw conflict(`institution code ${code} is already registered (institution ${taken[0].id})`);
          return insertOnce<InstitutionRow>(
            tx,
            'institutions',
            id,
            'INSERT INTO institutions (id, name, code, kind, city, country) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING RETURNING *',
            [id, name, code, kind, city, country],
          );
        }),
        { institutions_code_key: () => `institution code ${code} is already registered` },
      );
    },

    async institution(id: string): Promise<InstitutionRow | null> {
      return (await rowById<InstitutionRow>(db, 'institutions', uuid(id, 'id'))) ?? null;
    },

    async institutionsByIds(ids: readonly string[]): Promise<(InstitutionRow | null)[]> {
      const rows = await db.query<InstitutionRow>('SELECT * FROM institutions WHERE id = ANY($1::uuid[])', [[...ids]]);
      return byKey(ids, rows, (row) => row.id);
    },

    /** Institutions ordered by (name, id). */
    async institutionsPage(args: PageArgs): Promise<Connection<InstitutionRow>> {
      const first = pageSize(args.first);
      const after = decodeCursor(args.after, 2);
      const [name, id] = after ? [cursorText(after[0]), cursorUuid(after[1])] : [null, null];
      const rows = await db.query<InstitutionRow>(
        after
          ? 'SELECT * FROM institutions WHERE (name, id) > ($1, $2::uuid) ORDER BY name, id LIMIT $3'
          : 'SELECT * FROM institutions ORDER BY name, id LIMIT $1',
        after ? [name, id, first + 1] : [first + 1],
      );
      return toConnection(rows, first, (row) => [row.name, row.id]);
    },

    // ---- enrolments ---------------------------------------------------------

    async enrolStudent(input: EnrolStudentInput): Promise<EnrolmentRow> {
      const id = givenOrNewId(input.id);
      const studentDid = did(input.studentDid, 'input.studentDid');
      const institutionId = uuid(input.institutionId, 'input.institutionId');
      const programme = text(input.programme, 'input.programme', 2, 200);
      const level = oneOf(input.level, 'input.level', QUALIFICATION_LEVELS);
      const startDate = date(input.startDate, 'input.startDate');
      const activeConflict = () => `${studentDid} already has an ACTIVE enrolment in "${programme}" at institution ${institutionId}`;
      return withConflicts(
        db.transaction(async (tx) => {
          const stored = await rowById<EnrolmentRow>(tx, 'enrolments', id);
          if (stored) return stored;
          await requireInstitution(tx, institutionId);
          const active = await tx.query(
            "SELECT 1 FROM enrolments WHERE student_did = $1 AND institution_id = $2 AND programme = $3 AND status = 'ACTIVE'",
            [studentDid, institutionId, programme],
          );
          if (active.length) throw conflict(activeConflict());
          return insertOnce<EnrolmentRow>(
            tx,
            'enrolments',
            id,
            `INSERT INTO enrolments (id, student_did, institution_id, programme, level, start_date)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING RETURNING *`,
            [id, studentDid, institutionId, programme, level, startDate],
          );
        }),
        { enrolments_one_active: activeConflict },
      );
    },

    /**
     * Ends an ACTIVE enrolment. Asking again for the end it already has returns
     * it unchanged (so retries and the demo seed are safe); any other change to
     * an ended enrolment is a CONFLICT.
     */
    async endEnrolment(input: EndEnrolmentInput): Promise<EnrolmentRow> {
      const enrolmentId = uuid(input.enrolmentId, 'input.enrolmentId');
      const outcome = oneOf(input.outcome, 'input.outcome', ['COMPLETED', 'WITHDRAWN'] as const);
      const endDate = notFuture(date(input.endDate, 'input.endDate'), 'input.endDate');
      return db.transaction(async (tx) => {
        const [enrolment] = await tx.query<EnrolmentRow>('SELECT * FROM enrolments WHERE id = $1 FOR UPDATE', [enrolmentId]);
        if (!enrolment) throw notFound('enrolment', enrolmentId);
        if (enrolment.status === outcome && enrolment.end_date === endDate) return enrolment;
        if (enrolment.status !== 'ACTIVE') throw conflict(`enrolment ${enrolmentId} already ended: ${enrolment.status} on ${enrolment.end_date}`);
        if (endDate < enrolment.start_date) {
          throw invalid(ErrorCode.INVALID_ARGUMENT, `endDate ${endDate} is before the enrolment started (${enrolment.start_date})`, 'input.endDate');
        }
        return updateOne<EnrolmentRow>(tx, 'enrolments', 'UPDATE enrolments SET status = $2, end_date = $3 WHERE id = $1 RETURNING *', [
          enrolmentId,
          outcome,
          endDate,
        ]);
      });
    },

    async enrolment(id: string): Promise<EnrolmentRow | null> {
      return (await rowById<EnrolmentRow>(db, 'enrolments', uuid(id, 'id'))) ?? null;
    },

    async enrolmentsByIds(ids: readonly string[]): Promise<(EnrolmentRow | null)[]> {
      const rows = await db.query<EnrolmentRow>('SELECT * FROM enrolments WHERE id = ANY($1::uuid[])', [[...ids]]);
      return byKey(ids, rows, (row) => row.id);
    },

    async enrolmentsByStudents(dids: readonly string[]): Promise<EnrolmentRow[][]> {
      const rows = await db.query<EnrolmentRow>('SELECT * FROM enrolments WHERE student_did = ANY($1) ORDER BY start_date, id', [[...dids]]);
      return groupBy(dids, rows, (row) => row.student_did);
    },

    async statusHistoryByEnrolments(ids: readonly string[]): Promise<EnrolmentStatusChangeRow[][]> {
      const rows = await db.query<EnrolmentStatusChangeRow>(
        'SELECT * FROM enrolment_status_changes WHERE enrolment_id = ANY($1::uuid[]) ORDER BY enrolment_id, id',
        [[...ids]],
      );
      return groupBy(ids, rows, (row) => row.enrolment_id);
    },

    // ---- course results -----------------------------------------------------

    async recordCourseResult(input: RecordCourseResultInput): Promise<CourseResultRow> {
      const id = givenOrNewId(input.id);
      const enrolmentId = uuid(input.enrolmentId, 'input.enrolmentId');
      const courseCode = matching(
        input.courseCode,
        'input.courseCode',
        /^[A-Za-z0-9][A-Za-z0-9 ._/-]{0,31}$/,
        'a course code of 1-32 letters, digits, spaces or ._/- (e.g. CS1010)',
      );
      const courseTitle = text(input.courseTitle, 'input.courseTitle', 1, 200);
      const credits = creditsValue(input.credits, 'input.credits');
      const grade = matching(input.grade, 'input.grade', GRADE, 'a letter grade A+ to D- or F, P (pass) or F (fail), or a whole percentage "0" to "100"');
      const term = matching(input.term, 'input.term', /^\d{4}-(spring|summer|autumn|winter)$/, 'a term such as 2023-autumn (spring, summer, autumn or winter)');
      const completedOn = notFuture(date(input.completedOn, 'input.completedOn'), 'input.completedOn');
      const duplicate = () => `a result for ${courseCode} in ${term} is already recorded on enrolment ${enrolmentId}`;
      return withConflicts(
        db.transaction(async (tx) => {
          const stored = await rowById<CourseResultRow>(tx, 'course_results', id);
          if (stored) return stored;
          const enrolment = await requireEnrolment(tx, enrolmentId, 'FOR SHARE');
          if (completedOn < enrolment.start_date) {
            throw invalid(ErrorCode.INVALID_ARGUMENT, `completedOn ${completedOn} is before the enrolment started (${enrolment.start_date})`, 'input.completedOn');
          }
          if (enrolment.end_date && completedOn > enrolment.end_date) {
            throw invalid(ErrorCode.INVALID_ARGUMENT, `completedOn ${completedOn} is after the enrolment ended (${enrolment.end_date})`, 'input.completedOn');
          }
          const same = await tx.query('SELECT 1 FROM course_results WHERE enrolment_id = $1 AND course_code = $2 AND term = $3', [enrolmentId, courseCode, term]);
          if (same.length) throw conflict(duplicate());
          return insertOnce<CourseResultRow>(
            tx,
            'course_results',
            id,
            `INSERT INTO course_results (id, enrolment_id, student_did, institution_id, course_code, course_title, credits, grade, term, completed_on)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING RETURNING *`,
            [id, enrolmentId, enrolment.student_did, enrolment.institution_id, courseCode, courseTitle, credits, grade, term, completedOn],
          );
        }),
        { course_results_once_per_term: duplicate },
      );
    },

    async courseResultsByIds(ids: readonly string[]): Promise<(CourseResultRow | null)[]> {
      const rows = await db.query<CourseResultRow>('SELECT * FROM course_results WHERE id = ANY($1::uuid[])', [[...ids]]);
      return byKey(ids, rows, (row) => row.id);
    },

    async courseResultsByStudents(dids: readonly string[]): Promise<CourseResultRow[][]> {
      const rows = await db.query<CourseResultRow>('SELECT * FROM course_results WHERE student_did = ANY($1) ORDER BY completed_on, id', [[...dids]]);
      return groupBy(dids, rows, (row) => row.student_did);
    },

    async courseResultsByEnrolments(ids: readonly string[]): Promise<CourseResultRow[][]> {
      const rows = await db.query<CourseResultRow>('SELECT * FROM course_results WHERE enrolment_id = ANY($1::uuid[]) ORDER BY completed_on, id', [[...ids]]);
      return groupBy(ids, rows, (row) => row.enrolment_id);
    },

    /** Credits of each student's passing results (0 without any). */
    async totalCreditsByStudents(dids: readonly string[]): Promise<number[]> {
      const rows = await db.query<{ student_did: string; total: string }>(
        'SELECT student_did, sum(credits) AS total FROM course_results WHERE student_did = ANY($1) AND passed GROUP BY student_did',
        [[...dids]],
      );
      return byKey(dids, rows, (row) => row.student_did).map((row) => (row ? Number(row.total) : 0));
    },

    // ---- degrees ------------------------------------------------------------

    /** Awards a degree on an enrolment; an ACTIVE enrolment becomes COMPLETED on the award date. */
    async awardDegree(input: AwardDegreeInput): Promise<DegreeRow> {
      const id = givenOrNewId(input.id);
      const holderDid = did(input.holderDid, 'input.holderDid');
      const institutionId = uuid(input.institutionId, 'input.institutionId');
      const enrolmentId = uuid(input.enrolmentId, 'input.enrolmentId');
      const title = text(input.title, 'input.title', 2, 200);
      const field = text(input.field, 'input.field', 2, 200);
      const honours = optionalText(input.honours, 'input.honours', 1, 200);
      const awardedOn = notFuture(date(input.awardedOn, 'input.awardedOn'), 'input.awardedOn');
      const already = () => `enrolment ${enrolmentId} already has a degree`;
      return withConflicts(
        db.transaction(async (tx) => {
          const stored = await rowById<DegreeRow>(tx, 'degrees', id);
          if (stored) return stored;
          await requireInstitution(tx, institutionId);
          const enrolment = await requireEnrolment(tx, enrolmentId, 'FOR UPDATE');
          if (enrolment.student_did !== holderDid || enrolment.institution_id !== institutionId) {
            throw invalid(ErrorCode.INVALID_ARGUMENT, `enrolment ${enrolmentId} is not an enrolment of ${holderDid} at institution ${institutionId}`, 'input.enrolmentId');
          }
          if (enrolment.status === 'WITHDRAWN') throw conflict(`enrolment ${enrolmentId} was withdrawn on ${enrolment.end_date}: no degree can be awarded on it`);
          if (awardedOn < enrolment.start_date) {
            throw invalid(ErrorCode.INVALID_ARGUMENT, `awardedOn ${awardedOn} is before the enrolment started (${enrolment.start_date})`, 'input.awardedOn');
          }
          const existing = await tx.query('SELECT 1 FROM degrees WHERE enrolment_id = $1', [enrolmentId]);
          if (existing.length) throw conflict(already());
          const degree = await insertOnce<DegreeRow>(
            tx,
            'degrees',
            id,
            `INSERT INTO degrees (id, enrolment_id, holder_did, institution_id, title, field, level, honours, awarded_on)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING RETURNING *`,
            [id, enrolmentId, holderDid, institutionId, title, field, enrolment.level, honours, awardedOn],
          );
          if (enrolment.status === 'ACTIVE') {
            await updateOne<EnrolmentRow>(tx, 'enrolments', "UPDATE enrolments SET status = 'COMPLETED', end_date = $2 WHERE id = $1 RETURNING *", [
              enrolmentId,
              awardedOn,
            ]);
          }
          return degree;
        }),
        { degrees_one_per_enrolment: already },
      );
    },

    async degreesByHolders(dids: readonly string[]): Promise<DegreeRow[][]> {
      const rows = await db.query<DegreeRow>('SELECT * FROM degrees WHERE holder_did = ANY($1) ORDER BY awarded_on, id', [[...dids]]);
      return groupBy(dids, rows, (row) => row.holder_did);
    },

    // ---- credit transfers ---------------------------------------------------

    async recordCreditTransfer(input: RecordCreditTransferInput): Promise<CreditTransferRow> {
      const id = givenOrNewId(input.id);
      const studentDid = did(input.studentDid, 'input.studentDid');
      const courseResultId = uuid(input.courseResultId, 'input.courseResultId');
      const toInstitutionId = uuid(input.toInstitutionId, 'input.toInstitutionId');
      const creditsRecognised = creditsValue(input.creditsRecognised, 'input.creditsRecognised');
      const recognisedAs = optionalText(input.recognisedAs, 'input.recognisedAs', 1, 200);
      const recognisedOn = notFuture(date(input.recognisedOn, 'input.recognisedOn'), 'input.recognisedOn');
      const already = () => `course result ${courseResultId} is already recognised by institution ${toInstitutionId}`;
      return withConflicts(
        db.transaction(async (tx) => {
          const stored = await rowById<CreditTransferRow>(tx, 'credit_transfers', id);
          if (stored) return stored;
          const [result] = await tx.query<CourseResultRow>('SELECT * FROM course_results WHERE id = $1', [courseResultId]);
          if (!result) throw notFound('course result', courseResultId);
          if (result.student_did !== studentDid) {
            throw invalid(ErrorCode.INVALID_ARGUMENT, `course result ${courseResultId} is not a result of ${studentDid}`, 'input.courseResultId');
          }
          if (!result.passed) {
            throw invalid(ErrorCode.INVALID_ARGUMENT, `course result ${courseResultId} (grade ${result.grade}) is not a pass: only passing results transfer`, 'input.courseResultId');
          }
          await requireInstitution(tx, toInstitutionId);
          if (result.institution_id === toInstitutionId) {
            throw invalid(ErrorCode.INVALID_ARGUMENT, 'a result cannot be transferred to the institution where it was obtained', 'input.toInstitutionId');
          }
          if (Number(creditsRecognised) > Number(result.credits)) {
            throw invalid(
              ErrorCode.INVALID_ARGUMENT,
              `creditsRecognised ${creditsRecognised} exceeds the course's ${Number(result.credits)} credits`,
              'input.creditsRecognised',
            );
          }
          if (recognisedOn < result.completed_on) {
            throw invalid(ErrorCode.INVALID_ARGUMENT, `recognisedOn ${recognisedOn} is before the course was completed (${result.completed_on})`, 'input.recognisedOn');
          }
          const existing = await tx.query('SELECT 1 FROM credit_transfers WHERE course_result_id = $1 AND to_institution_id = $2', [courseResultId, toInstitutionId]);
          if (existing.length) throw conflict(already());
          return insertOnce<CreditTransferRow>(
            tx,
            'credit_transfers',
            id,
            `INSERT INTO credit_transfers (id, course_result_id, student_did, from_institution_id, to_institution_id, credits_recognised, recognised_as, recognised_on)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING RETURNING *`,
            [id, courseResultId, studentDid, result.institution_id, toInstitutionId, creditsRecognised, recognisedAs, recognisedOn],
          );
        }),
        { credit_transfers_once_per_institution: already },
      );
    },

    async creditTransfersByStudents(dids: readonly string[]): Promise<CreditTransferRow[][]> {
      const rows = await db.query<CreditTransferRow>('SELECT * FROM credit_transfers WHERE student_did = ANY($1) ORDER BY recognised_on, id', [[...dids]]);
      return groupBy(dids, rows, (row) => row.student_did);
    },

    // ---- learning resources -------------------------------------------------

    /**
     * Registers content by its digest. The first registration wins; the database
     * stamps its time (the proof of first publication), never the caller.
     */
    async registerLearningResource(input: RegisterLearningResourceInput): Promise<LearningResourceRow> {
      const id = givenOrNewId(input.id);
      const title = text(input.title, 'input.title', 1, 300);
      const authorDid = did(input.authorDid, 'input.authorDid');
      const contentDigest = digest(input.contentDigest, 'input.contentDigest');
      const mediaType = matching(input.mediaType, 'input.mediaType', MEDIA_TYPE, 'a media type such as application/pdf').toLowerCase();
      const license = matching(input.license, 'input.license', SPDX_ID, 'an SPDX license identifier such as CC-BY-4.0');
      const institutionId = input.institutionId === null || input.institutionId === undefined ? null : uuid(input.institutionId, 'input.institutionId');
      const firstPublished = (first: LearningResourceRow) =>
        conflict(`content ${contentDigest} was first published at ${first.first_published_at} (learning resource ${first.id})`);
      try {
        return await db.transaction(async (tx) => {
          const stored = await rowById<LearningResourceRow>(tx, 'learning_resources', id);
          if (stored) return stored;
          if (institutionId) await requireInstitution(tx, institutionId);
          const [first] = await tx.query<LearningResourceRow>('SELECT * FROM learning_resources WHERE content_digest = $1', [contentDigest]);
          if (first) throw firstPublished(first);
          return insertOnce<LearningResourceRow>(
            tx,
            'learning_resources',
            id,
            `INSERT INTO learning_resources (id, title, author_did, content_digest, media_type, license, institution_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING RETURNING *`,
            [id, title, authorDid, contentDigest, mediaType, license, institutionId],
          );
        });
      } catch (error) {
        // Lost a race with a concurrent registration of the same content: name the winner.
        if (uniqueViolation(error) === 'learning_resources_digest_key') {
          const [first] = await db.query<LearningResourceRow>('SELECT * FROM learning_resources WHERE content_digest = $1', [contentDigest]);
          if (first) throw firstPublished(first);
        }
        throw error;
      }
    },

    async learningResource(id: string): Promise<LearningResourceRow | null> {
      return (await rowById<LearningResourceRow>(db, 'learning_resources', uuid(id, 'id'))) ?? null;
    },

    async learningResourceByDigest(contentDigest: string): Promise<LearningResourceRow | null> {
      const rows = await db.query<LearningResourceRow>('SELECT * FROM learning_resources WHERE content_digest = $1', [digest(contentDigest, 'contentDigest')]);
      return rows[0] ?? null;
    },

    /** Learning resources in order of first publication, (first_published_at, id). */
    async learningResourcesPage(args: LearningResourcePageArgs): Promise<Connection<LearningResourceRow>> {
      const first = pageSize(args.first);
      const after = decodeCursor(args.after, 2);
      const conditions: string[] = [];
      const params: unknown[] = [];
      if (args.authorDid !== null && args.authorDid !== undefined) {
        params.push(did(args.authorDid, 'authorDid'));
        conditions.push(`author_did = $${params.length}`);
      }
      if (after) {
        params.push(cursorTime(after[0]), cursorUuid(after[1]));
        conditions.push(`(first_published_at, id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
      }
      params.push(first + 1);
      const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
      const rows = await db.query<LearningResourceRow>(
        `SELECT * FROM learning_resources ${where} ORDER BY first_published_at, id LIMIT $${params.length}`,
        params,
      );
      return toConnection(rows, first, (row) => [row.first_published_at, row.id]);
    },

    async learningResourcesByAuthors(dids: readonly string[]): Promise<LearningResourceRow[][]> {
      const rows = await db.query<LearningResourceRow>(
        'SELECT * FROM learning_resources WHERE author_did = ANY($1) ORDER BY first_published_at, id',
        [[...dids]],
      );
      return groupBy(dids, rows, (row) => row.author_did);
    },
  };
}

// ---- checks that need the stored data --------------------------------------

async function requireInstitution(tx: Queryable, id: string): Promise<void> {
  const rows = await tx.query('SELECT 1 FROM institutions WHERE id = $1', [id]);
  if (!rows.length) throw notFound('institution', id);
}

/** `lock`: FOR SHARE when the caller relies on the enrolment's dates, FOR UPDATE when it changes its status. */
async function requireEnrolment(tx: Queryable, id: string, lock: 'FOR SHARE' | 'FOR UPDATE'): Promise<EnrolmentRow> {
  const [row] = await tx.query<EnrolmentRow>(`SELECT * FROM enrolments WHERE id = $1 ${lock}`, [id]);
  if (!row) throw notFound('enrolment', id);
  return row;
}

async function rowById<Row>(q: Queryable, table: RecordedTable, id: string): Promise<Row | undefined> {
  const rows = await q.query<Row>(`SELECT * FROM ${table} WHERE id = $1`, [id]);
  return rows[0];
}

/**
 * Runs an `INSERT ... ON CONFLICT (id) DO NOTHING RETURNING *` and logs the row
 * it wrote. When a concurrent request with the same id committed first, returns
 * its row (logged by that request, not again): the caller asked for a record
 * with that id and it exists.
 */
async function insertOnce<Row extends { id: unknown }>(tx: Queryable, table: RecordedTable, id: string, sql: string, params: unknown[]): Promise<Row> {
  const [inserted] = await tx.query<Row>(sql, params);
  if (inserted) {
    await logWritten(tx, table, inserted);
    return inserted;
  }
  const stored = await rowById<Row>(tx, table, id);
  if (!stored) throw new Error(`insert into ${table} returned nothing and no row has id ${id}`);
  return stored;
}

/** Runs an `UPDATE ... WHERE id = $1 RETURNING *` of one existing record and logs its new version. */
async function updateOne<Row extends { id: unknown }>(tx: Queryable, table: RecordedTable, sql: string, params: unknown[]): Promise<Row> {
  // The version being replaced must be the one last logged, or a change made behind the store's back would be laundered.
  const [current] = await tx.query<Record<string, unknown> & { id: unknown }>(`SELECT * FROM ${table} WHERE id = $1 FOR UPDATE`, [params[0]]);
  if (current) await assertLoggedVersion(tx, table, current);
  const [updated] = await tx.query<Row>(sql, params);
  if (!updated) throw new Error(`update of ${table} ${String(params[0])} changed no row`);
  await logWritten(tx, table, updated);
  return updated;
}

/**
 * The one place the store logs: `row` (as `RETURNING *` gave it, the shape
 * `SELECT *` re-reads) was just written to `table` in `tx`, so its log entry
 * commits or vanishes with it. What the table's triggers wrote with it is
 * re-read and logged too: every INSERT into enrolments, and every UPDATE that
 * changes its status, makes `enrolments_history` add the enrolment_status_changes
 * row of the status the enrolment now has. An enrolment takes each status at
 * most once (ACTIVE, then COMPLETED or WITHDRAWN: 001_init.sql), so that row is
 * the newest of this enrolment with this status.
 */
async function logWritten(tx: Queryable, table: RecordedTable, row: { id: unknown }): Promise<void> {
  await logRecord(tx, table, row as Record<string, unknown> & { id: unknown });
  if (table === 'enrolments') {
    const enrolment = row as unknown as EnrolmentRow;
    const [change] = await tx.query<EnrolmentStatusChangeRow>(
      'SELECT * FROM enrolment_status_changes WHERE enrolment_id = $1 AND status = $2 ORDER BY id DESC LIMIT 1',
      [enrolment.id, enrolment.status],
    );
    if (!change) throw new Error(`enrolment ${enrolment.id} was written without its ${enrolment.status} status history row`);
    await logRecord(tx, 'enrolment_status_changes', change as unknown as Record<string, unknown> & { id: unknown });
  }
}

/** The name of the unique constraint an error violated, if it is a unique violation. */
function uniqueViolation(error: unknown): string | undefined {
  const pgError = error as { code?: unknown; constraint?: unknown } | null;
  return pgError?.code === '23505' && typeof pgError.constraint === 'string' ? pgError.constraint : undefined;
}

/**
 * The checks inside a transaction see what is committed; two concurrent writes
 * can both pass them and one then trips a unique constraint. That loser gets the
 * same CONFLICT the check would have given it.
 */
async function withConflicts<T>(work: Promise<T>, messages: Record<string, () => string>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    const message = messages[uniqueViolation(error) ?? ''];
    if (message) throw conflict(message());
    throw error;
  }
}

// ---- input validation ------------------------------------------------------

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INSTITUTION_CODE = /^[A-Z0-9][A-Z0-9-]{1,31}$/;
// Letter grades A+ .. D-, F; pass/fail P or F; whole percentages without leading zeros.
const GRADE = /^(A\+|A-|A|B\+|B-|B|C\+|C-|C|D\+|D-|D|F|P|100|[1-9]?\d)$/;
// RFC 6838 §4.2 restricted names.
const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,62}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,62}$/;
// SPDX short identifiers (CC-BY-4.0, MIT, LicenseRef-...).
const SPDX_ID = /^[A-Za-z0-9][A-Za-z0-9.+-]{0,63}$/;

function uuid(value: unknown, field: string): string {
  if (typeof value !== 'string' || !UUID.test(value)) {
    throw invalid(ErrorCode.INVALID_ARGUMENT, `${field} must be a UUID, got ${JSON.stringify(value)}`, field);
  }
  return value.toLowerCase();
}

/** The caller's id (what makes a create idempotent), or a fresh one. */
function givenOrNewId(value: unknown): string {
  return value === null || value === undefined ? randomUUID() : uuid(value, 'input.id');
}

function did(value: unknown, field: string): string {
  try {
    return parseDid(value);
  } catch (error) {
    throw withField(error, field);
  }
}

function date(value: unknown, field: string): string {
  try {
    return parseIsoDate(value);
  } catch (error) {
    throw withField(error, field);
  }
}

/** Re-raises a scalar's refusal with the field it came from. */
function withField(error: unknown, field: string): unknown {
  const code = (error as { code?: string }).code;
  return code === ErrorCode.INVALID_DID || code === ErrorCode.INVALID_DATE ? invalid(code, (error as Error).message, field) : error;
}

/**
 * The last calendar day that is not in the future anywhere: UTC+14 is the
 * furthest ahead, so a date recorded at local midnight there is still accepted.
 */
function latestPastDate(): string {
  return new Date(Date.now() + 14 * 3600_000).toISOString().slice(0, 10);
}

function notFuture(value: string, field: string): string {
  if (value > latestPastDate()) throw invalid(ErrorCode.INVALID_ARGUMENT, `${field} ${value} is in the future`, field);
  return value;
}

function text(value: unknown, field: string, min: number, max: number): string {
  const trimmed = typeof value === 'string' ? value.trim() : undefined;
  if (trimmed === undefined || trimmed.length < min || trimmed.length > max) {
    throw invalid(ErrorCode.INVALID_ARGUMENT, `${field} must be text of ${min} to ${max} characters`, field);
  }
  return trimmed;
}

function optionalText(value: unknown, field: string, min: number, max: number): string | null {
  return value === null || value === undefined ? null : text(value, field, min, max);
}

function matching(value: unknown, field: string, pattern: RegExp, expected: string): string {
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw invalid(ErrorCode.INVALID_ARGUMENT, `${field} must be ${expected}, got ${JSON.stringify(value)}`, field);
  }
  return value;
}

function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) throw invalid(ErrorCode.INVALID_ARGUMENT, `${field} must be one of ${allowed.join(', ')}`, field);
  return value as T;
}

/** Credits: more than 0, at most 60, at most one decimal; returned as the numeric text the database stores. */
function creditsValue(value: unknown, field: string): string {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 60 || Number(value.toFixed(1)) !== value) {
    throw invalid(ErrorCode.INVALID_ARGUMENT, `${field} must be more than 0 and at most 60, with at most one decimal; got ${JSON.stringify(value)}`, field);
  }
  return value.toFixed(1);
}

function digest(value: unknown, field: string): string {
  return matching(value, field, /^[0-9a-f]{64}$/, 'a SHA-256 digest: 64 lower-case hexadecimal characters');
}

// ---- keyset cursors --------------------------------------------------------

function cursorText(value: string | number | undefined): string {
  if (typeof value !== 'string') throw badCursor();
  return value;
}

function cursorUuid(value: string | number | undefined): string {
  if (typeof value !== 'string' || !UUID.test(value)) throw badCursor();
  return value;
}

function cursorTime(value: string | number | undefined): string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(value) || Number.isNaN(Date.parse(value))) throw badCursor();
  return value;
}

function badCursor() {
  return invalid(ErrorCode.INVALID_CURSOR, 'after is not a cursor this list returned', 'after');
}
