import { ErrorCode, invalid } from '../errors.ts';

/** A credential is a few KiB; a transcript is the largest the departments make. */
export const MAX_CLAIMS_BYTES = 16 * 1024;

/**
 * An officer's claims for a subject the department has no records about: a JSON object (the
 * credentialSubject, without `id`: the subject is the credential's `sub`), at most 16 KiB.
 */
export function validateClaims(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(ErrorCode.INVALID_ARGUMENT, 'claims must be a JSON object (the credential subject\'s claims)', 'input.claims');
  }
  if (Object.keys(value).length === 0) throw invalid(ErrorCode.INVALID_ARGUMENT, 'claims must not be empty', 'input.claims');
  if (Object.hasOwn(value, 'id')) throw invalid(ErrorCode.INVALID_ARGUMENT, 'claims must not carry "id": the subject is input.subject', 'input.claims');
  if (Buffer.byteLength(JSON.stringify(value)) > MAX_CLAIMS_BYTES) {
    throw invalid(ErrorCode.INVALID_ARGUMENT, `claims may be at most ${MAX_CLAIMS_BYTES} bytes of JSON`, 'input.claims');
  }
  return value as Record<string, unknown>;
}
