import { InputError } from '../../../platform/errors.ts';
import { ErrorCode, invalid } from '../errors.ts';

/** Record ids are UUIDs in every department: anything else names no record (NO_RECORDS, not a hint). */
export function uuidOrNull(value: string | null): string | null | false {
  if (value === null) return null;
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value) ? value.toLowerCase() : false;
}

/** For a type that states no single record (a clearance, a clean record): recordId means nothing. */
export function noRecordIdFor(type: string, recordId: string | null): void {
  if (recordId !== null) throw invalid(ErrorCode.INVALID_ARGUMENT, `a ${type} is not about one record: leave recordId out`, 'input.recordId');
}

/** The records contradict the credential asked for. */
export function notEligible(message: string): InputError {
  return new InputError(ErrorCode.NOT_ELIGIBLE, message);
}

/** The first instant after a calendar date (YYYY-MM-DD) in UTC: the end of a "valid until" day. */
export function endOfDay(date: string): Date {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 24 * 3600_000);
}
