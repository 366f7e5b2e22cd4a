import type { JwtCredentialPayload } from 'did-jwt-vc';
import { STATUS_LIST_V1_CONTEXT, VC_V1_CONTEXT, type BitstringStatusListEntry } from '../status/index.ts';

export interface CredentialPayloadOptions {
  /** The jti (credential-id.ts). */
  id: string;
  /** The credential type after 'VerifiableCredential', e.g. DegreeCredential. */
  type: string;
  /** The subject's DID: `sub`, which stands for credentialSubject.id in the JWT encoding. */
  subject: string;
  /** credentialSubject without `id`. */
  claims: Record<string, unknown>;
  issuedAt: Date;
  expiresAt?: Date;
  /** The credential's two status entries: revocation and suspension. */
  status: readonly BitstringStatusListEntry[];
}

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

/**
 * The JWT claims of a VC Data Model 1.1 credential (§6.3.1 JWT encoding): `sub` is
 * credentialSubject.id, `nbf` the issuance date, `exp` the expiration date, `jti` the id; `iss`
 * is set by the signer. The status list context defines BitstringStatusListEntry
 * (W3C Bitstring Status List v1.0 §2.1).
 */
export function credentialPayload(options: CredentialPayloadOptions): JwtCredentialPayload {
  if (Object.hasOwn(options.claims, 'id')) throw new TypeError('claims must not carry "id": the subject is `sub`');
  const nbf = seconds(options.issuedAt);
  const exp = options.expiresAt === undefined ? undefined : seconds(options.expiresAt);
  if (exp !== undefined && exp <= nbf) throw new RangeError('a credential must expire after it is issued');
  return {
    sub: options.subject,
    jti: options.id,
    nbf,
    ...(exp !== undefined && { exp }),
    vc: {
      '@context': [VC_V1_CONTEXT, STATUS_LIST_V1_CONTEXT],
      type: ['VerifiableCredential', options.type],
      credentialSubject: options.claims,
      // An array of entries, one per purpose (Bitstring Status List v1.0 §2.1 allows several;
      // did-jwt-vc's type only knows a single object).
      credentialStatus: [...options.status] as unknown as JwtCredentialPayload['vc']['credentialStatus'],
    },
  };
}
