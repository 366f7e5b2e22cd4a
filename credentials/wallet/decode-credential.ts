import { decodeJWT } from 'did-jwt';
import { InputError } from '../../platform/errors.ts';
import type { StoredCredential } from './format.ts';

/** Credentials are a few KiB; a megabyte "credential" is an attack on the wallet file, not a credential. */
export const MAX_CREDENTIAL_BYTES = 64 * 1024;
const VC_CONTEXT_V1 = 'https://www.w3.org/2018/credentials/v1';
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export interface DecodedCredential extends Omit<StoredCredential, 'receivedAt'> {
  /** `header.payload`: what the issuer signed. One credential can have two JWT strings (ES256K
   * signatures are malleable), so identity is the signing input, never the whole JWT. */
  signingInput: string;
}

/**
 * Reads a VC Data Model 1.1 JWT (the JWT encoding of §6.3.1) without verifying anything: the
 * claims a wallet files credentials by. CREDENTIAL_MALFORMED for anything that is not a compact
 * JWS whose payload has a `vc` with the v1 context and the VerifiableCredential type, an `iss`,
 * a subject and a `jti` (the wallet's handle on each credential).
 */
export function decodeCredential(jwt: string): DecodedCredential {
  const malformed = (why: string) => new InputError('CREDENTIAL_MALFORMED', `not a verifiable credential JWT: ${why}`);
  if (typeof jwt !== 'string' || jwt.length === 0) throw malformed('empty');
  if (jwt.length > MAX_CREDENTIAL_BYTES) throw malformed(`${jwt.length} bytes, more than ${MAX_CREDENTIAL_BYTES}`);
  if (!COMPACT_JWS.test(jwt)) throw malformed('not a compact JWS (three base64url parts)');
  let header: Record<string, unknown>;
  let payload: Record<string, unknown>;
  try {
    const decoded = decodeJWT(jwt, false);
    header = decoded.header;
    payload = decoded.payload;
  } catch (error) {
    throw malformed((error as Error).message);
  }
  if (typeof header.alg !== 'string' || header.alg === 'none') throw malformed('unsigned (alg none)');
  const vc = payload.vc;
  if (typeof vc !== 'object' || vc === null || Array.isArray(vc)) throw malformed('no vc claim');
  const { '@context': context, type, credentialSubject } = vc as Record<string, unknown>;
  if (asList(context)[0] !== VC_CONTEXT_V1) throw malformed(`vc.@context must start with ${VC_CONTEXT_V1} (VC Data Model 1.1)`);
  const types = asList(type);
  if (!types.includes('VerifiableCredential') || !types.every((t) => typeof t === 'string' && t.length > 0)) throw malformed('vc.type lacks VerifiableCredential');
  if (typeof payload.iss !== 'string' || !payload.iss.startsWith('did:')) throw malformed('no issuer DID (iss)');
  const subjectId = typeof credentialSubject === 'object' && credentialSubject !== null ? (credentialSubject as Record<string, unknown>).id : undefined;
  if (payload.sub !== undefined && typeof payload.sub !== 'string') throw malformed('sub is not a string');
  if (subjectId !== undefined && typeof subjectId !== 'string') throw malformed('credentialSubject.id is not a string');
  if (payload.sub !== undefined && subjectId !== undefined && payload.sub !== subjectId) throw malformed('sub and credentialSubject.id name different subjects');
  const subject = (payload.sub ?? subjectId) as string | undefined;
  if (!subject) throw malformed('no subject (sub or credentialSubject.id): a wallet only keeps credentials about its holder');
  if (typeof payload.jti !== 'string' || payload.jti.length === 0) throw malformed('no jti');
  for (const claim of ['exp', 'nbf', 'iat'] as const) {
    const value = payload[claim];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) throw malformed(`${claim} is not a NumericDate`);
  }
  const specific = (types as string[]).filter((t) => t !== 'VerifiableCredential');
  return {
    jwt,
    signingInput: jwt.slice(0, jwt.lastIndexOf('.')),
    type: specific.at(-1) ?? 'VerifiableCredential',
    types: types as string[],
    issuer: payload.iss,
    subject,
    jti: payload.jti,
    issuedAt: isoOf((payload.nbf ?? payload.iat) as number | undefined),
    expiresAt: isoOf(payload.exp as number | undefined),
  };
}

function asList(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  return value === undefined ? [] : [value];
}

function isoOf(seconds: number | undefined): string | null {
  if (seconds === undefined) return null;
  const date = new Date(seconds * 1000);
  if (Number.isNaN(date.getTime())) throw new InputError('CREDENTIAL_MALFORMED', 'not a verifiable credential JWT: a time claim is out of range');
  return date.toISOString();
}
