import { statusListCredentialPayload, type Bitstring, type StatusPurpose } from '../status/index.ts';
import { signCredential, type CredentialIssuer } from './sign-credential.ts';

export interface SignStatusListOptions {
  issuer: CredentialIssuer;
  listUrl: string;
  purpose: StatusPurpose;
  bitstring: Bitstring;
  validFrom: Date;
  validUntil: Date;
  /** §2.2 ttl, milliseconds: how long a verifier may cache the list. */
  ttlMs: number;
}

/**
 * A BitstringStatusListCredential (W3C Bitstring Status List v1.0 §2.2) as a VC-JWT signed by
 * the department, the issuer of the credentials whose entries point at it (§3.2 has verifiers
 * check that). `validUntil` bounds how long a copy can be replayed by whoever holds it.
 */
export async function signStatusList(options: SignStatusListOptions): Promise<string> {
  const payload = statusListCredentialPayload({
    issuerDid: options.issuer.did,
    listUrl: options.listUrl,
    purpose: options.purpose,
    bitstring: options.bitstring,
    validFrom: options.validFrom,
    validUntil: options.validUntil,
    ttlMs: options.ttlMs,
  });
  return (await signCredential(payload as never, options.issuer)).jwt;
}
