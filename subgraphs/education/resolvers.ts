import type { Resolvers, SubgraphContext } from '../kit/department.ts';
import { loader } from '../kit/loaders.ts';
import type { Connection, PageArgs } from '../kit/pagination.ts';
import { recordProofResolver } from '../kit/record-proof.ts';
import type {
  AwardDegreeInput,
  CourseResultRow,
  CreditTransferRow,
  DegreeRow,
  EducationStore,
  EndEnrolmentInput,
  EnrolmentRow,
  EnrolmentStatusChangeRow,
  EnrolStudentInput,
  InstitutionRow,
  LearningResourceRow,
  RecordCourseResultInput,
  RecordCreditTransferInput,
  RegisterInstitutionInput,
  RegisterLearningResourceInput,
} from './store.ts';

/**
 * GraphQL over the education store. Rows become GraphQL objects here
 * (snake_case to camelCase, numeric text to numbers); the ids of related
 * records ride along on each object and are resolved through per-request
 * loaders, so a list of N parents costs one query per field, not N.
 */

interface CitizenRef {
  did: string;
}

function toInstitution(row: InstitutionRow) {
  return { id: row.id, name: row.name, code: row.code, kind: row.kind, city: row.city, country: row.country, recordedAt: row.recorded_at };
}

function toEnrolment(row: EnrolmentRow) {
  return {
    id: row.id,
    studentDid: row.student_did,
    institutionId: row.institution_id,
    programme: row.programme,
    level: row.level,
    startDate: row.start_date,
    endDate: row.end_date,
    status: row.status,
    recordedAt: row.recorded_at,
  };
}
type Enrolment = ReturnType<typeof toEnrolment>;

function toStatusChange(row: EnrolmentStatusChangeRow, studentDid: string) {
  // The id is not in the schema; it names the record for its proof. The student's DID neither:
  // it says whose record this is, for consent (the row has no owner column of its own).
  return { id: row.id, status: row.status, effectiveOn: row.effective_on, recordedAt: row.recorded_at, studentDid };
}

function toCourseResult(row: CourseResultRow) {
  return {
    id: row.id,
    enrolmentId: row.enrolment_id,
    // Not in the schema: whose result this is, for consent.
    studentDid: row.student_did,
    courseCode: row.course_code,
    courseTitle: row.course_title,
    credits: Number(row.credits),
    grade: row.grade,
    passed: row.passed,
    term: row.term,
    completedOn: row.completed_on,
    recordedAt: row.recorded_at,
  };
}
type CourseResult = ReturnType<typeof toCourseResult>;

function toDegree(row: DegreeRow) {
  return {
    id: row.id,
    holderDid: row.holder_did,
    institutionId: row.institution_id,
    enrolmentId: row.enrolment_id,
    title: row.title,
    field: row.field,
    level: row.level,
    honours: row.honours,
    awardedOn: row.awarded_on,
    recordedAt: row.recorded_at,
  };
}
type Degree = ReturnType<typeof toDegree>;

function toCreditTransfer(row: CreditTransferRow) {
  return {
    id: row.id,
    studentDid: row.student_did,
    courseResultId: row.course_result_id,
    fromInstitutionId: row.from_institution_id,
    toInstitutionId: row.to_institution_id,
    creditsRecognised: Number(row.credits_recognised),
    recognisedAs: row.recognised_as,
    recognisedOn: row.recognised_on,
    recordedAt: row.recorded_at,
  };
}
type CreditTransfer = ReturnType<typeof toCreditTransfer>;

function toLearningResource(row: LearningResourceRow) {
  return {
    id: row.id,
    title: row.title,
    authorDid: row.author_did,
    contentDigest: row.content_digest,
    mediaType: row.media_type,
    license: row.license,
    institutionId: row.institution_id,
    firstPublishedAt: row.first_published_at,
  };
}
type LearningResource = ReturnType<typeof toLearningResource>;

