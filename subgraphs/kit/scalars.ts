import { GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { ErrorCode, invalid } from './errors.ts';

/**
 * Scalars shared by the departments. Each validates on the way in (variables
 * and literals alike) and refuses bad input with its own stable code.
 */

// W3C DID Core §3.1: did:<method-name>:<method-specific-id>, method-name lower-case alphanumerics.
const DID_SYNTAX = /^did:[a-z0-9]+:(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})*(?::(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})*)*$/;
const MAX_DID_LENGTH = 256;

export function parseDid(value: unknown): string {
  if (typeof value !== 'string' || value.length > MAX_DID_LENGTH || !DID_SYNTAX.test(value) || value.endsWith(':')) {
    throw invalid(ErrorCode.INVALID_DID, `expected a DID such as did:ethr:0x539:0xabc…, got ${describe(value)}`);
  }
  return value;
}

export function parseIsoDate(value: unknown): string {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const parsed = new Date(`${value}T00:00:00Z`);
    if (!Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(value)) return value;
  }
  throw invalid(ErrorCode.INVALID_DATE, `expected a calendar date YYYY-MM-DD, got ${describe(value)}`);
}

// RFC 3339 §5.6 date-time with an explicit offset (Z or ±hh:mm); fractional seconds optional.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

export function parseDateTime(value: unknown): string {
  if (typeof value === 'string' && DATE_TIME.test(value)) {
    const parsed = Date.parse(value);
    if (!Number.isNaN(parsed)) {
      // Date.parse rolls 2026-02-30 over to March: the calendar date as written must exist.
      parseIsoDate(value.slice(0, 10));
      return value;
    }
  }
  throw invalid(ErrorCode.INVALID_DATE, `expected an instant in RFC 3339 form, e.g. 2026-11-25T09:30:00Z, got ${describe(value)}`);
}

export function parseMinorUnits(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(ErrorCode.INVALID_AMOUNT, `expected a whole, non-negative amount in minor units (e.g. 12550 for 125.50), got ${describe(value)}`);
  }
  return value;
}

// ISO 4217 alphabetic codes; the list is what the demo and tests use, widen as departments need.
export const CURRENCIES = new Set(['CNY', 'HKD', 'USD', 'EUR', 'GBP', 'JPY', 'SGD']);
export const MINOR_DIGITS: Record<string, number> = { JPY: 0 };

export function parseCurrency(value: unknown): string {
  if (typeof value !== 'string' || !CURRENCIES.has(value)) {
    throw invalid(ErrorCode.INVALID_CURRENCY, `expected an ISO 4217 currency code (${[...CURRENCIES].join(', ')}), got ${describe(value)}`);
  }
  return value;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function literal(ast: ValueNode): unknown {
  switch (ast.kind) {
    case Kind.STRING:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    default:
      return undefined;
  }
}

function scalar(name: string, description: string, parse: (value: unknown) => unknown): GraphQLScalarType {
  return new GraphQLScalarType({
    name,
    description,
    serialize: (value) => value,
    parseValue: parse,
    parseLiteral: (ast) => parse(literal(ast)),
  });
}

export const scalars = {
  DID: scalar('DID', 'A decentralized identifier (W3C DID Core), e.g. did:ethr:0x539:0x…', parseDid),
  Date: scalar('Date', 'A calendar date, ISO 8601 YYYY-MM-DD', parseIsoDate),
  DateTime: scalar('DateTime', 'An instant, RFC 3339 (ISO 8601) with an offset; answers are in UTC', parseDateTime),
  MinorUnits: scalar('MinorUnits', 'A whole amount in the currency minor unit (cents, fen); JSON number up to 2^53-1', parseMinorUnits),
  Currency: scalar('Currency', 'An ISO 4217 alphabetic currency code', parseCurrency),
};

/** Formats an amount for people: 1234567 CNY -> "12,345.67 CNY". */
export function formatMoney(minorUnits: number, currency: string): string {
  const digits = MINOR_DIGITS[currency] ?? 2;
  const major = minorUnits / 10 ** digits;
  return `${major.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })} ${currency}`;
}
