/**
 * Typed errors with stable `code` strings. Callers branch on `code`, never on
 * message text; messages are for people and may change.
 */
export class GovshareError extends Error {
  readonly code: string;
  readonly detail?: Record<string, unknown>;

  constructor(code: string, message: string, options?: { cause?: unknown; detail?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    if (options?.detail) this.detail = options.detail;
  }
}

/** Bad input from a caller: the request is refused and nothing is written. */
export class InputError extends GovshareError {}

/** A configuration value that cannot work; raised at start, before anything listens. */
export class ConfigError extends GovshareError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONFIG_INVALID', message, options);
  }
}
