import { besides, type Department } from '../kit/department.ts';
import { createFinanceResolvers } from './resolvers.ts';
import { createFinanceStore, type FinanceStore } from './store.ts';

/** Finance: the taxpayer register, tax clearance and the public spending ledger. */
export const finance: Department<FinanceStore> = {
  name: 'finance',
  schemaPath: besides(import.meta.url, './schema.graphql'),
  migrationsDir: besides(import.meta.url, './migrations'),
  createStore: createFinanceStore,
  createResolvers: createFinanceResolvers,
};
