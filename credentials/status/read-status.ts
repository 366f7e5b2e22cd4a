/**
 * Verifier side: the status of one credential from an (already signature-checked) status list
 * credential, following the W3C Bitstring Status List v1.0 §3.2 Validate Algorithm, fail-closed:
 * any doubt (malformed entry or list, purpose mismatch, index outside the list, another list than
 * the entry names) throws a StatusListError; a result is only ever returned from a list that was
 * fully understood. `set: false` is the only answer meaning "not revoked/suspended".
 *
 * Not done here (belongs to the verifier pipeline): fetching the list, verifying its signature,
 * checking that its issuer is the credential's issuer, and its nbf/exp.
 */
import { Bitstring, type DecodeOptions, type ReadonlyBitstring } from './bitstring.ts';
import { parseStatusEntry } from './entry.ts';
import { StatusListError } from './errors.ts';
import { STATUS_LIST_CREDENTIAL_TYPE, STATUS_LIST_SUBJECT_TYPE } from './list-credential.ts';
import { isStatusPurpose, type StatusPurpose } from './purpose.ts';

/** A decoded list credential subject, suitable for caching for `ttl` (read-only view). */
export interface ParsedStatusList {
  readonly purposes: readonly StatusPurpose[];
  readonly bitstring: ReadonlyBitstring;
  /** §2.2 ttl in milliseconds, when the list states one. */
  readonly ttl?: number;
}

export interface StatusResult {
  purpose: StatusPurpose;
  /** The entry's bit: true = revoked / suspended / message flag set. */
  set: boolean;
}

export interface ReadStatusOptions extends DecodeOptions {
  /**
   * The URL (or id) of the list credential actually supplied. When given, an entry naming another
   * list is refused with STATUS_LIST_MISMATCH.
   */
  listCredentialId?: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Extract the credentialSubject of a status list `vc` object (type checks per §2.2). */
export function statusListSubjectOf(vc: unknown): unknown {
  if (!isRecord(vc)) throw new StatusListError('STATUS_LIST_MALFORMED', 'status list vc must be an object');
  const types = Array.isArray(vc.type) ? vc.type : [vc.type];
  if (!types.includes(STATUS_LIST_CREDENTIAL_TYPE)) {
    throw new StatusListError('STATUS_LIST_MALFORMED', `status list credential type must include ${STATUS_LIST_CREDENTIAL_TYPE}`);
  }
  const subject = vc.credentialSubject;
  // A single subject: an array would make "which list" ambiguous.
  if (!isRecord(subject)) throw new StatusListError('STATUS_LIST_MALFORMED', 'status list credentialSubject must be one object');
  return subject;
}

/**
 * Validate and decode a BitstringStatusList credential subject (§2.2; §3.3 Bitstring Expansion).
 * statusPurpose may be one string or a non-empty array of strings ("one or more strings"); every
 * purpose must be known.
 */
export function parseStatusList(subject: unknown, options: DecodeOptions = {}): ParsedStatusList {
  if (!isRecord(subject)) throw new StatusListError('STATUS_LIST_MALFORMED', 'status list credentialSubject must be an object');
  if (subject.type !== STATUS_LIST_SUBJECT_TYPE) {
    throw new StatusListError('STATUS_LIST_MALFORMED', `status list credentialSubject type must be ${STATUS_LIST_SUBJECT_TYPE}`);
  }
  const rawPurposes = Array.isArray(subject.statusPurpose) ? subject.statusPurpose : [subject.statusPurpose];
  if (rawPurposes.length === 0 || !rawPurposes.every(isStatusPurpose)) {
    throw new StatusListError('STATUS_LIST_MALFORMED', 'status list statusPurpose must be one or more known purposes');
  }
  const ttl = subject.ttl;
  if (ttl !== undefined && (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl < 0)) {
    throw new StatusListError('STATUS_LIST_MALFORMED', 'status list ttl must be a non-negative number of milliseconds');
  }
  const bitstring: ReadonlyBitstring = Bitstring.decode(subject.encodedList, options);
  const purposes: readonly StatusPurpose[] = Object.freeze([...rawPurposes]);
  return Object.freeze(ttl === undefined ? { purposes, bitstring } : { purposes, bitstring, ttl });
}

/** §3.2 steps after retrieval, on an already parsed (possibly cached) list. */
export function readParsedStatus(entry: unknown, list: ParsedStatusList, options: Pick<ReadStatusOptions, 'listCredentialId'> = {}): StatusResult {
  const parsed = parseStatusEntry(entry);
  if (options.listCredentialId !== undefined && parsed.listUrl !== options.listCredentialId) {
    throw new StatusListError('STATUS_LIST_MISMATCH', 'the entry names another status list than the one supplied');
  }
  // §3.2: "Verify that the status purpose is equal to a statusPurpose value in the statusListCredential."
  if (!list.purposes.includes(parsed.purpose)) {
    throw new StatusListError('STATUS_PURPOSE_MISMATCH', `entry purpose ${parsed.purpose} is not a purpose of the list (${list.purposes.join(', ')})`);
  }
  // §3.2: an index beyond the bitstring is a RANGE_ERROR, never "not set".
  if (parsed.index >= list.bitstring.length) {
    throw new StatusListError('STATUS_INDEX_OUT_OF_RANGE', `statusListIndex ${parsed.index} is outside the list of ${list.bitstring.length} entries`);
  }
  return { purpose: parsed.purpose, set: list.bitstring.get(parsed.index) };
}

/** Decode the list credential subject and read the entry's bit, fail-closed. */
export function readStatus(entry: unknown, listCredentialSubject: unknown, options: ReadStatusOptions = {}): StatusResult {
  // Validate the (cheap) entry before decompressing the list.
  parseStatusEntry(entry);
  const { listCredentialId, ...decode } = options;
  const list = parseStatusList(listCredentialSubject, decode);
  return readParsedStatus(entry, list, listCredentialId === undefined ? {} : { listCredentialId });
}
