import type { KeyObject } from 'node:crypto';
import { es256k } from './es256k.ts';
import { fail, pass, type CheckResult } from './report.ts';
import { ES256K_SIGNATURE_BYTES, signatureSForm } from './secp256k1.ts';

/**
 * Check 4: the ES256K signature over the signing input verifies under one of the candidate keys
 * (the issuer's `assertionMethod` keys, from issuer-keys.ts).
 *
 * - The JWS signature is R || S, 32 bytes each (RFC 7518 §3.4; ES256K per RFC 8812 §3.2),
 *   verified natively by es256k.ts (libsecp256k1, or OpenSSL's `ieee-p1363`), far faster than
 *   did-jwt's JS.
 * - High-S is refused explicitly: (r, n - s) verifies as well as (r, s), and OpenSSL and did-jwt
 *   both accept it, so without this one credential would have two valid JWT strings. Our signer
 *   only emits low-S (as did-jwt's and noble's do), so nothing genuine is lost; and both native
 *   backends then answer alike (libsecp256k1 refuses high-S on its own).
 * - R and S outside [1, n-1] are refused before either library sees them.
 *
 * Never throws: a key that cannot verify (wrong type) counts as not matching.
 */

export const CHECK_SIGNATURE = 'signature';

export interface CandidateKey {
  /** The verification method's id (`did:…#controller`), reported as the signer. */
  id: string;
  key: KeyObject;
}

export type SignatureResult = { check: CheckResult & { ok: true }; signer: CandidateKey } | { check: CheckResult & { ok: false }; signer?: undefined };

export function checkSignature(signingInput: string, signature: Uint8Array, candidates: readonly CandidateKey[]): SignatureResult {
  const refused = refuseOutright(signature, candidates);
  if (refused) return refused;
  // The signing input is base64url and '.', i.e. ASCII: latin1 is its exact byte image.
  const data = Buffer.from(signingInput, 'latin1');
  for (const candidate of candidates) {
    if (es256k.verify(data, signature, candidate.key)) return { check: pass(CHECK_SIGNATURE, candidate.id), signer: candidate };
  }
  return notMatching(candidates.length);
}

/**
 * The same check for a server whose event loop is its bottleneck (the gateway checks an agency
 * token on every request): under OpenSSL each verification runs on libuv's thread pool, beside
 * the event loop instead of in it; libsecp256k1's is quicker than that hand-off and runs at once.
 */
export async function checkSignatureOffThread(signingInput: string, signature: Uint8Array, candidates: readonly CandidateKey[]): Promise<SignatureResult> {
  const refused = refuseOutright(signature, candidates);
  if (refused) return refused;
  const data = Buffer.from(signingInput, 'latin1');
  for (const candidate of candidates) {
    if (await es256k.verifyInBackground(data, signature, candidate.key)) return { check: pass(CHECK_SIGNATURE, candidate.id), signer: candidate };
  }
  return notMatching(candidates.length);
}

function bad(detail: string): SignatureResult {
  return { check: fail(CHECK_SIGNATURE, 'SIGNATURE_INVALID', detail) };
}

/** What is refused before any curve arithmetic: wrong length, R or S out of range, high S, no key. */
function refuseOutright(signature: Uint8Array, candidates: readonly CandidateKey[]): SignatureResult | undefined {
  if (signature.length !== ES256K_SIGNATURE_BYTES) return bad(`an ES256K signature is ${ES256K_SIGNATURE_BYTES} bytes, got ${signature.length}`);
  const form = signatureSForm(signature);
  if (form === 'invalid') return bad('R or S is outside [1, n-1]');
  if (form === 'high') return bad('S is in the high half of the curve order (malleated signature)');
  if (candidates.length === 0) return bad('no key of the issuer\'s assertionMethod matches this signature');
  return undefined;
}

function notMatching(count: number): SignatureResult {
  return bad(`does not verify under the ${count} key(s) of the issuer's assertionMethod`);
}
