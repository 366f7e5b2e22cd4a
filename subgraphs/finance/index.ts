import { besides, type Department } from '../kit/department.ts';
import { createFinanceResolvers } from './resolvers.ts';
import { createFinanceStore, RECORDED_TABLES, type FinanceStore } from './store.ts';

/** Finance: the taxpayer register, tax clearance and the public spending ledger. */
export const finance: Department<FinanceStore> = {
  name: 'finance',
  schemaPath: besides(import.meta.url, './schema.graphql'),
  migrationsDir: besides(import.meta.url, './migrations'),
  // Every table the store writes: taxpayers, assessments, budgets, appropriations,
  // payments, corrections, their approvals and their effects.
  recordedTables: RECORDED_TABLES,
  createStore: createFinanceStore,
  createResolvers: createFinanceResolvers,
};
