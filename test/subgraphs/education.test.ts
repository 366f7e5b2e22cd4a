import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRecords, type RecordFinding } from '../../anchor/log/check-records.ts';
import { recordDigest } from '../../anchor/log/record-digest.ts';
import { DEMO_INSTITUTIONS, seedEducation } from '../../demo/education.ts';
import { demoCitizens } from '../../demo/citizens.ts';
import { demoId } from '../../demo/ids.ts';
import { education } from '../../subgraphs/education/index.ts';
import type { EducationStore } from '../../subgraphs/education/store.ts';
import { openDepartmentStore, type OpenedStore } from '../../subgraphs/kit/open-store.ts';
import { startSubgraph, type SubgraphServer } from '../../subgraphs/kit/server.ts';
import { codes, gql, type GraphQLResponse } from '../support/graphql.ts';
import { STORAGES, testStorage, type TestStorage } from '../support/storage.ts';

const newDid = () => `did:ethr:0x539:0x${randomBytes(20).toString('hex')}`;
let codeSequence = 0;
const newCode = () => `T${randomBytes(4).toString('hex').toUpperCase()}-${codeSequence++}`;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const INSTITUTION_FIELDS = 'id name code kind city country recordedAt';
const ENROLMENT_FIELDS = `id student { did } institution { id name } programme level startDate endDate status recordedAt
  statusHistory { status effectiveOn recordedAt }`;
const RESULT_FIELDS = 'id enrolment { id } courseCode courseTitle credits grade passed term completedOn recordedAt';
const DEGREE_FIELDS = 'id holder { did } institution { id } enrolment { id status endDate } title field level honours awardedOn recordedAt';
const TRANSFER_FIELDS = `id student { did } courseResult { id credits } fromInstitution { id } toInstitution { id }
  creditsRecognised recognisedAs recognisedOn recordedAt`;
const RESOURCE_FIELDS = 'id title author { did } contentDigest mediaType license institution { id } firstPublishedAt';

const REGISTER_INSTITUTION = `mutation($input: RegisterInstitutionInput!) { registerInstitution(input: $input) { institution { ${INSTITUTION_FIELDS} } } }`;
const ENROL = `mutation($input: EnrolStudentInput!) { enrolStudent(input: $input) { enrolment { ${ENROLMENT_FIELDS} } } }`;
const END_ENROLMENT = `mutation($input: EndEnrolmentInput!) { endEnrolment(input: $input) { enrolment { ${ENROLMENT_FIELDS} } } }`;
const RECORD_RESULT = `mutation($input: RecordCourseResultInput!) { recordCourseResult(input: $input) { courseResult { ${RESULT_FIELDS} } } }`;
const AWARD_DEGREE = `mutation($input: AwardDegreeInput!) { awardDegree(input: $input) { degree { ${DEGREE_FIELDS} } } }`;
const RECORD_TRANSFER = `mutation($input: RecordCreditTransferInput!) { recordCreditTransfer(input: $input) { creditTransfer { ${TRANSFER_FIELDS} } } }`;
const REGISTER_RESOURCE = `mutation($input: RegisterLearningResourceInput!) { registerLearningResource(input: $input) { learningResource { ${RESOURCE_FIELDS} } } }`;
const CITIZEN = `query($did: DID!) { citizen(did: $did) { did totalCredits
  enrolments { ${ENROLMENT_FIELDS} } courseResults { ${RESULT_FIELDS} } degrees { ${DEGREE_FIELDS} }
  creditTransfers { ${TRANSFER_FIELDS} } learningResources { ${RESOURCE_FIELDS} } } }`;
