import { describe, fail, pass, type CheckResult } from './report.ts';

/**
 * Check 5: the JWT's validity period (`nbf`, `exp`, and an `iat` that is not in the future)
 * against a clock passed in, with a bounded skew between issuer and verifier clocks.
 *
 * - NumericDate is seconds since the epoch, possibly non-integer (RFC 7519 §2); anything else in
 *   these claims is MALFORMED, never ignored: a string "exp" that one verifier skips and another
 *   honours would make validity depend on who checks.
 * - `exp`: valid only while now < exp (RFC 7519 §4.1.4), so expired once now - skew >= exp.
 * - `nbf`: valid on or after nbf (RFC 7519 §4.1.5), so not yet valid while now + skew < nbf.
 * - `iat` after now + skew is refused as NOT_YET_VALID, like did-jwt does: a credential issued
 *   in the future was made with a wrong clock or to outlive its issuer's accreditation check.
 * - all three are optional (a VC Data Model 1.1 credential need not expire).
 * The skew is bounded (at most 5 minutes) so that a misconfiguration cannot quietly stretch
 * every credential's life.
 */

export const CHECK_TIME = 'validity-period';
export const DEFAULT_SKEW_SECONDS = 60;
export const MAX_SKEW_SECONDS = 300;

export interface TimeOptions {
  /** The verifier's clock (pass one in; tests and batch verification need a fixed instant). */
  now: Date;
  skewSeconds?: number;
}

export function checkTime(payload: Record<string, unknown>, options: TimeOptions): CheckResult {
  const skew = options.skewSeconds ?? DEFAULT_SKEW_SECONDS;
  if (!Number.isFinite(skew) || skew < 0 || skew > MAX_SKEW_SECONDS) {
    throw new RangeError(`clock skew must be between 0 and ${MAX_SKEW_SECONDS} seconds, got ${skew}`);
  }
  const nowMs = options.now.getTime();
  if (!Number.isFinite(nowMs)) throw new RangeError('now is not a valid date');
  const now = nowMs / 1000;

  const dates: Partial<Record<'exp' | 'nbf' | 'iat', number>> = {};
  for (const claim of ['exp', 'nbf', 'iat'] as const) {
    if (!Object.hasOwn(payload, claim)) continue;
    const value = payload[claim];
    if (typeof value !== 'number' || !Number.isFinite(value)) return fail(CHECK_TIME, 'MALFORMED', `"${claim}" must be a NumericDate, got ${describe(value)}`);
    dates[claim] = value;
  }
  const { exp, nbf, iat } = dates;
  if (exp !== undefined && now - skew >= exp) return fail(CHECK_TIME, 'EXPIRED', `expired at ${isoOf(exp)}`);
  if (nbf !== undefined && now + skew < nbf) return fail(CHECK_TIME, 'NOT_YET_VALID', `not valid before ${isoOf(nbf)}`);
  if (iat !== undefined && iat > now + skew) return fail(CHECK_TIME, 'NOT_YET_VALID', `issued in the future (${isoOf(iat)})`);
  return pass(CHECK_TIME);
}

function isoOf(seconds: number): string {
  const date = new Date(seconds * 1000);
  return Number.isFinite(date.getTime()) ? date.toISOString() : String(seconds);
}
