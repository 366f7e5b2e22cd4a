import { fileURLToPath } from 'node:url';

/** SQL for a department's registered consents, applied to every department's database. */
export const CONSENT_MIGRATIONS = fileURLToPath(new URL('./migrations', import.meta.url));
/** Keeps these versions apart from the department's own, the log's and the credentials' (store/migrate.ts). */
export const CONSENT_MIGRATIONS_NAMESPACE = 'consent/';
/** The recorded table (logged and audited like a department's records) this adds. */
export const CONSENT_RECORDED_TABLES = ['consents'] as const;
