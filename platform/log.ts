import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON lines on stdout, one logger per component. `GOVSHARE_LOG_LEVEL`
 * (default info; `silent` in tests) sets the level.
 */
export function createLogger(component: string, level = process.env.GOVSHARE_LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    base: { component },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
