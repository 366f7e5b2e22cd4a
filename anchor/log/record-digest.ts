import { createHash, randomBytes } from 'node:crypto';
import canonicalizeModule from 'canonicalize';

// RFC 8785 reference implementation (by the RFC's author); a CommonJS module whose typings declare an ES default.
const canonicalize = canonicalizeModule as unknown as (value: unknown) => string | undefined;

/**
 * A record's digest, the data of its leaf in the department's Merkle log:
 *
 *   digest = SHA-256(salt || UTF-8(JCS({ "record": row, "table": table })))
 *
 * JCS is RFC 8785 (JSON Canonicalization Scheme), so anyone holding the row
 * and the salt recomputes the same bytes in any language. The 32-byte random
 * salt makes the digest unguessable: a published root or proof reveals
 * nothing about a record whose fields could otherwise be brute-forced (a
 * name, a date of birth, a verdict).
 *
 * Rows are JSON-normalised first: Dates become ISO strings, Buffers base64url,
 * bigints decimal strings; `undefined` columns are dropped.
 */
export const SALT_BYTES = 32;

export function newSalt(): Buffer {
  return randomBytes(SALT_BYTES);
}

export function canonicalRecord(table: string, row: Record<string, unknown>): string {
  const text = canonicalize({ record: normalise(row), table });
  if (text === undefined) throw new TypeError(`record of ${table} has no canonical form`);
  return text;
}

/**
 * canonicalize(normalise(value)): the JCS text of one value as it appears
 * inside `canonicalRecord` (canonicalize writes every member's value on its
 * own), for callers that assemble a record's text column by column.
 */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(normalise(value));
  if (text === undefined) throw new TypeError('value has no canonical form');
  return text;
}

export function recordDigest(table: string, row: Record<string, unknown>, salt: Uint8Array): Buffer {
  return createHash('sha256').update(salt).update(canonicalRecord(table, row), 'utf8').digest();
}

function normalise(value: unknown): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('a record may not hold a non-finite number');
    return value;
  }
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64url');
  if (Array.isArray(value)) return value.map(normalise);
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value as Record<string, unknown>)) if (inner !== undefined) out[key] = normalise(inner);
    return out;
  }
  throw new TypeError(`a record may not hold a ${typeof value}`);
}
