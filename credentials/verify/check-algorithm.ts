import { describe, fail, pass, type CheckResult } from './report.ts';

/**
 * Check 2: the header's `alg` is on the allow-list, before any key is looked up.
 *
 * The algorithm is chosen by the verifier, never by the token (RFC 8725 §3.1, §2.1): the header is
 * attacker-controlled, so `none` (RFC 7518 §3.6), `HS256` keyed with the issuer's public key
 * (the classic confusion: RFC 8725 §2.1), and `ES256K-R` (did-jwt's 65-byte recoverable variant,
 * not registered in RFC 8812, which node's `crypto.verify` answers `false` for without saying
 * why) are refused here with a precise code instead of failing later as a "bad signature".
 * Credentials are ES256K only (RFC 8812 §3.2: ECDSA on secp256k1 with SHA-256).
 * Comparison is exact and case-sensitive (RFC 7515 §4.1.1): "es256k" is not "ES256K".
 */

export const CHECK_ALGORITHM = 'algorithm';
export const CREDENTIAL_ALGORITHMS: readonly string[] = ['ES256K'];

export function checkAlgorithm(header: Record<string, unknown>, allowed: readonly string[] = CREDENTIAL_ALGORITHMS): CheckResult {
  const alg = Object.hasOwn(header, 'alg') ? header.alg : undefined;
  if (typeof alg !== 'string') return fail(CHECK_ALGORITHM, 'ALGORITHM_NOT_ALLOWED', `header "alg" must be a string, got ${describe(alg)}`);
  if (!allowed.includes(alg)) return fail(CHECK_ALGORITHM, 'ALGORITHM_NOT_ALLOWED', `alg ${describe(alg)} is not allowed (allowed: ${allowed.join(', ')})`);
  return pass(CHECK_ALGORITHM);
}
