import { besides, type Department } from '../kit/department.ts';
import { createJusticeResolvers } from './resolvers.ts';
import { createJusticeStore, type JusticeStore } from './store.ts';

/** The justice department: courts, cases, public case status, judgments, evidence and access to it. */
export const justice: Department<JusticeStore> = {
  name: 'justice',
  schemaPath: besides(import.meta.url, './schema.graphql'),
  migrationsDir: besides(import.meta.url, './migrations'),
  createStore: createJusticeStore,
  createResolvers: createJusticeResolvers,
};

export type { JusticeStore } from './store.ts';
