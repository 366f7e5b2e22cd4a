import { CONSENT_RECORDED_TABLES } from '../kit/consent/migrations.ts';
import { CREDENTIAL_RECORDED_TABLES } from '../kit/credentials/migrations.ts';
import { besides, type Department } from '../kit/department.ts';
import { educationCredentials } from './credentials.ts';
import { createEducationResolvers } from './resolvers.ts';
import { createEducationStore, RECORDED_TABLES, type EducationStore } from './store.ts';

/** The education department: institutions, enrolments, results, degrees, credit transfers, learning resources. */
export const education: Department<EducationStore> = {
  name: 'education',
  schemaPath: besides(import.meta.url, './schema.graphql'),
  migrationsDir: besides(import.meta.url, './migrations'),
  // Every record table, the status history too: the store logs each row it writes (store.ts, logWritten).
  recordedTables: [...RECORDED_TABLES, ...CREDENTIAL_RECORDED_TABLES, ...CONSENT_RECORDED_TABLES],
  createStore: createEducationStore,
  createResolvers: createEducationResolvers,
  // The credentials it is accredited for (anchor/ledger/accreditations.ts), with the claims its records give.
  credentials: educationCredentials,
  // Whose record each object is, for consent (resolvers.ts puts the owner's DID on every object).
  citizenOf: {
    Enrolment: (e: { studentDid: string }) => e.studentDid,
    EnrolmentStatusChange: (c: { studentDid: string }) => c.studentDid,
    CourseResult: (r: { studentDid: string }) => r.studentDid,
    Degree: (d: { holderDid: string }) => d.holderDid,
    CreditTransfer: (t: { studentDid: string }) => t.studentDid,
    LearningResource: (r: { authorDid: string }) => r.authorDid,
  },
};
