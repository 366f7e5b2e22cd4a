import { CONSENT_RECORDED_TABLES } from '../kit/consent/migrations.ts';
import { CREDENTIAL_RECORDED_TABLES } from '../kit/credentials/migrations.ts';
import { besides, type Department } from '../kit/department.ts';
import { financeCredentials } from './credentials.ts';
import { createFinanceResolvers } from './resolvers.ts';
import { createFinanceStore, RECORDED_TABLES, type FinanceStore } from './store.ts';

/** Finance: the taxpayer register, tax clearance and the public spending ledger. */
export const finance: Department<FinanceStore> = {
  name: 'finance',
  schemaPath: besides(import.meta.url, './schema.graphql'),
  migrationsDir: besides(import.meta.url, './migrations'),
  // Every table the store writes: taxpayers, assessments, budgets, appropriations,
  // payments, corrections, their approvals and their effects.
  recordedTables: [...RECORDED_TABLES, ...CREDENTIAL_RECORDED_TABLES, ...CONSENT_RECORDED_TABLES],
  createStore: createFinanceStore,
  createResolvers: createFinanceResolvers,
  // The credentials it is accredited for (anchor/ledger/accreditations.ts), with the claims its records give.
  credentials: financeCredentials,
  // Whose record each object is, for consent: the assessed taxpayer, a payment's payee (resolvers pass rows as they are).
  citizenOf: {
    TaxClearance: (t: { did: string }) => t.did,
    Payment: (p: { payee_did: string | null }) => p.payee_did,
  },
};
