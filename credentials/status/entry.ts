/**
 * The credentialStatus entry a credential carries (W3C Bitstring Status List v1.0 §2.1
 * BitstringStatusListEntry), built for VC Data Model 1.1 JWTs (`vc.credentialStatus`).
 */
import { StatusListError } from './errors.ts';
import { isStatusPurpose, type StatusPurpose } from './purpose.ts';

export const STATUS_ENTRY_TYPE = 'BitstringStatusListEntry';

export interface BitstringStatusListEntry {
  /** `${statusListCredential}#${statusListIndex}` (§2.1: id "MUST NOT be the URL for the status list"). */
  id: string;
  type: typeof STATUS_ENTRY_TYPE;
  statusPurpose: StatusPurpose;
  /** §2.1: "an arbitrary size integer greater than or equal to 0, expressed as a string in base 10". */
  statusListIndex: string;
  /** URL of the BitstringStatusListCredential. */
  statusListCredential: string;
}

/** Canonical base-10 non-negative integer: no sign, exponent, hex, whitespace or leading zeros. */
const CANONICAL_INDEX = /^(0|[1-9][0-9]*)$/;

/**
 * Parse `statusListIndex`. Non-canonical spellings ("-1", "1e3", "0x10", " 7", "07", "") →
 * STATUS_ENTRY_MALFORMED; canonical but not a safe integer (so beyond any list) →
 * STATUS_INDEX_OUT_OF_RANGE. The bound against the actual list is checked by the reader.
 */
export function parseStatusListIndex(value: unknown): number {
  if (typeof value !== 'string' || !CANONICAL_INDEX.test(value)) {
    throw new StatusListError('STATUS_ENTRY_MALFORMED', `statusListIndex must be a base-10 non-negative integer string, got ${JSON.stringify(value)?.slice(0, 40)}`);
  }
  const index = Number(value);
  if (!Number.isSafeInteger(index)) {
    throw new StatusListError('STATUS_INDEX_OUT_OF_RANGE', `statusListIndex ${value.slice(0, 40)} is beyond any list`);
  }
  return index;
}

/** An absolute http(s) URL without fragment (the entry id appends `#index`). */
export function checkListUrl(listUrl: unknown): string {
  let url: URL;
  try {
    url = new URL(String(listUrl));
  } catch {
    throw new StatusListError('STATUS_ARGUMENT_INVALID', `listUrl is not a URL: ${String(listUrl).slice(0, 80)}`);
  }
  if (typeof listUrl !== 'string' || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.hash !== '' || listUrl.includes('#')) {
    throw new StatusListError('STATUS_ARGUMENT_INVALID', `listUrl must be an absolute http(s) URL without fragment: ${String(listUrl).slice(0, 80)}`);
  }
  return listUrl;
}

export function statusEntry(options: { listUrl: string; index: number; purpose: StatusPurpose }): BitstringStatusListEntry {
  const listUrl = checkListUrl(options.listUrl);
  const { index, purpose } = options;
  if (!Number.isSafeInteger(index) || index < 0) {
    throw new StatusListError('STATUS_ARGUMENT_INVALID', `index must be a non-negative integer, got ${index}`);
  }
  if (!isStatusPurpose(purpose)) throw new StatusListError('STATUS_ARGUMENT_INVALID', `unknown status purpose ${String(purpose)}`);
  return {
    id: `${listUrl}#${index}`,
    type: STATUS_ENTRY_TYPE,
    statusPurpose: purpose,
    statusListIndex: String(index),
    statusListCredential: listUrl,
  };
}

/** A well-formed entry as read from an untrusted credential. */
export interface ParsedStatusEntry {
  purpose: StatusPurpose;
  index: number;
  listUrl: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Validate a credentialStatus entry from an untrusted credential (§2.1). Refuses anything unknown:
 * wrong type, unknown purpose, non-canonical index, missing list URL, statusSize other than 1.
 */
export function parseStatusEntry(entry: unknown): ParsedStatusEntry {
  if (!isRecord(entry)) throw new StatusListError('STATUS_ENTRY_MALFORMED', 'credentialStatus must be an object');
  if (entry.type !== STATUS_ENTRY_TYPE) {
    throw new StatusListError('STATUS_ENTRY_MALFORMED', `credentialStatus type must be ${STATUS_ENTRY_TYPE}`);
  }
  if (!isStatusPurpose(entry.statusPurpose)) {
    throw new StatusListError('STATUS_ENTRY_MALFORMED', `unknown statusPurpose ${JSON.stringify(entry.statusPurpose)?.slice(0, 40)}`);
  }
  if (typeof entry.statusListCredential !== 'string' || entry.statusListCredential.length === 0) {
    throw new StatusListError('STATUS_ENTRY_MALFORMED', 'statusListCredential must be a URL string');
  }
  // §2.1 statusSize: defaults to 1; larger sizes need statusMessage and are not supported here.
  if (entry.statusSize !== undefined && entry.statusSize !== 1) {
    throw new StatusListError('STATUS_SIZE_UNSUPPORTED', `statusSize ${JSON.stringify(entry.statusSize)?.slice(0, 20)} is not supported (only 1)`);
  }
  const index = parseStatusListIndex(entry.statusListIndex);
  return { purpose: entry.statusPurpose, index, listUrl: entry.statusListCredential };
}
