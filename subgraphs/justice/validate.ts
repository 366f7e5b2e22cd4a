import { ErrorCode, invalid } from '../kit/errors.ts';
import { parseDid, parseIsoDate } from '../kit/scalars.ts';

/**
 * Input checks for the justice store. Each takes the value and the field path
 * the caller used (e.g. "input.parties[1].name"), so a refusal says exactly
 * which argument was wrong. GraphQL already checks types and enums; the store
 * checks again because the demo seed and later tooling call it directly.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Control characters other than tab and newlines; names and titles refuse newlines too.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const LINE_BREAK = /[\r\n\t]/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
// RFC 6838 §4.2 restricted names, type/subtype without parameters.
const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;

export const MAX_CASE_NUMBER_LENGTH = 64;

const isAbsent = (value: unknown): value is null | undefined => value === null || value === undefined;

export function uuid(value: unknown, field: string): string {
  if (typeof value !== 'string' || !UUID.test(value)) {
    throw invalid(ErrorCode.INVALID_ARGUMENT, `${field} must be a UUID, got ${describe(value)}`, field);
  }
  return value.toLowerCase();
}

export function optionalUuid(value: unknown, field: string): string | undefined {
  return isAbsent(value) ? undefined : uuid(value, field);
}

/** Trimmed, non-empty text of at most `max` characters; `multiline` allows line breaks (notes, reasons). */
export function text(value: unknown, field: string, max: number, options: { multiline?: boolean } = {}): string {
  if (typeof value !== 'string') throw invalid(ErrorCode.INVALID_ARGUMENT, `${field} must be text`, field);
  const trimmed = value.trim();
  if (!trimmed) throw invalid(ErrorCode.INVALID_ARGUMENT, `${field} must not be empty`, field);
  if (trimmed.length > max) throw invalid(ErrorCode.INVALID_ARGUMENT, `${field} must be at most ${max} characters, got ${trimmed.length}`, field);
  if (CONTROL.test(trimmed) || (!options.multiline && LINE_BREAK.test(trimmed))) {
    throw invalid(ErrorCode.INVALID_ARGUMENT, `${field} contains control characters`, field);
  }
  return trimmed;
}

/** Like `text`, but absent or blank means "none" (null). */
export function optionalText(value: unknown, field: string, max: number, options: { multiline?: boolean } = {}): string | null {
  if (isAbsent(value) || (typeof value === 'string' && !value.trim())) return null;
  return text(value, field, max, options);
}

export function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalid(ErrorCode.INVALID_ARGUMENT, `${field} must be one of ${allowed.join(', ')}, got ${describe(value)}`, field);
  }
  return value as T;
}

export function did(value: unknown, field: string): string {
  try {
    return parseDid(value);
  } catch (error) {
    throw invalid(ErrorCode.INVALID_DID, `${field}: ${(error as Error).message}`, field);
  }
}

export function optionalDid(value: unknown, field: string): string | null {
  return isAbsent(value) ? null : did(value, field);
}

/**
 * A calendar date that has already begun somewhere on Earth (UTC+14): courts
 * record what happened, and this tolerance keeps a Beijing clerk's "today"
 * valid on a server running in UTC.
 */
export function pastDate(value: unknown, field: string): string {
  let date: string;
  try {
    date = parseIsoDate(value);
  } catch (error) {
    throw invalid(ErrorCode.INVALID_DATE, `${field}: ${(error as Error).message}`, field);
  }
  const latestToday = new Date(Date.now() + 14 * 3600_000).toISOString().slice(0, 10);
  if (date > latestToday) throw invalid(ErrorCode.INVALID_DATE, `${field} ${date} is in the future`, field);
  return date;
}

/**
 * Case numbers are compared in their NFKC form, trimmed, with runs of spaces
 * collapsed: "（2026）京0491民初123号" typed with full-width brackets is the same
 * case as "(2026)京0491民初123号". Stored and looked up in that form.
 */
export function normaliseCaseNumber(value: unknown, field: string): string {
  if (typeof value !== 'string') throw invalid(ErrorCode.INVALID_ARGUMENT, `${field} must be text`, field);
  const normal = value.normalize('NFKC').trim().replace(/\s+/g, ' ');
  if (!normal) throw invalid(ErrorCode.INVALID_ARGUMENT, `${field} must not be empty`, field);
  if (normal.length > MAX_CASE_NUMBER_LENGTH) {
    throw invalid(ErrorCode.INVALID_ARGUMENT, `${field} must be at most ${MAX_CASE_NUMBER_LENGTH} characters, got ${normal.length}`, field);
  }
  if (CONTROL.test(normal)) throw invalid(ErrorCode.INVALID_ARGUMENT, `${field} contains control characters`, field);
  return normal;
}

export function sha256Hex(value: unknown, field: string): string {
  if (typeof value !== 'string' || !SHA256_HEX.test(value)) {
    throw invalid(ErrorCode.INVALID_ARGUMENT, `${field} must be a SHA-256 digest as 64 lower-case hex characters, got ${describe(value)}`, field);
  }
  return value;
}

/** A media type such as application/pdf; case-insensitive per RFC 6838, stored lower-case. */
export function mediaType(value: unknown, field: string): string {
  const lower = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  if (!lower || !MEDIA_TYPE.test(lower)) {
    throw invalid(ErrorCode.INVALID_ARGUMENT, `${field} must be a media type such as application/pdf (no parameters), got ${describe(value)}`, field);
  }
  return lower;
}

/** A positive whole number of bytes up to 2^53-1 (GraphQL Int stops at 2 GiB; evidence videos do not). */
export function byteCount(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw invalid(ErrorCode.INVALID_ARGUMENT, `${field} must be a whole number of bytes of at least 1, got ${describe(value)}`, field);
  }
  return value;
}

export function describe(value: unknown): string {
  const shown = JSON.stringify(value) ?? String(value);
  return shown.length > 80 ? `${shown.slice(0, 77)}...` : shown;
}
