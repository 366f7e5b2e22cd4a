import { besides, type Department } from '../kit/department.ts';
import { createEducationResolvers } from './resolvers.ts';
import { createEducationStore, type EducationStore } from './store.ts';

/** The education department: institutions, enrolments, results, degrees, credit transfers, learning resources. */
export const education: Department<EducationStore> = {
  name: 'education',
  schemaPath: besides(import.meta.url, './schema.graphql'),
  migrationsDir: besides(import.meta.url, './migrations'),
  createStore: createEducationStore,
  createResolvers: createEducationResolvers,
};
