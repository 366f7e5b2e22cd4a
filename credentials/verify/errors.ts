import { GovshareError } from '../../platform/errors.ts';

/**
 * Errors of the verifier's trust sources (http-*-source.ts, memory-sources.ts), with stable
 * codes (jose-style: callers branch on `code`). The pipeline never lets one escape: it turns each
 * into a failed check (RESOLUTION_UNAVAILABLE for the proof source, STATUS_UNAVAILABLE for the
 * status list source), so they matter to whoever uses a source directly.
 */
export type SourceErrorCode =
  /** The server could not be reached, timed out, or answered 5xx / a redirect. */
  | 'SOURCE_UNAVAILABLE'
  /** It answered, but not what the contract says (status, content, JSON shape). */
  | 'SOURCE_REFUSED'
  /** The body exceeded the size cap (the read was aborted there). */
  | 'SOURCE_TOO_LARGE'
  /** The URL is not an absolute http(s) URL. */
  | 'SOURCE_URL_INVALID';

export class SourceError extends GovshareError {
  declare readonly code: SourceErrorCode;
  constructor(code: SourceErrorCode, message: string, options?: { cause?: unknown; detail?: Record<string, unknown> }) {
    super(code, message, options);
  }
}
