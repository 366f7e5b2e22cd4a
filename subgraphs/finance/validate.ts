import { randomUUID } from 'node:crypto';
import { DEPARTMENTS, type DepartmentName } from '../../platform/config.ts';
import { GovshareError } from '../../platform/errors.ts';
import { decodeCursor } from '../kit/pagination.ts';
import { ErrorCode, invalid } from '../kit/errors.ts';
import { parseCurrency, parseDid, parseIsoDate, parseMinorUnits } from '../kit/scalars.ts';

/**
 * Input checks for the finance store. Each names the offending field
 * ("input.amount.currency") so a caller knows exactly what to fix. The GraphQL
 * scalars check syntax already; the store checks again because the seed and
 * other code call it directly.
 */

export interface Money {
  minorUnits: number;
  currency: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DEPARTMENT_SLUG = /^[a-z][a-z0-9-]{1,39}$/;
const TAX_NUMBER = /^[A-Z0-9-]{6,32}$/;
// The range the taxpayer register and the ledger accept (CHECK in 001_init.sql).
export const FISCAL_YEARS = { min: 1949, max: 2200 } as const;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** The id of a record to create: the caller's (for idempotent retries) or a fresh one. */
export function newId(value: string | null | undefined, field = 'input.id'): string {
  if (value === null || value === undefined) return randomUUID();
  if (!isUuid(value)) throw invalid(ErrorCode.INVALID_ARGUMENT, `${field} must be a UUID, got ${JSON.stringify(value)}`, field);
  return value.toLowerCase();
}

/** The id of an existing record the input refers to. */
export function refId(value: unknown, field: string): string {
  if (!isUuid(value)) throw invalid(ErrorCode.INVALID_ARGUMENT, `${field} must be a UUID, got ${JSON.stringify(value)}`, field);
  return value.toLowerCase();
}

export function text(value: unknown, field: string, maxLength: number): string {
  const trimmed = typeof value === 'string' ? value.trim() : '';
  if (!trimmed || trimmed.length > maxLength) {
    throw invalid(ErrorCode.INVALID_ARGUMENT, `${field} must be a non-empty text of at most ${maxLength} characters`, field);
  }
  return trimmed;
}

export function optionalText(value: unknown, field: string, maxLength: number): string | null {
  return value === null || value === undefined ? null : text(value, field, maxLength);
}

export function did(value: unknown, field: string): string {
  return withField(field, () => parseDid(value));
}

export function optionalDid(value: unknown, field: string): string | null {
  return value === null || value === undefined ? null : did(value, field);
}

export function date(value: unknown, field: string): string {
  return withField(field, () => parseIsoDate(value));
}

export function optionalDate(value: unknown, field: string): string | null {
  return value === null || value === undefined ? null : date(value, field);
}

/** An amount with its currency; `positive` refuses zero (a payment of nothing is a mistake). */
export function money(value: unknown, field: string, options: { positive: boolean }): Money {
  if (typeof value !== 'object' || value === null) {
    throw invalid(ErrorCode.INVALID_AMOUNT, `${field} must be { minorUnits, currency }`, field);
  }
  const { minorUnits, currency } = value as Partial<Money>;
  const amount: Money = {
    minorUnits: withField(`${field}.minorUnits`, () => parseMinorUnits(minorUnits)),
    currency: withField(`${field}.currency`, () => parseCurrency(currency)),
  };
  if (options.positive && amount.minorUnits === 0) {
    throw invalid(ErrorCode.INVALID_AMOUNT, `${field} must be more than zero`, `${field}.minorUnits`);
  }
  return amount;
}

export function optionalMoney(value: unknown, field: string, options: { positive: boolean }): Money | null {
  return value === null || value === undefined ? null : money(value, field, options);
}

export function fiscalYear(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < FISCAL_YEARS.min || value > FISCAL_YEARS.max) {
    throw invalid(ErrorCode.INVALID_ARGUMENT, `${field} must be a year between ${FISCAL_YEARS.min} and ${FISCAL_YEARS.max}`, field);
  }
  return value;
}

/** A spending department's short name as used on the ledger, e.g. "education", "public-health". */
export function departmentSlug(value: unknown, field: string): string {
  if (typeof value !== 'string' || !DEPARTMENT_SLUG.test(value)) {
    throw invalid(ErrorCode.INVALID_ARGUMENT, `${field} must be a department's short name in lower case (e.g. "education"), got ${JSON.stringify(value)}`, field);
  }
  return value;
}

export function consortiumDepartment(value: unknown, field: string): DepartmentName {
  if (typeof value !== 'string' || !(DEPARTMENTS as readonly string[]).includes(value)) {
    throw invalid(ErrorCode.INVALID_ARGUMENT, `${field} must be one of the consortium departments (${DEPARTMENTS.join(', ')})`, field);
  }
  return value as DepartmentName;
}

export function taxNumber(value: unknown, field: string): string | null {
  if (value === null || value === undefined) return null;
  const normalised = typeof value === 'string' ? value.trim().toUpperCase() : '';
  if (!TAX_NUMBER.test(normalised)) {
    throw invalid(ErrorCode.INVALID_ARGUMENT, `${field} must be 6 to 32 letters, digits or hyphens`, field);
  }
  return normalised;
}

export function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalid(ErrorCode.INVALID_ARGUMENT, `${field} must be one of ${allowed.join(', ')}`, field);
  }
  return value as T;
}

type CursorPart = 'int' | 'text' | 'uuid';

/**
 * Decodes a keyset cursor and checks each part's type, so a forged cursor is
 * refused with INVALID_CURSOR rather than reaching SQL as a bad parameter.
 */
export function cursor(after: string | null | undefined, shape: readonly CursorPart[]): (string | number)[] | undefined {
  const key = decodeCursor(after, shape.length);
  if (!key) return undefined;
  const fits = shape.every((part, i) => {
    const value = key[i];
    if (part === 'int') return typeof value === 'number' && Number.isSafeInteger(value);
    if (part === 'uuid') return isUuid(value);
    return typeof value === 'string';
  });
  if (!fits) throw invalid(ErrorCode.INVALID_CURSOR, 'after is not a cursor this list returned', 'after');
  return key;
}

/** Runs a kit parser and re-throws its refusal with the field it was about. */
function withField<T>(field: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof GovshareError) throw invalid(error.code as ErrorCode, `${field}: ${error.message}`, field);
    throw error;
  }
}
