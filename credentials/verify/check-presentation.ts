import { DID_PATTERN, isRecord, VC_V1_CONTEXT } from './check-claims.ts';
import { describe, fail, pass, type CheckResult, type FailedCheck } from './report.ts';
import type { NonceStore } from './trust.ts';

/**
 * The presentation-specific checks (VC Data Model 1.1 §6.3.1 JWT encoding of a presentation, in
 * did-jwt-vc's shape: `iss` = holder, `vp.verifiableCredential` = credential JWTs, `nonce` =
 * the verifier's challenge, `aud` = its domain):
 *
 * - presentation: the claims' shape; at most `maxCredentials` credentials (TOO_LARGE beyond),
 *   each a compact JWT string (a JSON-LD credential inside is not supported: MALFORMED).
 * - challenge: `nonce` equals the challenge the verifier issued. No challenge given → refused:
 *   without one a presentation is a bearer token anyone who saw it can replay.
 * - audience: `aud` (a string or a list) contains the verifier's domain, so a presentation made
 *   for another verifier cannot be replayed here.
 * - nonce: the (domain, nonce) pair is used once (NonceStore, e.g. the gateway's Redis guard);
 *   a store that cannot answer → NONCE_UNAVAILABLE, refused. Asked only once the holder's
 *   signature verified, so nobody can burn a holder's challenge with a junk presentation.
 */

export const CHECK_PRESENTATION = 'presentation';
export const CHECK_CHALLENGE = 'challenge';
export const CHECK_AUDIENCE = 'audience';
export const CHECK_NONCE = 'nonce';
export const VP_TYPE = 'VerifiablePresentation';

export interface PresentationClaims {
  holder: string;
  nonce: unknown;
  audiences: string[];
  credentials: string[];
}

export type PresentationResult = { check: CheckResult & { ok: true }; claims: PresentationClaims } | { check: FailedCheck; claims?: undefined };

export function checkPresentationClaims(payload: Record<string, unknown>, maxCredentials: number): PresentationResult {
  const bad = (detail: string): PresentationResult => ({ check: fail(CHECK_PRESENTATION, 'MALFORMED', detail) });
  const { iss, vp, aud, nonce } = payload;
  if (typeof iss !== 'string' || !DID_PATTERN.test(iss)) return bad(`"iss" must be the holder's DID, got ${describe(iss)}`);
  if (!isRecord(vp)) return bad('"vp" must be an object');
  const context = vp['@context'];
  if ((Array.isArray(context) ? context[0] : context) !== VC_V1_CONTEXT) return bad(`vp["@context"] must start with ${VC_V1_CONTEXT}`);
  const types = Array.isArray(vp.type) ? vp.type : [vp.type];
  if (!types.includes(VP_TYPE)) return bad(`vp.type must include ${VP_TYPE}`);
  if (vp.holder !== undefined && vp.holder !== iss) return bad('vp.holder differs from "iss"');
  const raw = vp.verifiableCredential;
  const credentials = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  if (credentials.length > maxCredentials) return { check: fail(CHECK_PRESENTATION, 'TOO_LARGE', `${credentials.length} credentials; at most ${maxCredentials}`) };
  if (credentials.length === 0) return bad('the presentation holds no credential');
  if (!credentials.every((c) => typeof c === 'string')) return bad('vp.verifiableCredential must be credential JWTs (strings)');
  const audiences = aud === undefined ? [] : Array.isArray(aud) ? aud : [aud];
  if (!audiences.every((a) => typeof a === 'string')) return bad('"aud" must be a string or a list of strings');
  return { check: pass(CHECK_PRESENTATION), claims: { holder: iss, nonce, audiences: audiences as string[], credentials: credentials as string[] } };
}

export function checkChallenge(nonce: unknown, challenge: string | undefined): CheckResult {
  if (typeof challenge !== 'string' || challenge.length === 0) {
    return fail(CHECK_CHALLENGE, 'NONCE_MISMATCH', 'no challenge given: a presentation is only verified against the verifier\'s own challenge');
  }
  if (nonce !== challenge) return fail(CHECK_CHALLENGE, 'NONCE_MISMATCH', `"nonce" is not the challenge (got ${describe(nonce)})`);
  return pass(CHECK_CHALLENGE);
}

export function checkAudience(audiences: readonly string[], domain: string | undefined): CheckResult {
  if (typeof domain !== 'string' || domain.length === 0) return fail(CHECK_AUDIENCE, 'AUDIENCE_MISMATCH', 'no domain given: a presentation is only verified for the verifier it was made for');
  if (!audiences.includes(domain)) return fail(CHECK_AUDIENCE, 'AUDIENCE_MISMATCH', `"aud" does not name ${describe(domain)}`);
  return pass(CHECK_AUDIENCE);
}

export async function checkNonceUnused(nonces: NonceStore | undefined, domain: string, nonce: string, ttlSeconds: number): Promise<CheckResult> {
  if (!nonces) return fail(CHECK_NONCE, 'NONCE_UNAVAILABLE', 'no nonce store: single use cannot be enforced');
  let first: boolean;
  try {
    first = await nonces.consume(JSON.stringify([domain, nonce]), ttlSeconds);
  } catch (error) {
    return fail(CHECK_NONCE, 'NONCE_UNAVAILABLE', `the nonce store cannot answer: ${(error as Error)?.message?.slice(0, 160) ?? 'error'}`);
  }
  return first === true ? pass(CHECK_NONCE) : fail(CHECK_NONCE, 'NONCE_REPLAYED', 'this challenge was already answered (a presentation is single-use)');
}