function mapConnection<Row, Node>(connection: Connection<Row>, toNode: (row: Row) => Node): Connection<Node> {
  return { ...connection, edges: connection.edges.map((edge) => ({ cursor: edge.cursor, node: toNode(edge.node) })) };
}

export function createEducationResolvers(store: EducationStore): Resolvers {
  // One loader per (request, relation): the context object is new for every request.
  const loaders = (context: SubgraphContext) => ({
    institution: loader(context, 'education.institutionById', store.institutionsByIds),
    enrolment: loader(context, 'education.enrolmentById', store.enrolmentsByIds),
    courseResult: loader(context, 'education.courseResultById', store.courseResultsByIds),
    enrolmentsOfStudent: loader(context, 'education.enrolmentsByStudent', store.enrolmentsByStudents),
    statusHistory: loader(context, 'education.statusHistoryByEnrolment', store.statusHistoryByEnrolments),
    resultsOfEnrolment: loader(context, 'education.courseResultsByEnrolment', store.courseResultsByEnrolments),
    resultsOfStudent: loader(context, 'education.courseResultsByStudent', store.courseResultsByStudents),
    totalCredits: loader(context, 'education.totalCreditsByStudent', store.totalCreditsByStudents),
    degreesOfHolder: loader(context, 'education.degreesByHolder', store.degreesByHolders),
    transfersOfStudent: loader(context, 'education.creditTransfersByStudent', store.creditTransfersByStudents),
    resourcesOfAuthor: loader(context, 'education.learningResourcesByAuthor', store.learningResourcesByAuthors),
  });

  const institutionById = async (id: string | null, context: SubgraphContext) => {
    if (id === null) return null;
    const row = await loaders(context).institution.load(id);
    return row && toInstitution(row);
  };

  return {
    Query: {
      citizen: (_: unknown, args: { did: string }): CitizenRef => ({ did: args.did }),
      institutions: async (_: unknown, args: PageArgs) => mapConnection(await store.institutionsPage(args), toInstitution),
      institution: async (_: unknown, args: { id: string }) => {
        const row = await store.institution(args.id);
        return row && toInstitution(row);
      },
      learningResources: async (_: unknown, args: PageArgs & { authorDid?: string | null }) =>
        mapConnection(await store.learningResourcesPage(args), toLearningResource),
      learningResource: async (_: unknown, args: { id: string }) => {
        const row = await store.learningResource(args.id);
        return row && toLearningResource(row);
      },
      learningResourceByDigest: async (_: unknown, args: { contentDigest: string }) => {
        const row = await store.learningResourceByDigest(args.contentDigest);
        return row && toLearningResource(row);
      },
    },

    Mutation: {
      registerInstitution: async (_: unknown, { input }: { input: RegisterInstitutionInput }) => ({
        institution: toInstitution(await store.registerInstitution(input)),
      }),
      enrolStudent: async (_: unknown, { input }: { input: EnrolStudentInput }) => ({
        enrolment: toEnrolment(await store.enrolStudent(input)),
      }),
      endEnrolment: async (_: unknown, { input }: { input: EndEnrolmentInput }) => ({
        enrolment: toEnrolment(await store.endEnrolment(input)),
      }),
      recordCourseResult: async (_: unknown, { input }: { input: RecordCourseResultInput }) => ({
        courseResult: toCourseResult(await store.recordCourseResult(input)),
      }),
      awardDegree: async (_: unknown, { input }: { input: AwardDegreeInput }) => ({
        degree: toDegree(await store.awardDegree(input)),
      }),
      recordCreditTransfer: async (_: unknown, { input }: { input: RecordCreditTransferInput }) => ({
        creditTransfer: toCreditTransfer(await store.recordCreditTransfer(input)),
      }),
      registerLearningResource: async (_: unknown, { input }: { input: RegisterLearningResourceInput }) => ({
        learningResource: toLearningResource(await store.registerLearningResource(input)),
      }),
    },

    Citizen: {
      // The gateway sends { __typename, did }; any DID is a citizen here, with or without records.
      __resolveReference: (reference: CitizenRef): CitizenRef => ({ did: reference.did }),
      enrolments: async (citizen: CitizenRef, _: unknown, context: SubgraphContext) =>
        (await loaders(context).enrolmentsOfStudent.load(citizen.did)).map(toEnrolment),
      courseResults: async (citizen: CitizenRef, _: unknown, context: SubgraphContext) =>
        (await loaders(context).resultsOfStudent.load(citizen.did)).map(toCourseResult),
      degrees: async (citizen: CitizenRef, _: unknown, context: SubgraphContext) =>
        (await loaders(context).degreesOfHolder.load(citizen.did)).map(toDegree),
      creditTransfers: async (citizen: CitizenRef, _: unknown, context: SubgraphContext) =>
        (await loaders(context).transfersOfStudent.load(citizen.did)).map(toCreditTransfer),
      totalCredits: (citizen: CitizenRef, _: unknown, context: SubgraphContext) => loaders(context).totalCredits.load(citizen.did),
      learningResources: async (citizen: CitizenRef, _: unknown, context: SubgraphContext) =>
        (await loaders(context).resourcesOfAuthor.load(citizen.did)).map(toLearningResource),
    },

    Institution: {
      proof: recordProofResolver(store.db, 'institutions'),
    },

    Enrolment: {
      proof: recordProofResolver(store.db, 'enrolments'),
      student: (enrolment: Enrolment): CitizenRef => ({ did: enrolment.studentDid }),
      institution: (enrolment: Enrolment, _: unknown, context: SubgraphContext) => institutionById(enrolment.institutionId, context),
      statusHistory: async (enrolment: Enrolment, _: unknown, context: SubgraphContext) =>
        (await loaders(context).statusHistory.load(enrolment.id)).map((row) => toStatusChange(row, enrolment.studentDid)),
      courseResults: async (enrolment: Enrolment, _: unknown, context: SubgraphContext) =>
        (await loaders(context).resultsOfEnrolment.load(enrolment.id)).map(toCourseResult),
    },

    EnrolmentStatusChange: {
      proof: recordProofResolver(store.db, 'enrolment_status_changes'),
    },

    CourseResult: {
      proof: recordProofResolver(store.db, 'course_results'),
      enrolment: async (result: CourseResult, _: unknown, context: SubgraphContext) => {
        const row = await loaders(context).enrolment.load(result.enrolmentId);
        return row && toEnrolment(row);
      },
    },

    Degree: {
      proof: recordProofResolver(store.db, 'degrees'),
      holder: (degree: Degree): CitizenRef => ({ did: degree.holderDid }),
      institution: (degree: Degree, _: unknown, context: SubgraphContext) => institutionById(degree.institutionId, context),
      enrolment: async (degree: Degree, _: unknown, context: SubgraphContext) => {
        const row = await loaders(context).enrolment.load(degree.enrolmentId);
        return row && toEnrolment(row);
      },
    },

    CreditTransfer: {
      proof: recordProofResolver(store.db, 'credit_transfers'),
      student: (transfer: CreditTransfer): CitizenRef => ({ did: transfer.studentDid }),
      courseResult: async (transfer: CreditTransfer, _: unknown, context: SubgraphContext) => {
        const row = await loaders(context).courseResult.load(transfer.courseResultId);
        return row && toCourseResult(row);
      },
      fromInstitution: (transfer: CreditTransfer, _: unknown, context: SubgraphContext) => institutionById(transfer.fromInstitutionId, context),
      toInstitution: (transfer: CreditTransfer, _: unknown, context: SubgraphContext) => institutionById(transfer.toInstitutionId, context),
    },

    LearningResource: {
      proof: recordProofResolver(store.db, 'learning_resources'),
      author: (resource: LearningResource): CitizenRef => ({ did: resource.authorDid }),
      institution: (resource: LearningResource, _: unknown, context: SubgraphContext) => institutionById(resource.institutionId, context),
    },
  };
}
