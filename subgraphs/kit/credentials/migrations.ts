import { fileURLToPath } from 'node:url';

/** SQL for a department's issued credentials and status lists, applied to every department's database. */
export const CREDENTIAL_MIGRATIONS = fileURLToPath(new URL('./migrations', import.meta.url));
/** Keeps these versions apart from the department's own and the log's (store/migrate.ts). */
export const CREDENTIAL_MIGRATIONS_NAMESPACE = 'credentials/';
/** The recorded table (logged and audited like a department's records) this adds. */
export const CREDENTIAL_RECORDED_TABLES = ['issued_credentials'] as const;
