/**
 * The verification report (DESIGN.md "Verification report"): `{ valid, checks: [{ id, ok, code?,
 * detail? }] }`, one entry per check that ran. Callers branch on `code`, never on `detail`, which
 * is for people and may change.
 */

/** Stable failure codes. Add new ones at the end; never rename or reuse one. */
export const VerificationCodes = [
  // DESIGN.md
  'SIGNATURE_INVALID',
  'EXPIRED',
  'REVOKED',
  'ISSUER_NOT_TRUSTED',
  'NOT_ANCHORED',
  'ANCHOR_PENDING',
  'KEY_NOT_VALID_AT_ANCHOR_TIME',
  'NONCE_REPLAYED',
  'AUDIENCE_MISMATCH',
  'HOLDER_MISMATCH',
  'STATUS_UNAVAILABLE',
  'RESOLUTION_UNAVAILABLE',
  // the JWT layer
  'NOT_YET_VALID',
  'MALFORMED',
  'ALGORITHM_NOT_ALLOWED',
  'TOO_LARGE',
  /** The issuer is not a DID this verifier can resolve (bad syntax, unknown network): not an outage. */
  'ISSUER_INVALID',
  /** Bitstring Status List: the status purpose "suspension" is set (issue 5). */
  'SUSPENDED',
  /** A presentation's `nonce` is not the verifier's challenge (or no challenge was given). */
  'NONCE_MISMATCH',
  /** The single-use store of presentation nonces could not answer: refused, never let through. */
  'NONCE_UNAVAILABLE',
  /** The verifier itself failed unexpectedly (a bug, or a trust source breaking its contract): never valid. */
  'VERIFIER_ERROR',
] as const;

export type VerificationCode = (typeof VerificationCodes)[number];

export interface PassedCheck {
  id: string;
  ok: true;
  detail?: string;
}

export interface FailedCheck {
  id: string;
  ok: false;
  code: VerificationCode;
  detail?: string;
}

export type CheckResult = PassedCheck | FailedCheck;

export interface VerificationReport {
  valid: boolean;
  checks: CheckResult[];
}

export function pass(id: string, detail?: string): PassedCheck {
  return detail === undefined ? { id, ok: true } : { id, ok: true, detail };
}

export function fail(id: string, code: VerificationCode, detail?: string): FailedCheck {
  return detail === undefined ? { id, ok: false, code } : { id, ok: false, code, detail };
}

/** Fail closed: a report with no checks is not valid. */
export function toReport(checks: CheckResult[]): VerificationReport {
  return { valid: checks.length > 0 && checks.every((check) => check.ok), checks };
}

export function isVerificationCode(value: unknown): value is VerificationCode {
  return typeof value === 'string' && (VerificationCodes as readonly string[]).includes(value);
}

/** Hostile values go into `detail`: keep them short and printable. */
export function describe(value: unknown, max = 60): string {
  let text: string;
  try {
    text = value === undefined ? 'undefined' : (JSON.stringify(value) ?? String(value));
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