const INSTITUTIONS_PAGE = `query($first: Int, $after: String) { institutions(first: $first, after: $after) {
  edges { cursor node { id name } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
const RESOURCES_PAGE = `query($first: Int, $after: String, $author: DID) { learningResources(first: $first, after: $after, authorDid: $author) {
  edges { cursor node { id firstPublishedAt author { did } } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;

function expectOk(response: GraphQLResponse): Record<string, any> {
  expect(response.errors).toBeUndefined();
  return response.data!;
}

/** One error with this code (and, when given, blaming this field), and no data written. */
function expectError(response: GraphQLResponse, code: string, field?: string): void {
  expect(codes(response)).toEqual([code]);
  if (field) expect(response.errors![0]!.extensions?.field).toBe(field);
}

describe.each(STORAGES)('education subgraph on %s', (kind) => {
  let storage: TestStorage;
  let server: SubgraphServer<EducationStore>;

  beforeAll(async () => {
    storage = testStorage(kind);
    server = await startSubgraph(education, { config: storage.config, port: 0 });
  });

  afterAll(async () => {
    await server?.close();
    await storage?.cleanup();
  });

  const call = (query: string, variables?: Record<string, unknown>) => gql(server.graphqlUrl, query, variables);
  const count = async (table: string) => (await server.store.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]!.n;

  const logCounts = async (): Promise<Record<string, number>> =>
    Object.fromEntries(
      (await server.store.db.query<{ t: string; n: number }>('SELECT record_table AS t, count(*)::int AS n FROM record_log GROUP BY record_table')).map((r) => [r.t, r.n]),
    );

  /** The record_log rows `work` wrote, per table (tables it wrote none for left out). */
  async function logged(work: () => Promise<unknown>): Promise<Record<string, number>> {
    const before = await logCounts();
    await work();
    const after = await logCounts();
    return Object.fromEntries(Object.entries(after).flatMap(([table, n]) => (n === before[table] ? [] : [[table, n - (before[table] ?? 0)]])));
  }

  // ---- fixtures through the API ----------------------------------------------

  async function registerInstitution(overrides: Record<string, unknown> = {}) {
    const input = { name: 'Test University', code: newCode(), kind: 'UNIVERSITY', city: 'Hangzhou', country: 'CN', ...overrides };
    return expectOk(await call(REGISTER_INSTITUTION, { input })).registerInstitution.institution;
  }

  async function enrol(studentDid: string, institutionId: string, overrides: Record<string, unknown> = {}) {
    const input = { studentDid, institutionId, programme: 'Computer Science and Technology', level: 'BACHELOR', startDate: '2019-09-01', ...overrides };
    return expectOk(await call(ENROL, { input })).enrolStudent.enrolment;
  }

  const resultInput = (enrolmentId: string, overrides: Record<string, unknown> = {}) => ({
    enrolmentId,
    courseCode: `CS${randomBytes(2).toString('hex')}`,
    courseTitle: 'Data Structures and Algorithms',
    credits: 4,
    grade: 'A-',
    term: '2019-autumn',
    completedOn: '2020-01-15',
    ...overrides,
  });

  async function recordResult(enrolmentId: string, overrides: Record<string, unknown> = {}) {
    return expectOk(await call(RECORD_RESULT, { input: resultInput(enrolmentId, overrides) })).recordCourseResult.courseResult;
  }

  /** A student enrolled at A with one passing 4-credit result, and a second institution B. */
  async function transferSetup() {
    const student = newDid();
    const from = await registerInstitution({ name: 'Origin University' });
    const to = await registerInstitution({ name: 'Receiving University', country: 'HK', city: 'Hong Kong' });
    const enrolment = await enrol(student, from.id);
    const result = await recordResult(enrolment.id, { credits: 4, grade: '88' });
    return { student, from, to, enrolment, result };
  }

  const transferInput = (setup: Awaited<ReturnType<typeof transferSetup>>, overrides: Record<string, unknown> = {}) => ({
    studentDid: setup.student,
    courseResultId: setup.result.id,
    toInstitutionId: setup.to.id,
    creditsRecognised: 3.5,
    recognisedAs: 'COMP2119 Introduction to Data Structures',
    recognisedOn: '2021-09-01',
    ...overrides,
  });

  const resourceInput = (overrides: Record<string, unknown> = {}) => ({
    title: 'Lecture Notes on Linear Algebra',
    authorDid: newDid(),
    contentDigest: sha256(randomUUID()),
    mediaType: 'application/pdf',
    license: 'CC-BY-4.0',
    ...overrides,
  });

  // ---- institutions ------------------------------------------------------------

  describe('registerInstitution', () => {
    it('registers an institution and finds it by id', async () => {
      const code = newCode();
      const institution = await registerInstitution({ name: 'Zhejiang University', code, city: 'Hangzhou', country: 'CN' });
      expect(institution).toMatchObject({ name: 'Zhejiang University', code, kind: 'UNIVERSITY', city: 'Hangzhou', country: 'CN' });
      expect(institution.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(institution.recordedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      const found = expectOk(await call(`query($id: ID!) { institution(id: $id) { ${INSTITUTION_FIELDS} } }`, { id: institution.id }));
      expect(found.institution).toEqual(institution);
    });

    it('answers null for an unknown id and INVALID_ARGUMENT for a malformed one', async () => {
      expect(expectOk(await call('query($id: ID!) { institution(id: $id) { id } }', { id: randomUUID() })).institution).toBeNull();
      expectError(await call('query($id: ID!) { institution(id: $id) { id } }', { id: 'not-a-uuid' }), 'INVALID_ARGUMENT', 'id');
    });

    it('is idempotent on id: the same id returns the stored record and writes nothing', async () => {
      const id = randomUUID();
      const first = await registerInstitution({ id, name: 'Fudan University' });
      const before = await count('institutions');
      const again = await registerInstitution({ id, name: 'Some Other Name', code: newCode() });
      expect(again).toEqual(first);
      expect(await count('institutions')).toBe(before);
    });

    it('refuses a code already registered with CONFLICT', async () => {
      const code = newCode();
      await registerInstitution({ code });
      const response = await call(REGISTER_INSTITUTION, { input: { name: 'Copycat College', code, kind: 'COLLEGE', city: 'Wuhan', country: 'CN' } });
      expectError(response, 'CONFLICT');
      expect(response.errors![0]!.message).toContain(code);
    });

    it.each([
      ['code', { code: 'lower-case' }, 'input.code'],
      ['code', { code: 'X' }, 'input.code'],
      ['country', { country: 'CHN' }, 'input.country'],
      ['country', { country: 'cn' }, 'input.country'],
      ['name', { name: ' ' }, 'input.name'],
      ['city', { city: '' }, 'input.city'],
      ['id', { id: '1234' }, 'input.id'],
    ])('refuses a bad %s with INVALID_ARGUMENT', async (_name, overrides, field) => {
      const input = { name: 'Nanjing University', code: newCode(), kind: 'UNIVERSITY', city: 'Nanjing', country: 'CN', ...overrides };
      expectError(await call(REGISTER_INSTITUTION, { input }), 'INVALID_ARGUMENT', field);
    });
  });

  describe('institutions pagination', () => {
    beforeAll(async () => {
      for (let i = 0; i < 7; i++) await registerInstitution({ name: `Paging Institute ${i}` });
    });

    it('walks every institution in name order without overlap', async () => {
      const everything = expectOk(await call(INSTITUTIONS_PAGE, { first: 100 })).institutions;
      expect(everything.pageInfo.hasNextPage).toBe(false);
      const all: { id: string; name: string }[] = everything.edges.map((e: { node: unknown }) => e.node);
      expect(all.length).toBeGreaterThanOrEqual(7);

      const seen: { id: string; name: string }[] = [];
      let after: string | null = null;
      for (let pages = 0; ; pages++) {
        expect(pages).toBeLessThan(100);
        const page: Record<string, any> = expectOk(await call(INSTITUTIONS_PAGE, { first: 3, after })).institutions;
        expect(page.edges.length).toBeLessThanOrEqual(3);
        expect(page.pageInfo.hasPreviousPage).toBe(false);
        expect(page.pageInfo.startCursor).toBe(page.edges[0]?.cursor ?? null);
        expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor ?? null);
        seen.push(...page.edges.map((e: { node: { id: string; name: string } }) => e.node));
        if (!page.pageInfo.hasNextPage) break;
        expect(page.edges).toHaveLength(3);
        after = page.pageInfo.endCursor;
      }
      expect(new Set(seen.map((n) => n.id)).size).toBe(seen.length);
      expect(seen).toEqual(all);
      const names = seen.map((n) => n.name);
      expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    });

    it('defaults to 20 and refuses first outside 1..100 with INVALID_ARGUMENT', async () => {
      const page = expectOk(await call(INSTITUTIONS_PAGE, {})).institutions;
      expect(page.edges.length).toBe(Math.min(20, (await count('institutions'))));
      expectError(await call(INSTITUTIONS_PAGE, { first: 0 }), 'INVALID_ARGUMENT', 'first');
      expectError(await call(INSTITUTIONS_PAGE, { first: 101 }), 'INVALID_ARGUMENT', 'first');
    });

    it('refuses a cursor it did not give with INVALID_CURSOR', async () => {
      expectError(await call(INSTITUTIONS_PAGE, { after: 'garbage!' }), 'INVALID_CURSOR', 'after');
      const wrongShape = Buffer.from(JSON.stringify(['Name', 'not-a-uuid'])).toString('base64url');
      expectError(await call(INSTITUTIONS_PAGE, { after: wrongShape }), 'INVALID_CURSOR', 'after');
      const wrongLength = Buffer.from(JSON.stringify(['Name'])).toString('base64url');
      expectError(await call(INSTITUTIONS_PAGE, { after: wrongLength }), 'INVALID_CURSOR', 'after');
    });
  });

  // ---- enrolments ------------------------------------------------------------

  describe('enrolStudent and endEnrolment', () => {
    it('enrols a student as ACTIVE with a status history', async () => {
      const student = newDid();
      const institution = await registerInstitution();
      const enrolment = await enrol(student, institution.id, { programme: 'Economics', level: 'MASTER', startDate: '2022-09-01' });
      expect(enrolment).toMatchObject({
        student: { did: student },
        institution: { id: institution.id, name: institution.name },
        programme: 'Economics',
        level: 'MASTER',
        startDate: '2022-09-01',
        endDate: null,
        status: 'ACTIVE',
        statusHistory: [{ status: 'ACTIVE', effectiveOn: '2022-09-01' }],
      });
      const citizen = expectOk(await call(CITIZEN, { did: student })).citizen;
      expect(citizen.enrolments.map((e: { id: string }) => e.id)).toEqual([enrolment.id]);
    });

    it('refuses a second ACTIVE enrolment in the same programme and institution with CONFLICT', async () => {
      const student = newDid();
      const institution = await registerInstitution();
      await enrol(student, institution.id);
      const input = { studentDid: student, institutionId: institution.id, programme: 'Computer Science and Technology', level: 'BACHELOR', startDate: '2020-09-01' };
      expectError(await call(ENROL, { input }), 'CONFLICT');
      // Another programme at the same institution is fine.
      await enrol(student, institution.id, { programme: 'Mathematics' });
    });

    it('is idempotent on id', async () => {
      const student = newDid();
      const institution = await registerInstitution();
      const id = randomUUID();
      const first = await enrol(student, institution.id, { id });
      const before = await count('enrolments');
      // Same id: the stored enrolment comes back even though an ACTIVE one now exists for this programme.
      expect(await enrol(student, institution.id, { id, startDate: '2021-09-01' })).toEqual(first);
      expect(await count('enrolments')).toBe(before);
    });

    it('refuses bad input with the exact code', async () => {
      const institution = await registerInstitution();
      const base = { studentDid: newDid(), institutionId: institution.id, programme: 'Law', level: 'BACHELOR', startDate: '2019-09-01' };
      expectError(await call(ENROL, { input: { ...base, institutionId: randomUUID() } }), 'NOT_FOUND');
      expectError(await call(ENROL, { input: { ...base, institutionId: 'nope' } }), 'INVALID_ARGUMENT', 'input.institutionId');
      expectError(await call(ENROL, { input: { ...base, studentDid: 'not a did' } }), 'INVALID_DID');
      expectError(await call(ENROL, { input: { ...base, startDate: '2019-02-30' } }), 'INVALID_DATE');
      expectError(await call(ENROL, { input: { ...base, programme: 'x' } }), 'INVALID_ARGUMENT', 'input.programme');
      // The store checks the same things when called directly (the seed does), naming the field.
      await expect(server.store.enrolStudent({ ...base, startDate: '2019-13-01' } as never)).rejects.toMatchObject({
        code: 'INVALID_DATE',
        detail: { field: 'input.startDate' },
      });
      await expect(server.store.enrolStudent({ ...base, level: 'PHD' } as never)).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        detail: { field: 'input.level' },
      });
    });

    it('ends an enrolment once, keeps the history, and allows a new ACTIVE enrolment afterwards', async () => {
      const student = newDid();
      const institution = await registerInstitution();
      const enrolment = await enrol(student, institution.id, { startDate: '2018-09-01' });

      expectError(await call(END_ENROLMENT, { input: { enrolmentId: enrolment.id, outcome: 'WITHDRAWN', endDate: '2018-08-31' } }), 'INVALID_ARGUMENT', 'input.endDate');
      expectError(await call(END_ENROLMENT, { input: { enrolmentId: enrolment.id, outcome: 'WITHDRAWN', endDate: '2999-01-01' } }), 'INVALID_ARGUMENT', 'input.endDate');
      expectError(await call(END_ENROLMENT, { input: { enrolmentId: randomUUID(), outcome: 'WITHDRAWN', endDate: '2019-01-01' } }), 'NOT_FOUND');

      const input = { enrolmentId: enrolment.id, outcome: 'WITHDRAWN', endDate: '2019-03-15' };
      const ended = expectOk(await call(END_ENROLMENT, { input })).endEnrolment.enrolment;
      expect(ended).toMatchObject({ status: 'WITHDRAWN', endDate: '2019-03-15' });
      expect(ended.statusHistory.map((s: { status: string; effectiveOn: string }) => [s.status, s.effectiveOn])).toEqual([
        ['ACTIVE', '2018-09-01'],
        ['WITHDRAWN', '2019-03-15'],
      ]);
      // The same request again changes nothing; a different end is a CONFLICT.
      expect(expectOk(await call(END_ENROLMENT, { input })).endEnrolment.enrolment).toEqual(ended);
      expectError(await call(END_ENROLMENT, { input: { ...input, outcome: 'COMPLETED' } }), 'CONFLICT');
      expectError(await call(END_ENROLMENT, { input: { ...input, endDate: '2019-03-16' } }), 'CONFLICT');

      const again = await enrol(student, institution.id, { startDate: '2020-09-01' });
      expect(again.status).toBe('ACTIVE');
    });
  });

  // ---- course results ----------------------------------------------------------

  describe('recordCourseResult', () => {
    let student: string;
    let enrolment: Record<string, any>;

    beforeAll(async () => {
      student = newDid();
      const institution = await registerInstitution();
      enrolment = await enrol(student, institution.id, { startDate: '2019-09-01' });
    });

    it('records a result under the enrolment', async () => {
      const result = await recordResult(enrolment.id, { courseCode: 'CS2002', credits: 4.5, grade: 'A-', term: '2019-autumn', completedOn: '2020-01-15' });
      expect(result).toMatchObject({
        enrolment: { id: enrolment.id },
        courseCode: 'CS2002',
        courseTitle: 'Data Structures and Algorithms',
        credits: 4.5,
        grade: 'A-',
        passed: true,
        term: '2019-autumn',
        completedOn: '2020-01-15',
      });
    });

    it.each(['A+', 'B', 'D-', 'P', 'F', '0', '59', '100'])('accepts grade %s', async (grade) => {
      const result = await recordResult(enrolment.id, { grade });
      expect(result.grade).toBe(grade);
      expect(result.passed).toBe(!(grade === 'F' || grade === '0' || grade === '59'));
    });

    it.each(['A++', 'E', 'a', 'pass', '101', '07', '-1', '3.5', ''])('refuses grade %j with INVALID_ARGUMENT', async (grade) => {
      expectError(await call(RECORD_RESULT, { input: resultInput(enrolment.id, { grade }) }), 'INVALID_ARGUMENT', 'input.grade');
    });

    it.each([0, -1, 60.1, 61, 7.55, 0.05])('refuses %s credits with INVALID_ARGUMENT', async (credits) => {
      expectError(await call(RECORD_RESULT, { input: resultInput(enrolment.id, { credits }) }), 'INVALID_ARGUMENT', 'input.credits');
    });

    it('accepts the credit limits 0.1 and 60', async () => {
      expect((await recordResult(enrolment.id, { credits: 0.1 })).credits).toBe(0.1);
      expect((await recordResult(enrolment.id, { credits: 60 })).credits).toBe(60);
    });

    it('refuses dates outside the enrolment or in the future, and bad terms', async () => {
      expectError(await call(RECORD_RESULT, { input: resultInput(enrolment.id, { completedOn: '2019-08-31' }) }), 'INVALID_ARGUMENT', 'input.completedOn');
      expectError(await call(RECORD_RESULT, { input: resultInput(enrolment.id, { completedOn: '2999-01-15' }) }), 'INVALID_ARGUMENT', 'input.completedOn');
      expectError(await call(RECORD_RESULT, { input: resultInput(enrolment.id, { completedOn: '2020-01-32' }) }), 'INVALID_DATE');
      expectError(await call(RECORD_RESULT, { input: resultInput(enrolment.id, { term: '2019-fall' }) }), 'INVALID_ARGUMENT', 'input.term');
      expectError(await call(RECORD_RESULT, { input: resultInput(enrolment.id, { courseCode: '' }) }), 'INVALID_ARGUMENT', 'input.courseCode');
      expectError(await call(RECORD_RESULT, { input: resultInput(randomUUID()) }), 'NOT_FOUND');

      const withdrawn = await enrol(student, enrolment.institution.id, { programme: 'Physics', startDate: '2019-09-01' });
      expectOk(await call(END_ENROLMENT, { input: { enrolmentId: withdrawn.id, outcome: 'WITHDRAWN', endDate: '2020-02-01' } }));
      await recordResult(withdrawn.id, { completedOn: '2020-01-15' });
      expectError(await call(RECORD_RESULT, { input: resultInput(withdrawn.id, { completedOn: '2020-06-30' }) }), 'INVALID_ARGUMENT', 'input.completedOn');
    });

    it('refuses the same course twice in one term with CONFLICT', async () => {
      await recordResult(enrolment.id, { courseCode: 'MATH1101', term: '2020-spring', completedOn: '2020-06-30' });
      expectError(
        await call(RECORD_RESULT, { input: resultInput(enrolment.id, { courseCode: 'MATH1101', term: '2020-spring', completedOn: '2020-06-30' }) }),
        'CONFLICT',
      );
      // A retake in a later term is a new result.
      await recordResult(enrolment.id, { courseCode: 'MATH1101', term: '2020-autumn', completedOn: '2021-01-15' });
    });

    it('is idempotent on id', async () => {
      const id = randomUUID();
      const first = await recordResult(enrolment.id, { id, courseCode: 'IDEM1' });
      const before = await count('course_results');
      expect(await recordResult(enrolment.id, { id, courseCode: 'IDEM1' })).toEqual(first);
      expect(await count('course_results')).toBe(before);
    });

    it('totals the credits of passing results only', async () => {
      const someone = newDid();
      const institution = await registerInstitution();
      const own = await enrol(someone, institution.id);
      await recordResult(own.id, { credits: 4, grade: 'A' });
      await recordResult(own.id, { credits: 3.5, grade: '60' });
      await recordResult(own.id, { credits: 2, grade: 'F' });
      await recordResult(own.id, { credits: 5, grade: '59' });
      await recordResult(own.id, { credits: 1.5, grade: 'P' });
      const citizen = expectOk(await call(CITIZEN, { did: someone })).citizen;
      expect(citizen.totalCredits).toBe(9);
      expect(citizen.courseResults).toHaveLength(5);
      expect(citizen.enrolments[0].statusHistory).toHaveLength(1);
    });
  });

  // ---- degrees -----------------------------------------------------------------

  describe('awardDegree', () => {
    const degreeInput = (holderDid: string, institutionId: string, enrolmentId: string, overrides: Record<string, unknown> = {}) => ({
      holderDid,
      institutionId,
      enrolmentId,
      title: 'Bachelor of Engineering',
      field: 'Computer Science and Technology',
      honours: 'First Class Honours',
      awardedOn: '2023-07-01',
      ...overrides,
    });

    it('awards a degree and completes the enrolment on the award date', async () => {
      const student = newDid();
      const institution = await registerInstitution();
      const enrolment = await enrol(student, institution.id, { startDate: '2019-09-01', level: 'BACHELOR' });
      const degree = expectOk(await call(AWARD_DEGREE, { input: degreeInput(student, institution.id, enrolment.id) })).awardDegree.degree;
      expect(degree).toMatchObject({
        holder: { did: student },
        institution: { id: institution.id },
        enrolment: { id: enrolment.id, status: 'COMPLETED', endDate: '2023-07-01' },
        title: 'Bachelor of Engineering',
        field: 'Computer Science and Technology',
        level: 'BACHELOR',
        honours: 'First Class Honours',
        awardedOn: '2023-07-01',
      });
      const citizen = expectOk(await call(CITIZEN, { did: student })).citizen;
      expect(citizen.degrees.map((d: { id: string }) => d.id)).toEqual([degree.id]);
      expect(citizen.enrolments[0].statusHistory.map((s: { status: string; effectiveOn: string }) => [s.status, s.effectiveOn])).toEqual([
        ['ACTIVE', '2019-09-01'],
        ['COMPLETED', '2023-07-01'],
      ]);
      // One degree per enrolment.
      expectError(await call(AWARD_DEGREE, { input: degreeInput(student, institution.id, enrolment.id, { title: 'Bachelor of Science' }) }), 'CONFLICT');
    });

    it('is idempotent on id', async () => {
      const student = newDid();
      const institution = await registerInstitution();
      const enrolment = await enrol(student, institution.id);
      const id = randomUUID();
      const first = expectOk(await call(AWARD_DEGREE, { input: degreeInput(student, institution.id, enrolment.id, { id, honours: null }) })).awardDegree.degree;
      expect(first.honours).toBeNull();
      const before = await count('degrees');
      expect(expectOk(await call(AWARD_DEGREE, { input: degreeInput(student, institution.id, enrolment.id, { id }) })).awardDegree.degree).toEqual(first);
      expect(await count('degrees')).toBe(before);
    });

    it('requires an enrolment of that student at that institution', async () => {
      const student = newDid();
      const institution = await registerInstitution();
      const other = await registerInstitution();
      const enrolment = await enrol(student, institution.id);
      expectError(await call(AWARD_DEGREE, { input: degreeInput(newDid(), institution.id, enrolment.id) }), 'INVALID_ARGUMENT', 'input.enrolmentId');
      expectError(await call(AWARD_DEGREE, { input: degreeInput(student, other.id, enrolment.id) }), 'INVALID_ARGUMENT', 'input.enrolmentId');
      expectError(await call(AWARD_DEGREE, { input: degreeInput(student, institution.id, randomUUID()) }), 'NOT_FOUND');
      expectError(await call(AWARD_DEGREE, { input: degreeInput(student, randomUUID(), enrolment.id) }), 'NOT_FOUND');
      expectError(await call(AWARD_DEGREE, { input: degreeInput(student, institution.id, enrolment.id, { awardedOn: '2019-08-01' }) }), 'INVALID_ARGUMENT', 'input.awardedOn');
      expectError(await call(AWARD_DEGREE, { input: degreeInput(student, institution.id, enrolment.id, { awardedOn: '2999-07-01' }) }), 'INVALID_ARGUMENT', 'input.awardedOn');
      expectError(await call(AWARD_DEGREE, { input: degreeInput(student, institution.id, enrolment.id, { title: '' }) }), 'INVALID_ARGUMENT', 'input.title');
      expectError(await call(AWARD_DEGREE, { input: degreeInput('did:bad', institution.id, enrolment.id) }), 'INVALID_DID');
      // Nothing above changed the enrolment.
      const citizen = expectOk(await call(CITIZEN, { did: student })).citizen;
      expect(citizen.degrees).toEqual([]);
      expect(citizen.enrolments[0].status).toBe('ACTIVE');
    });

    it('refuses a degree on a withdrawn enrolment with CONFLICT', async () => {
      const student = newDid();
      const institution = await registerInstitution();
      const enrolment = await enrol(student, institution.id);
      expectOk(await call(END_ENROLMENT, { input: { enrolmentId: enrolment.id, outcome: 'WITHDRAWN', endDate: '2020-01-01' } }));
      expectError(await call(AWARD_DEGREE, { input: degreeInput(student, institution.id, enrolment.id) }), 'CONFLICT');
    });
  });

  // ---- credit transfers --------------------------------------------------------

  describe('recordCreditTransfer', () => {
    it('records recognised credits at another institution, once per institution', async () => {
      const setup = await transferSetup();
      const transfer = expectOk(await call(RECORD_TRANSFER, { input: transferInput(setup) })).recordCreditTransfer.creditTransfer;
      expect(transfer).toMatchObject({
        student: { did: setup.student },
        courseResult: { id: setup.result.id, credits: 4 },
        fromInstitution: { id: setup.from.id },
        toInstitution: { id: setup.to.id },
        creditsRecognised: 3.5,
        recognisedAs: 'COMP2119 Introduction to Data Structures',
        recognisedOn: '2021-09-01',
      });
      expectError(await call(RECORD_TRANSFER, { input: transferInput(setup, { creditsRecognised: 2 }) }), 'CONFLICT');

      // A third institution may recognise the same result too.
      const third = await registerInstitution({ name: 'Third University' });
      expectOk(await call(RECORD_TRANSFER, { input: transferInput(setup, { toInstitutionId: third.id, creditsRecognised: 4, recognisedAs: null }) }));

      const citizen = expectOk(await call(CITIZEN, { did: setup.student })).citizen;
      expect(citizen.creditTransfers.map((t: { toInstitution: { id: string } }) => t.toInstitution.id).sort()).toEqual([setup.to.id, third.id].sort());
      // Transfers recognise credits already counted: the total stays the course's 4.
      expect(citizen.totalCredits).toBe(4);
    });

    it('is idempotent on id', async () => {
      const setup = await transferSetup();
      const id = randomUUID();
      const first = expectOk(await call(RECORD_TRANSFER, { input: transferInput(setup, { id }) })).recordCreditTransfer.creditTransfer;
      const before = await count('credit_transfers');
      expect(expectOk(await call(RECORD_TRANSFER, { input: transferInput(setup, { id }) })).recordCreditTransfer.creditTransfer).toEqual(first);
      expect(await count('credit_transfers')).toBe(before);
    });

    it('refuses transfers that do not hold', async () => {
      const setup = await transferSetup();
      expectError(await call(RECORD_TRANSFER, { input: transferInput(setup, { creditsRecognised: 4.5 }) }), 'INVALID_ARGUMENT', 'input.creditsRecognised');
      expectError(await call(RECORD_TRANSFER, { input: transferInput(setup, { creditsRecognised: 0 }) }), 'INVALID_ARGUMENT', 'input.creditsRecognised');
      expectError(await call(RECORD_TRANSFER, { input: transferInput(setup, { toInstitutionId: setup.from.id }) }), 'INVALID_ARGUMENT', 'input.toInstitutionId');
      expectError(await call(RECORD_TRANSFER, { input: transferInput(setup, { studentDid: newDid() }) }), 'INVALID_ARGUMENT', 'input.courseResultId');
      expectError(await call(RECORD_TRANSFER, { input: transferInput(setup, { courseResultId: randomUUID() }) }), 'NOT_FOUND');
      expectError(await call(RECORD_TRANSFER, { input: transferInput(setup, { toInstitutionId: randomUUID() }) }), 'NOT_FOUND');
      expectError(await call(RECORD_TRANSFER, { input: transferInput(setup, { recognisedOn: '2020-01-14' }) }), 'INVALID_ARGUMENT', 'input.recognisedOn');
      expectError(await call(RECORD_TRANSFER, { input: transferInput(setup, { recognisedOn: '2999-01-01' }) }), 'INVALID_ARGUMENT', 'input.recognisedOn');

      const failed = await recordResult(setup.enrolment.id, { grade: 'F' });
      expectError(await call(RECORD_TRANSFER, { input: transferInput(setup, { courseResultId: failed.id }) }), 'INVALID_ARGUMENT', 'input.courseResultId');
      expect(expectOk(await call(CITIZEN, { did: setup.student })).citizen.creditTransfers).toEqual([]);
    });
  });

  // ---- learning resources ------------------------------------------------------

  describe('registerLearningResource', () => {
    it('registers content, finds it by id and digest, and refuses the same digest again naming the first publication', async () => {
      const institution = await registerInstitution();
      const input = resourceInput({ institutionId: institution.id, mediaType: 'Application/PDF' });
      const started = Date.now();
      const resource = expectOk(await call(REGISTER_RESOURCE, { input })).registerLearningResource.learningResource;
      expect(resource).toMatchObject({
        title: input.title,
        author: { did: input.authorDid },
        contentDigest: input.contentDigest,
        mediaType: 'application/pdf',
        license: 'CC-BY-4.0',
        institution: { id: institution.id },
      });
      expect(resource.firstPublishedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(Math.abs(Date.parse(resource.firstPublishedAt) - started)).toBeLessThan(60_000);

      const byDigest = expectOk(await call(`query($d: String!) { learningResourceByDigest(contentDigest: $d) { ${RESOURCE_FIELDS} } }`, { d: input.contentDigest }));
      expect(byDigest.learningResourceByDigest).toEqual(resource);
      const byId = expectOk(await call(`query($id: ID!) { learningResource(id: $id) { ${RESOURCE_FIELDS} } }`, { id: resource.id }));
      expect(byId.learningResource).toEqual(resource);

      const copy = await call(REGISTER_RESOURCE, { input: { ...input, authorDid: newDid(), title: 'My Own Notes' } });
      expectError(copy, 'CONFLICT');
      expect(copy.errors![0]!.message).toContain(resource.firstPublishedAt);
      const citizen = expectOk(await call(CITIZEN, { did: input.authorDid })).citizen;
      expect(citizen.learningResources).toEqual([resource]);
    });

    it('answers null for content nobody registered, INVALID_ARGUMENT for a malformed digest', async () => {
      expect(expectOk(await call('query($d: String!) { learningResourceByDigest(contentDigest: $d) { id } }', { d: sha256('never registered') })).learningResourceByDigest).toBeNull();
      expectError(await call('query($d: String!) { learningResourceByDigest(contentDigest: $d) { id } }', { d: 'abc' }), 'INVALID_ARGUMENT', 'contentDigest');
    });

    it('is idempotent on id, keeping the first publication time', async () => {
      const id = randomUUID();
      const input = resourceInput({ id });
      const first = expectOk(await call(REGISTER_RESOURCE, { input })).registerLearningResource.learningResource;
      const before = await count('learning_resources');
      expect(expectOk(await call(REGISTER_RESOURCE, { input })).registerLearningResource.learningResource).toEqual(first);
      expect(await count('learning_resources')).toBe(before);
    });

    it.each([
      ['an upper-case digest', { contentDigest: sha256('x').toUpperCase() }, 'input.contentDigest'],
      ['a short digest', { contentDigest: sha256('x').slice(1) }, 'input.contentDigest'],
      ['a media type without subtype', { mediaType: 'pdf' }, 'input.mediaType'],
      ['a license with spaces', { license: 'All rights reserved' }, 'input.license'],
      ['an empty title', { title: '' }, 'input.title'],
    ])('refuses %s with INVALID_ARGUMENT', async (_what, overrides, field) => {
      expectError(await call(REGISTER_RESOURCE, { input: resourceInput(overrides) }), 'INVALID_ARGUMENT', field);
    });

    it('refuses an unknown institution with NOT_FOUND', async () => {
      expectError(await call(REGISTER_RESOURCE, { input: resourceInput({ institutionId: randomUUID() }) }), 'NOT_FOUND');
    });

    it('pages through resources in order of first publication, optionally by author', async () => {
      const author = newDid();
      const mine: string[] = [];
      for (let i = 0; i < 5; i++) {
        mine.push(expectOk(await call(REGISTER_RESOURCE, { input: resourceInput({ authorDid: author, title: `Problem Set ${i}` }) })).registerLearningResource.learningResource.id);
      }
      const walk = async (variables: Record<string, unknown>) => {
        const nodes: { id: string; firstPublishedAt: string; author: { did: string } }[] = [];
        let after: string | null = null;
        for (let pages = 0; ; pages++) {
          expect(pages).toBeLessThan(100);
          const page: Record<string, any> = expectOk(await call(RESOURCES_PAGE, { ...variables, first: 2, after })).learningResources;
          nodes.push(...page.edges.map((e: { node: (typeof nodes)[number] }) => e.node));
          if (!page.pageInfo.hasNextPage) break;
          expect(page.edges).toHaveLength(2);
          after = page.pageInfo.endCursor;
        }
        return nodes;
      };
      const byAuthor = await walk({ author });
      expect(byAuthor.map((n) => n.id)).toEqual(mine);
      expect(byAuthor.every((n) => n.author.did === author)).toBe(true);

      const everything = await walk({});
      expect(everything.length).toBe(await count('learning_resources'));
      expect(new Set(everything.map((n) => n.id)).size).toBe(everything.length);
      const times = everything.map((n) => n.firstPublishedAt);
      expect(times).toEqual([...times].sort());

      expectError(await call(RESOURCES_PAGE, { first: 0 }), 'INVALID_ARGUMENT', 'first');
      expectError(await call(RESOURCES_PAGE, { first: 101 }), 'INVALID_ARGUMENT', 'first');
      expectError(await call(RESOURCES_PAGE, { after: 'bm9wZQ' }), 'INVALID_CURSOR', 'after');
      const badTime = Buffer.from(JSON.stringify(['yesterday', randomUUID()])).toString('base64url');
      expectError(await call(RESOURCES_PAGE, { after: badTime }), 'INVALID_CURSOR', 'after');
      expectError(await call(RESOURCES_PAGE, { author: 'nobody' }), 'INVALID_DID');
    });
  });

  // ---- federation ----------------------------------------------------------------

  describe('Citizen entity', () => {
    it('resolves representations as the gateway sends them, in order, empty for citizens without records', async () => {
      const setup = await transferSetup();
      expectOk(await call(RECORD_TRANSFER, { input: transferInput(setup) }));
      const stranger = newDid();
      const response = await call(
        `query($r: [_Any!]!) { _entities(representations: $r) { ... on Citizen {
          did totalCredits enrolments { id institution { id } } courseResults { id credits } degrees { id }
          creditTransfers { creditsRecognised toInstitution { id } } learningResources { id } } } }`,
        { r: [{ __typename: 'Citizen', did: stranger }, { __typename: 'Citizen', did: setup.student }] },
      );
      const [empty, known] = expectOk(response)._entities;
      expect(empty).toEqual({ did: stranger, totalCredits: 0, enrolments: [], courseResults: [], degrees: [], creditTransfers: [], learningResources: [] });
      expect(known).toMatchObject({
        did: setup.student,
        totalCredits: 4,
        enrolments: [{ id: setup.enrolment.id, institution: { id: setup.from.id } }],
        courseResults: [{ id: setup.result.id, credits: 4 }],
        degrees: [],
        creditTransfers: [{ creditsRecognised: 3.5, toInstitution: { id: setup.to.id } }],
        learningResources: [],
      });
    });

    it('answers Query.citizen for any valid DID and refuses an invalid one', async () => {
      const did = newDid();
      expect(expectOk(await call('query($d: DID!) { citizen(did: $d) { did enrolments { id } } }', { d: did })).citizen).toEqual({ did, enrolments: [] });
      expectError(await call('query($d: DID!) { citizen(did: $d) { did } }', { d: 'did:' }), 'INVALID_DID');
    });

    it('publishes a Federation 2 SDL with the Citizen key', async () => {
      const sdl: string = expectOk(await call('{ _service { sdl } }'))._service.sdl;
      expect(sdl).toMatch(/type Citizen\s+@key\(fields: "did"\)/);
      expect(sdl).toMatch(/type PageInfo\s+@shareable/);
      expect(sdl).toContain('https://specs.apollo.dev/federation/v2.5');
    });
  });

  // ---- append-only -------------------------------------------------------------

  describe('append-only records', () => {
    it('refuses UPDATE, DELETE and TRUNCATE at the database level', async () => {
      const setup = await transferSetup();
      expectOk(await call(RECORD_TRANSFER, { input: transferInput(setup) }));
      const degree = expectOk(
        await call(AWARD_DEGREE, {
          input: { holderDid: setup.student, institutionId: setup.from.id, enrolmentId: setup.enrolment.id, title: 'Bachelor of Science', field: 'Physics', awardedOn: '2023-07-01' },
        }),
      ).awardDegree.degree;
      const resource = expectOk(await call(REGISTER_RESOURCE, { input: resourceInput({ authorDid: setup.student }) })).registerLearningResource.learningResource;
      const db = server.store.db;

      await expect(db.query("UPDATE course_results SET grade = 'A+' WHERE id = $1", [setup.result.id])).rejects.toThrow(/append-only/);
      await expect(db.query('DELETE FROM course_results WHERE id = $1', [setup.result.id])).rejects.toThrow(/append-only/);
      await expect(db.query("UPDATE degrees SET honours = 'summa cum laude' WHERE id = $1", [degree.id])).rejects.toThrow(/append-only/);
      await expect(db.query('DELETE FROM degrees WHERE id = $1', [degree.id])).rejects.toThrow(/append-only/);
      await expect(db.query('UPDATE credit_transfers SET credits_recognised = 4 WHERE student_did = $1', [setup.student])).rejects.toThrow(/append-only/);
      await expect(db.query("UPDATE learning_resources SET author_did = 'did:ethr:thief' WHERE id = $1", [resource.id])).rejects.toThrow(/append-only/);
      await expect(db.query("UPDATE learning_resources SET first_published_at = '2000-01-01' WHERE id = $1", [resource.id])).rejects.toThrow(/append-only/);
      await expect(db.query('TRUNCATE learning_resources')).rejects.toThrow(/append-only/);
      await expect(db.query('DELETE FROM enrolment_status_changes WHERE enrolment_id = $1', [setup.enrolment.id])).rejects.toThrow(/append-only/);
      // Enrolments: never deleted, never re-opened, nothing but the status and end date may change.
      await expect(db.query('DELETE FROM enrolments WHERE id = $1', [setup.enrolment.id])).rejects.toThrow(/never deleted/);
      await expect(db.query("UPDATE enrolments SET status = 'ACTIVE', end_date = NULL WHERE id = $1", [setup.enrolment.id])).rejects.toThrow(/already ended/);
      await expect(db.query("UPDATE enrolments SET programme = 'Medicine' WHERE id = $1", [setup.enrolment.id])).rejects.toThrow(/only change its status/);

      const citizen = expectOk(await call(CITIZEN, { did: setup.student })).citizen;
      expect(citizen.courseResults[0]).toMatchObject({ id: setup.result.id, grade: '88' });
      expect(citizen.degrees[0]).toMatchObject({ id: degree.id, honours: null });
      expect(citizen.creditTransfers[0].creditsRecognised).toBe(3.5);
      expect(citizen.learningResources).toEqual([resource]);
      expect(citizen.enrolments[0]).toMatchObject({ programme: 'Computer Science and Technology', status: 'COMPLETED' });
    });

    it('stamps the time of first publication itself, whatever the insert says', async () => {
      const digest = sha256(randomUUID());
      // Rolled back: a row written behind the store's back is unlogged, and the audit at the end would (rightly) report it.
      const rollback = new Error('rollback');
      let stamped: string | undefined;
      await expect(
        server.store.db.transaction(async (tx) => {
          const [row] = await tx.query<{ first_published_at: string }>(
            `INSERT INTO learning_resources (title, author_did, content_digest, media_type, license, first_published_at)
             VALUES ('Backdated', 'did:ethr:0x539:0xabc', $1, 'text/plain', 'MIT', '2001-01-01') RETURNING first_published_at`,
            [digest],
          );
          stamped = row!.first_published_at;
          throw rollback;
        }),
      ).rejects.toBe(rollback);
      expect(Date.parse(stamped!)).toBeGreaterThan(Date.parse('2020-01-01'));
    });
  });

  // ---- record log ----------------------------------------------------------------

  describe('record log', () => {
    const PROOF = 'proof { status salt digest }';

    /** The log entries of one record, oldest first. */
    const entries = (table: string, id: string) =>
      server.store.db.query<{ salt: Uint8Array; digest: Uint8Array }>('SELECT salt, digest FROM record_log WHERE record_table = $1 AND record_id = $2 ORDER BY seq', [
        table,
        id,
      ]);
    const row = async (table: string, id: string | number) => (await server.store.db.query<Record<string, unknown>>(`SELECT * FROM ${table} WHERE id = $1`, [id]))[0]!;
    const hashesTo = (table: string, record: Record<string, unknown>, entry: { salt: Uint8Array; digest: Uint8Array }) =>
      recordDigest(table, record, entry.salt).equals(Buffer.from(entry.digest));

    it('logs a new institution once; a replay or a refused registration logs nothing', async () => {
      const id = randomUUID();
      const code = newCode();
      expect(await logged(() => registerInstitution({ id, code }))).toEqual({ institutions: 1 });
      expect(await logged(() => registerInstitution({ id, code }))).toEqual({});
      const copy = { name: 'Copycat College', code, kind: 'COLLEGE', city: 'Wuhan', country: 'CN' };
      expect(await logged(async () => expectError(await call(REGISTER_INSTITUTION, { input: copy }), 'CONFLICT'))).toEqual({});
      expect(await logged(async () => expectError(await call(REGISTER_INSTITUTION, { input: { ...copy, code: 'x' } }), 'INVALID_ARGUMENT', 'input.code'))).toEqual({});
      const [entry] = await entries('institutions', id);
      expect(hashesTo('institutions', await row('institutions', id), entry!)).toBe(true);
    });

    it('logs an enrolment with its ACTIVE history row, and its ended version with the new history row', async () => {
      const student = newDid();
      const institution = await registerInstitution();
      const id = randomUUID();
      expect(await logged(() => enrol(student, institution.id, { id, startDate: '2018-09-01' }))).toEqual({ enrolments: 1, enrolment_status_changes: 1 });
      expect(await logged(() => enrol(student, institution.id, { id, startDate: '2018-09-01' }))).toEqual({});
      const base = { studentDid: student, institutionId: institution.id, programme: 'Computer Science and Technology', level: 'BACHELOR', startDate: '2019-09-01' };
      expect(await logged(async () => expectError(await call(ENROL, { input: base }), 'CONFLICT'))).toEqual({});
      expect(await logged(async () => expectError(await call(ENROL, { input: { ...base, institutionId: randomUUID() } }), 'NOT_FOUND'))).toEqual({});
      const active = await row('enrolments', id);

      const end = { enrolmentId: id, outcome: 'WITHDRAWN', endDate: '2019-03-15' };
      expect(await logged(async () => expectError(await call(END_ENROLMENT, { input: { ...end, endDate: '2018-08-31' } }), 'INVALID_ARGUMENT', 'input.endDate'))).toEqual({});
      expect(await logged(async () => expectOk(await call(END_ENROLMENT, { input: end })))).toEqual({ enrolments: 1, enrolment_status_changes: 1 });
      expect(await logged(async () => expectOk(await call(END_ENROLMENT, { input: end })))).toEqual({});
      expect(await logged(async () => expectError(await call(END_ENROLMENT, { input: { ...end, outcome: 'COMPLETED' } }), 'CONFLICT'))).toEqual({});

      // Two versions of the enrolment: the first entry holds the ACTIVE row, the latest the WITHDRAWN one.
      const versions = await entries('enrolments', id);
      expect(versions).toHaveLength(2);
      expect(hashesTo('enrolments', active, versions[0]!)).toBe(true);
      expect(hashesTo('enrolments', await row('enrolments', id), versions[1]!)).toBe(true);
      const history = await server.store.db.query<Record<string, unknown> & { id: number }>('SELECT * FROM enrolment_status_changes WHERE enrolment_id = $1 ORDER BY id', [id]);
      expect(history.map((h) => h.status)).toEqual(['ACTIVE', 'WITHDRAWN']);
      for (const change of history) {
        const logs = await entries('enrolment_status_changes', String(change.id));
        expect(logs).toHaveLength(1);
        expect(hashesTo('enrolment_status_changes', change, logs[0]!)).toBe(true);
      }
    });

    it('logs a course result once; a replay or a refused result logs nothing', async () => {
      const enrolment = await enrol(newDid(), (await registerInstitution()).id);
      const id = randomUUID();
      const input = resultInput(enrolment.id, { id, courseCode: 'LOG101' });
      expect(await logged(() => recordResult(enrolment.id, { id, courseCode: 'LOG101' }))).toEqual({ course_results: 1 });
      expect(await logged(async () => expectOk(await call(RECORD_RESULT, { input })))).toEqual({});
      expect(await logged(async () => expectError(await call(RECORD_RESULT, { input: { ...input, id: randomUUID() } }), 'CONFLICT'))).toEqual({});
      expect(await logged(async () => expectError(await call(RECORD_RESULT, { input: { ...input, id: randomUUID(), grade: 'E' } }), 'INVALID_ARGUMENT', 'input.grade'))).toEqual({});
    });

    it('logs a degree with the enrolment it completes and that COMPLETED history row; nothing for a replay or a refusal', async () => {
      const student = newDid();
      const institution = await registerInstitution();
      const enrolment = await enrol(student, institution.id);
      const id = randomUUID();
      const input = { id, holderDid: student, institutionId: institution.id, enrolmentId: enrolment.id, title: 'Bachelor of Engineering', field: 'Computing', awardedOn: '2023-07-01' };
      expect(await logged(async () => expectOk(await call(AWARD_DEGREE, { input })))).toEqual({ degrees: 1, enrolments: 1, enrolment_status_changes: 1 });
      expect(await logged(async () => expectOk(await call(AWARD_DEGREE, { input })))).toEqual({});
      expect(await logged(async () => expectError(await call(AWARD_DEGREE, { input: { ...input, id: randomUUID() } }), 'CONFLICT'))).toEqual({});
      const [latest] = (await entries('enrolments', enrolment.id)).slice(-1);
      expect(hashesTo('enrolments', await row('enrolments', enrolment.id), latest!)).toBe(true);

      // An enrolment already COMPLETED does not change: only the degree is new.
      const completed = await enrol(student, institution.id, { programme: 'Mathematics' });
      expectOk(await call(END_ENROLMENT, { input: { enrolmentId: completed.id, outcome: 'COMPLETED', endDate: '2023-06-30' } }));
      expect(await logged(async () => expectOk(await call(AWARD_DEGREE, { input: { ...input, id: randomUUID(), enrolmentId: completed.id } })))).toEqual({ degrees: 1 });
      // A withdrawn one refuses the degree and logs nothing.
      const withdrawn = await enrol(student, institution.id, { programme: 'Physics' });
      expectOk(await call(END_ENROLMENT, { input: { enrolmentId: withdrawn.id, outcome: 'WITHDRAWN', endDate: '2020-01-01' } }));
      expect(await logged(async () => expectError(await call(AWARD_DEGREE, { input: { ...input, id: randomUUID(), enrolmentId: withdrawn.id } }), 'CONFLICT'))).toEqual({});
    });

    it('logs a credit transfer once; a replay or a refused transfer logs nothing', async () => {
      const setup = await transferSetup();
      const id = randomUUID();
      expect(await logged(async () => expectOk(await call(RECORD_TRANSFER, { input: transferInput(setup, { id }) })))).toEqual({ credit_transfers: 1 });
      expect(await logged(async () => expectOk(await call(RECORD_TRANSFER, { input: transferInput(setup, { id }) })))).toEqual({});
      expect(await logged(async () => expectError(await call(RECORD_TRANSFER, { input: transferInput(setup) }), 'CONFLICT'))).toEqual({});
      expect(await logged(async () => expectError(await call(RECORD_TRANSFER, { input: transferInput(setup, { creditsRecognised: 4.5 }) }), 'INVALID_ARGUMENT', 'input.creditsRecognised'))).toEqual({});
    });

    it('logs a learning resource once; a replay or a second registration of its content logs nothing', async () => {
      const id = randomUUID();
      const input = resourceInput({ id });
      expect(await logged(async () => expectOk(await call(REGISTER_RESOURCE, { input })))).toEqual({ learning_resources: 1 });
      expect(await logged(async () => expectOk(await call(REGISTER_RESOURCE, { input })))).toEqual({});
      expect(await logged(async () => expectError(await call(REGISTER_RESOURCE, { input: { ...input, id: randomUUID() } }), 'CONFLICT'))).toEqual({});
      const [entry] = await entries('learning_resources', id);
      // The database stamps first_published_at: the logged row is the stamped one.
      expect(hashesTo('learning_resources', await row('learning_resources', id), entry!)).toBe(true);
    });

    it('gives every fresh record a PENDING_INTEGRATION proof whose digest the stored row and salt recompute', async () => {
      // The server's log worker integrates committed entries every 250 ms: stopped here so fresh records stay
      // pending while they are looked at (nothing later in this suite needs it; close() stops it again harmlessly).
      await server.log.stop();
      const setup = await transferSetup();
      expectOk(await call(RECORD_TRANSFER, { input: transferInput(setup) }));
      const degreeInput = { holderDid: setup.student, institutionId: setup.from.id, enrolmentId: setup.enrolment.id, title: 'Bachelor of Science', field: 'Physics', awardedOn: '2023-07-01' };
      expectOk(await call(AWARD_DEGREE, { input: degreeInput }));
      expectOk(await call(REGISTER_RESOURCE, { input: resourceInput({ authorDid: setup.student, institutionId: setup.to.id }) }));
      const citizen = expectOk(
        await call(
          `query($did: DID!) { citizen(did: $did) {
            enrolments { id ${PROOF} institution { id ${PROOF} } statusHistory { status ${PROOF} } }
            courseResults { id ${PROOF} } degrees { id ${PROOF} } creditTransfers { id ${PROOF} } learningResources { id ${PROOF} } } }`,
          { did: setup.student },
        ),
      ).citizen;

      type Proof = { status: string; salt: string; digest: string };
      const proven: [table: string, record: Record<string, unknown>, proof: Proof][] = [];
      const add = async (table: string, id: string, proof: Proof) => proven.push([table, await row(table, id), proof]);
      const [enrolment] = citizen.enrolments;
      await add('enrolments', enrolment.id, enrolment.proof);
      await add('institutions', enrolment.institution.id, enrolment.institution.proof);
      const history = await server.store.db.query<Record<string, unknown>>('SELECT * FROM enrolment_status_changes WHERE enrolment_id = $1 ORDER BY id', [enrolment.id]);
      expect(enrolment.statusHistory.map((s: { status: string }) => s.status)).toEqual(['ACTIVE', 'COMPLETED']);
      enrolment.statusHistory.forEach((change: { proof: Proof }, i: number) => proven.push(['enrolment_status_changes', history[i]!, change.proof]));
      for (const [field, table] of [
        ['courseResults', 'course_results'],
        ['degrees', 'degrees'],
        ['creditTransfers', 'credit_transfers'],
        ['learningResources', 'learning_resources'],
      ] as const) {
        expect(citizen[field]).toHaveLength(1);
        await add(table, citizen[field][0].id, citizen[field][0].proof);
      }

      expect(proven).toHaveLength(8);
      for (const [table, record, proof] of proven) {
        expect(proof.status).toBe('PENDING_INTEGRATION');
        expect(proof.digest).toMatch(/^[0-9a-f]{64}$/);
        expect(Buffer.from(proof.salt, 'base64url')).toHaveLength(32);
        // The enrolment's proof is of its latest version: the COMPLETED row the degree made.
        expect(recordDigest(table, record, Buffer.from(proof.salt, 'base64url')).toString('hex')).toBe(proof.digest);
      }
      expect(proven[0]![1]).toMatchObject({ status: 'COMPLETED' });

      // Once integrated, the same entries are leaves of the log (not anchored: this server has no ledger).
      await server.log.flush();
      const integrated = expectOk(await call(`query($id: ID!) { institution(id: $id) { proof { status digest leafIndex } } }`, { id: enrolment.institution.id })).institution;
      expect(integrated.proof).toMatchObject({ status: 'PENDING_ANCHOR', digest: enrolment.institution.proof.digest });
      expect(integrated.proof.leafIndex).toBeGreaterThanOrEqual(0);
    });
  });

  // ---- demo seed ---------------------------------------------------------------

  describe('demo seed', () => {
    const TABLES = ['institutions', 'enrolments', 'enrolment_status_changes', 'course_results', 'degrees', 'credit_transfers', 'learning_resources'];
    const counts = async (): Promise<Record<string, number>> => Object.fromEntries(await Promise.all(TABLES.map(async (t) => [t, await count(t)] as const)));

    it('seeds realistic records and adds nothing on a second run', async () => {
      const citizens = demoCitizens(5);
      const before = await counts();
      const progress: number[] = [];
      const first = await seedEducation(server.store, citizens, (done) => progress.push(done));
      const afterFirst = await counts();
      expect(progress.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
      const grew = (table: string) => afterFirst[table]! - before[table]!;
      expect(grew('institutions')).toBe(DEMO_INSTITUTIONS.length);
      expect(grew('enrolments')).toBeGreaterThanOrEqual(5);
      expect(grew('course_results')).toBeGreaterThanOrEqual(5);
      const added = Object.values(afterFirst).reduce((a, b) => a + b, 0) - Object.values(before).reduce((a, b) => a + b, 0);
      // records counts everything the seed made sure exists, except the status history the database writes itself.
      expect(first.records).toBe(added - grew('enrolment_status_changes'));

      const second = await seedEducation(server.store, citizens);
      expect(second.records).toBe(first.records);
      expect(await counts()).toEqual(afterFirst);

      const tsinghua = expectOk(await call('query($id: ID!) { institution(id: $id) { name code city country kind } }', { id: demoId('education', 'institution', '10003') }));
      expect(tsinghua.institution).toEqual({ name: 'Tsinghua University', code: '10003', city: 'Beijing', country: 'CN', kind: 'UNIVERSITY' });

      const response = await call(
        `query($r: [_Any!]!) { _entities(representations: $r) { ... on Citizen { did enrolments { id status } courseResults { credits grade } degrees { title } totalCredits } } }`,
        { r: citizens.map((c) => ({ __typename: 'Citizen', did: c.did })) },
      );
      const entities = expectOk(response)._entities as { enrolments: unknown[]; courseResults: { credits: number; grade: string }[]; degrees: unknown[]; totalCredits: number }[];
      for (const citizen of entities) {
        expect(citizen.enrolments.length).toBeGreaterThanOrEqual(1);
        expect(citizen.enrolments.length).toBeLessThanOrEqual(2);
        expect(citizen.courseResults.length).toBeGreaterThanOrEqual(1);
        expect(citizen.courseResults.length).toBeLessThanOrEqual(8);
        expect(citizen.degrees.length).toBeLessThanOrEqual(citizen.enrolments.length);
        expect(citizen.totalCredits).toBeGreaterThan(0);
      }
    });
  });

  // ---- audit -------------------------------------------------------------------

  describe('record audit', () => {
    const byKey = (findings: RecordFinding[]) => [...findings].sort((a, b) => `${a.table}/${a.id}`.localeCompare(`${b.table}/${b.id}`));

    it('finds every row hashing to its latest log entry after the demo seed and every write above', async () => {
      const { checked, findings } = await checkRecords(server.store.db, education.recordedTables);
      expect(findings).toEqual([]);
      const rows = await Promise.all(education.recordedTables.map((table) => count(table)));
      expect(checked).toBe(rows.reduce((a, b) => a + b, 0));
      expect(checked).toBeGreaterThan(100);
    });

    describe('rows changed behind the store', () => {
      // A database of its own: the tampering below must not touch the suite's records.
      let tamperStorage: TestStorage;
      let opened: OpenedStore<EducationStore>;

      beforeAll(async () => {
        tamperStorage = testStorage(kind);
        opened = await openDepartmentStore(education, tamperStorage.config);
      });

      afterAll(async () => {
        await opened?.db.close();
        await tamperStorage?.cleanup();
      });

      /** Runs `sql` on `table` with its append-only triggers set aside, in one transaction (table owner suffices, on PGlite and PostgreSQL). */
      const behindTheTriggers = (table: string, sql: string, params: unknown[]) =>
        opened.db.transaction(async (tx) => {
          await tx.query(`ALTER TABLE ${table} DISABLE TRIGGER USER`);
          await tx.query(sql, params);
          await tx.query(`ALTER TABLE ${table} ENABLE TRIGGER USER`);
        });

      it('reports rows ALTERED, INSERTED and DELETED', async () => {
        const { store, db } = opened;
        const institution = (code: string) => store.registerInstitution({ name: `Audit ${code}`, code, kind: 'UNIVERSITY', city: "Xi'an", country: 'CN' });
        const home = await institution('AUDIT-HOME');
        const renamed = await institution('AUDIT-RENAMED');
        const removed = await institution('AUDIT-REMOVED');
        const student = newDid();
        const enrolment = await store.enrolStudent({ studentDid: student, institutionId: home.id, programme: 'Physics', level: 'BACHELOR', startDate: '2019-09-01' });
        const other = await store.enrolStudent({ studentDid: student, institutionId: home.id, programme: 'Chemistry', level: 'BACHELOR', startDate: '2019-09-01' });
        const result = await store.recordCourseResult({
          enrolmentId: enrolment.id,
          courseCode: 'PHYS101',
          courseTitle: 'Mechanics',
          credits: 4,
          grade: 'B',
          term: '2019-autumn',
          completedOn: '2020-01-15',
        });
        await store.awardDegree({ holderDid: student, institutionId: home.id, enrolmentId: enrolment.id, title: 'Bachelor of Science', field: 'Physics', awardedOn: '2023-07-01' });
        const resource = await store.registerLearningResource({ title: 'Notes', authorDid: student, contentDigest: sha256(randomUUID()), mediaType: 'text/plain', license: 'MIT' });
        expect(await checkRecords(db, education.recordedTables)).toEqual({ checked: 11, findings: [] });

        // ALTERED: an append-only result regraded with its trigger set aside, and an institution renamed by plain SQL.
        await behindTheTriggers('course_results', "UPDATE course_results SET grade = 'A+' WHERE id = $1", [result.id]);
        await db.query("UPDATE institutions SET name = 'Renamed University' WHERE id = $1", [renamed.id]);
        // ALTERED and INSERTED: an enrolment withdrawn by plain SQL (its guard allows it) gets an unlogged history row from the trigger.
        await db.query("UPDATE enrolments SET status = 'WITHDRAWN', end_date = '2020-06-30' WHERE id = $1", [other.id]);
        const [withdrawal] = await db.query<{ id: number }>("SELECT id FROM enrolment_status_changes WHERE enrolment_id = $1 AND status = 'WITHDRAWN'", [other.id]);
        // INSERTED: a record written by plain SQL.
        const [planted] = await db.query<{ id: string }>(
          "INSERT INTO institutions (name, code, kind, city, country) VALUES ('Diploma Mill', 'MILL-1', 'COLLEGE', 'Nowhere', 'CN') RETURNING id",
        );
        // DELETED: an append-only resource removed with its trigger set aside, and an unreferenced institution.
        await behindTheTriggers('learning_resources', 'DELETE FROM learning_resources WHERE id = $1', [resource.id]);
        await db.query('DELETE FROM institutions WHERE id = $1', [removed.id]);

        const { findings } = await checkRecords(db, education.recordedTables);
        expect(byKey(findings)).toEqual(
          byKey([
            { table: 'course_results', id: result.id, problem: 'ALTERED' },
            { table: 'institutions', id: renamed.id, problem: 'ALTERED' },
            { table: 'enrolments', id: other.id, problem: 'ALTERED' },
            { table: 'enrolment_status_changes', id: String(withdrawal!.id), problem: 'INSERTED' },
            { table: 'institutions', id: planted!.id, problem: 'INSERTED' },
            { table: 'learning_resources', id: resource.id, problem: 'DELETED' },
            { table: 'institutions', id: removed.id, problem: 'DELETED' },
          ]),
        );
      });
    });
  });
});
