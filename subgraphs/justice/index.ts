import { CONSENT_RECORDED_TABLES } from '../kit/consent/migrations.ts';
import { CREDENTIAL_RECORDED_TABLES } from '../kit/credentials/migrations.ts';
import { besides, type Department } from '../kit/department.ts';
import { justiceCredentials } from './credentials.ts';
import { createJusticeResolvers } from './resolvers.ts';
import { RECORDED_TABLES, createJusticeStore, type JusticeStore } from './store.ts';

/** The justice department: courts, cases, public case status, judgments, evidence and access to it. */
export const justice: Department<JusticeStore> = {
  name: 'justice',
  schemaPath: besides(import.meta.url, './schema.graphql'),
  migrationsDir: besides(import.meta.url, './migrations'),
  // Courts, cases (a new version each time the status cache changes), parties, status history,
  // judgments, evidence, access requests and the judges' decisions on them.
  recordedTables: [...RECORDED_TABLES, ...CREDENTIAL_RECORDED_TABLES, ...CONSENT_RECORDED_TABLES],
  createStore: createJusticeStore,
  createResolvers: createJusticeResolvers,
  // The credentials it is accredited for (anchor/ledger/accreditations.ts), with the claims its records give.
  credentials: justiceCredentials,
  // Whose record each object is, for consent. Cases, evidence and access requests concern several
  // people (or none in particular) and have no entry: no single citizen's consent releases them.
  // A judgment has a citizen when reached through their criminal record (resolvers.ts carries it);
  // reached through a case it has none on hand.
  citizenOf: {
    CaseParty: (p: { did: string | null }) => p.did,
    CriminalRecord: (r: { citizenDid: string }) => r.citizenDid,
    Judgment: (j: { citizenDid?: string }) => j.citizenDid,
  },
};

export type { JusticeStore } from './store.ts';
