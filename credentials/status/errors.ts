/**
 * Typed errors of the status list library. Every refusal carries a stable `code` so the verifier
 * can report it as is (issue 5: "each reported in the verification report with a stable code").
 *
 * The W3C Bitstring Status List v1.0 "Processing Errors" section (§3.4) defines coarser errors
 * (STATUS_RETRIEVAL_ERROR, STATUS_VERIFICATION_ERROR, STATUS_LIST_LENGTH_ERROR, RANGE_ERROR,
 * MALFORMED_VALUE_ERROR); `SPEC_ERROR_OF` maps each of our codes onto the closest one for callers
 * that expose spec errors (e.g. RFC 9457 problem details).
 */
export const STATUS_ERROR_CODES = [
  /** encodedList is not 'u' + base64url(no padding) of exactly one gzip member, or a list/subject field is wrong. */
  'STATUS_LIST_MALFORMED',
  /** The uncompressed bitstring is shorter than the minimum (131,072 bits, spec §2.2). */
  'STATUS_LIST_TOO_SHORT',
  /** The list (compressed or decompressed) exceeds the declared maximum: gzip bomb guard. */
  'STATUS_LIST_TOO_LARGE',
  /** A bitstring length that is not a whole number of bytes, or not an integer. */
  'STATUS_LIST_LENGTH_INVALID',
  /** The index is a valid number but outside the list. */
  'STATUS_INDEX_OUT_OF_RANGE',
  /** Index allocation found no free index. */
  'STATUS_LIST_FULL',
  /** The entry's statusPurpose is not a purpose of the list (spec §3.2 step "status purpose"). */
  'STATUS_PURPOSE_MISMATCH',
  /** The credential's credentialStatus entry is not a well-formed BitstringStatusListEntry. */
  'STATUS_ENTRY_MALFORMED',
  /** statusSize other than 1: multi-bit status (message lists) is not supported here. */
  'STATUS_SIZE_UNSUPPORTED',
  /** The entry points at another list than the one supplied. */
  'STATUS_LIST_MISMATCH',
  /** A builder or allocator was called with an invalid argument (programming error on the issuer side). */
  'STATUS_ARGUMENT_INVALID',
] as const;

export type StatusErrorCode = (typeof STATUS_ERROR_CODES)[number];

/** Closest W3C Bitstring Status List v1.0 §3.4 processing error for each code. */
export const SPEC_ERROR_OF: Readonly<Record<StatusErrorCode, string>> = {
  STATUS_LIST_MALFORMED: 'MALFORMED_VALUE_ERROR',
  STATUS_LIST_TOO_SHORT: 'STATUS_LIST_LENGTH_ERROR',
  STATUS_LIST_TOO_LARGE: 'STATUS_LIST_LENGTH_ERROR',
  STATUS_LIST_LENGTH_INVALID: 'STATUS_LIST_LENGTH_ERROR',
  STATUS_INDEX_OUT_OF_RANGE: 'RANGE_ERROR',
  STATUS_LIST_FULL: 'RANGE_ERROR',
  STATUS_PURPOSE_MISMATCH: 'STATUS_VERIFICATION_ERROR',
  STATUS_ENTRY_MALFORMED: 'MALFORMED_VALUE_ERROR',
  STATUS_SIZE_UNSUPPORTED: 'STATUS_VERIFICATION_ERROR',
  STATUS_LIST_MISMATCH: 'STATUS_VERIFICATION_ERROR',
  STATUS_ARGUMENT_INVALID: 'MALFORMED_VALUE_ERROR',
};

export class StatusListError extends Error {
  override readonly name = 'StatusListError';
  readonly code: StatusErrorCode;

  constructor(code: StatusErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.code = code;
  }
}

export function isStatusListError(err: unknown, code?: StatusErrorCode): err is StatusListError {
  return err instanceof StatusListError && (code === undefined || err.code === code);
}
