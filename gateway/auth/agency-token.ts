import { randomBytes } from 'node:crypto';
import { createJWT } from 'did-jwt';
import { nodeES256KSigner } from '../../credentials/sign/es256k-signer.ts';

/**
 * A bearer token as an agency makes it (DESIGN.md, "Agency authentication"):
 * signed with the agency's DID key, for the gateway's DID, short-lived, with
 * a random single-use jti and the declared purpose.
 */
export async function createAgencyToken(options: {
  agencyDid: string;
  privateKey: string;
  gatewayDid: string;
  purpose: string;
  lifetimeSeconds?: number;
  now?: Date;
}): Promise<string> {
  const iat = Math.floor((options.now ?? new Date()).getTime() / 1000);
  return createJWT(
    { aud: options.gatewayDid, iat, exp: iat + (options.lifetimeSeconds ?? 120), jti: randomBytes(16).toString('base64url'), purpose: options.purpose },
    { issuer: options.agencyDid, signer: nodeES256KSigner(options.privateKey), alg: 'ES256K' },
    { alg: 'ES256K', typ: 'JWT' },
  );
}
