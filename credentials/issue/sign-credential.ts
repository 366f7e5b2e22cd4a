import { createVerifiableCredentialJwt, type JwtCredentialPayload } from 'did-jwt-vc';
import { nodeES256KSigner } from '../sign/es256k-signer.ts';
import { credentialDigest } from './credential-digest.ts';

/** Who signs: a department's DID and the key its DID document lists under assertionMethod. */
export interface CredentialIssuer {
  did: string;
  privateKey: string | Uint8Array;
}

export interface SignedCredential {
  jwt: string;
  /** SHA-256 of the signing input (credential-digest.ts): the leaf to anchor. */
  digest: Buffer;
}

/**
 * Signs a VC-JWT (or a status list credential, which is one too) with did-jwt-vc, which checks
 * the VC Data Model 1.1 minimum (context, type, non-empty subject) and sets `iss`. ES256K on
 * node's crypto, low-S (credentials/sign/es256k-signer.ts).
 */
export async function signCredential(payload: JwtCredentialPayload, issuer: CredentialIssuer): Promise<SignedCredential> {
  const jwt = await createVerifiableCredentialJwt(payload, { did: issuer.did, signer: nodeES256KSigner(issuer.privateKey), alg: 'ES256K' });
  return { jwt, digest: credentialDigest(jwt) };
}
