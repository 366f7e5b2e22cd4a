import { fail, pass, type CheckResult, type FailedCheck } from './report.ts';

/**
 * Check 1: the input is a JWS in compact serialization (RFC 7515 §7.1) whose header and payload
 * are JSON objects, and returns the decoded parts for the checks after it.
 *
 * Strict on purpose, because everything after this trusts its output:
 * - a size bound before any decoding, so hostile input costs O(bound);
 * - exactly three segments, each canonical base64url without padding (RFC 7515 §2). Node's
 *   decoder ignores stray characters and the unused low bits of the last character, so several
 *   strings decode to one signature; accepting only the canonical one keeps "one credential,
 *   one JWT" (the rest of that promise is low-S, in check-signature);
 * - UTF-8 that decodes strictly (RFC 7515 §5.2 steps 3 and 8) and no duplicate member names
 *   (RFC 7515 §5.2 step 4, RFC 7519 §4 allow rejecting them): a parser that keeps the first
 *   `alg` or `exp` would read another token than ours;
 * - no `crit` (RFC 7515 §4.1.11): we implement no extension, so one marked critical must fail.
 *
 * The signature segment may be empty here (an unsecured JWS, RFC 7519 §6.1): refusing it is the
 * algorithm check's job, which then reports the precise reason (`alg: none`).
 */

export const CHECK_STRUCTURE = 'structure';
/** 64 KiB: a credential with a transcript is a few KiB; a presentation holds a handful. */
export const DEFAULT_MAX_JWS_BYTES = 64 * 1024;

export interface DecodedJws {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  /** ASCII(BASE64URL(header) || '.' || BASE64URL(payload)): what is signed (RFC 7515 §5.1 step 5). */
  signingInput: string;
  signature: Buffer;
}

export type StructureResult = { check: CheckResult & { ok: true }; jws: DecodedJws } | { check: FailedCheck; jws?: undefined };

export interface StructureOptions {
  maxBytes?: number;
}

const SEGMENT = /^[A-Za-z0-9_-]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function checkStructure(input: unknown, options: StructureOptions = {}): StructureResult {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_JWS_BYTES;
  const bad = (detail: string): StructureResult => ({ check: fail(CHECK_STRUCTURE, 'MALFORMED', detail) });
  if (typeof input !== 'string') return bad(`a JWS is a string, got ${input === null ? 'null' : typeof input}`);
  // String length bounds UTF-8 length from below; a valid JWS is ASCII, so both agree when it matters.
  if (input.length > maxBytes) return { check: fail(CHECK_STRUCTURE, 'TOO_LARGE', `${input.length} characters; the limit is ${maxBytes}`) };

  const segments = input.split('.');
  if (segments.length !== 3) return bad(`a compact JWS has 3 segments, got ${segments.length}`);
  const [headerB64, payloadB64, signatureB64] = segments as [string, string, string];
  if (headerB64 === '' || payloadB64 === '') return bad('empty header or payload segment');

  const header = decodeJsonObject(headerB64, 'header');
  if (typeof header === 'string') return bad(header);
  const payload = decodeJsonObject(payloadB64, 'payload');
  if (typeof payload === 'string') return bad(payload);
  const signature = decodeSegment(signatureB64);
  if (!signature) return bad('signature segment is not canonical base64url');
  if (Object.hasOwn(header, 'crit')) return bad('header has "crit": no JWS extension is supported (RFC 7515 §4.1.11)');

  return {
    check: pass(CHECK_STRUCTURE),
    jws: { header, payload, signingInput: `${headerB64}.${payloadB64}`, signature },
  };
}

/** Canonical unpadded base64url (RFC 7515 §2) or undefined. */
function decodeSegment(segment: string): Buffer | undefined {
  if (!SEGMENT.test(segment)) return undefined;
  const bytes = Buffer.from(segment, 'base64url');
  return bytes.toString('base64url') === segment ? bytes : undefined;
}

function decodeJsonObject(segment: string, name: string): Record<string, unknown> | string {
  const bytes = decodeSegment(segment);
  if (!bytes) return `${name} segment is not canonical base64url`;
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return `${name} is not UTF-8`;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return `${name} is not JSON`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `${name} is not a JSON object`;
  const duplicate = firstDuplicateMember(text);
  if (duplicate !== undefined) return `${name} repeats the member ${JSON.stringify(duplicate).slice(0, 40)}`;
  return value as Record<string, unknown>;
}

/**
 * The first member name that an object in `text` (already known to be valid JSON) repeats.
 * JSON.parse silently keeps the last one, so this has to look at the text.
 */
export function firstDuplicateMember(text: string): string | undefined {
  const open: Array<Set<string> | null> = []; // one entry per open object (Set) or array (null)
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let end = i + 1;
      while (text.charCodeAt(end) !== 0x22) end += text.charCodeAt(end) === 0x5c /* \ */ ? 2 : 1;
      const start = i;
      i = end + 1;
      // JSON whitespace is exactly space, tab, LF and CR (RFC 8259 §2).
      for (let w = text.charCodeAt(i); w === 0x20 || w === 0x09 || w === 0x0a || w === 0x0d; w = text.charCodeAt(++i));
      const members = open.at(-1);
      if (text.charCodeAt(i) === 0x3a /* : */ && members) {
        // Decodes escapes ("a" and "\u0061" are one name); without a backslash the text is the name.
        const raw = text.slice(start, end + 1);
        const name = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        if (members.has(name)) return name;
        members.add(name);
      }
      continue;
    }
    if (c === 0x7b /* { */) open.push(new Set());
    else if (c === 0x5b /* [ */) open.push(null);
    else if (c === 0x7d /* } */ || c === 0x5d /* ] */) open.pop();
    i++;
  }
  return undefined;
}
