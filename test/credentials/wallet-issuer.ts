import { randomBytes, randomUUID } from 'node:crypto';
import { createVerifiableCredentialJwt } from 'did-jwt-vc';
import { computeAddress, SigningKey } from 'ethers';
import { didForAddress } from '../../anchor/ledger/did.ts';
import { nodeES256KSigner } from '../../credentials/sign/es256k-signer.ts';

/**
 * A stand-in department for the wallet tests (issuance is built elsewhere): a random did:ethr
 * key on chain 1337 that signs VC Data Model 1.1 JWTs with did-jwt-vc.
 */
export interface TestIssuer {
  did: string;
  issue(subject: string, options?: { type?: string; jti?: string; nbf?: number; exp?: number; claims?: Record<string, unknown> }): Promise<string>;
}

export function testIssuer(chainId = 1337): TestIssuer {
  const key = randomBytes(32);
  const did = didForAddress(computeAddress(new SigningKey(key).publicKey), chainId);
  const signer = nodeES256KSigner(key);
  return {
    did,
    issue(subject, options = {}) {
      const now = Math.floor(Date.now() / 1000);
      return createVerifiableCredentialJwt(
        {
          sub: subject,
          jti: options.jti ?? `urn:uuid:${randomUUID()}`,
          nbf: options.nbf ?? now,
          ...(options.exp === undefined ? { exp: now + 3600 } : options.exp === 0 ? {} : { exp: options.exp }),
          vc: {
            '@context': ['https://www.w3.org/2018/credentials/v1'],
            type: ['VerifiableCredential', options.type ?? 'DegreeCredential'],
            credentialSubject: { ...(options.claims ?? { degree: 'BSc Physics' }) },
          },
        },
        { did, signer, alg: 'ES256K' },
      );
    },
  };
}
