import { fileURLToPath } from 'node:url';

/** SQL for a department's record log, applied to each department's own database before its own migrations. */
export const RECORD_LOG_MIGRATIONS = fileURLToPath(new URL('./migrations', import.meta.url));
