import { randomBytes, sign, type KeyObject } from 'node:crypto';
import { es256kPrivateKeyObject, lowS } from '../../credentials/sign/es256k-signer.ts';

/**
 * What the gateway decided for a request, as the subgraph needs it (DESIGN.md "Trust model"):
 * which agency asks, for which purpose, under which agreements, and which categories it may
 * only read for citizens whose consent the department holds. The subgraph releases
 * consent-bound fields per citizen from this, so data without consent is never fetched.
 */
export interface DecisionContext {
  /** The agency's DID; null for an anonymous caller. */
  agency: string | null;
  purpose: string | null;
  /** Ids of the SharingAgreements the decision relies on. */
  agreements: number[];
  /** Categories granted only under each citizen's consent. */
  consentCategories: string[];
  /** Stable hash of the whole decision (the plan cache key's decision part). */
  decision: string;
}

/** The header that carries the token on every subgraph request. */
export const SUBGRAPH_TOKEN_HEADER = 'x-govshare-gateway-token';
export const SUBGRAPH_TOKEN_TYPE = 'govshare-subgraph+jwt';

export interface SubgraphTokenClaims {
  iss: string;
  /** The department the request is for: a token for education is refused by finance. */
  aud: string;
  /** The gateway's request id; the subgraph checks it against the x-request-id header. */
  rid: string;
  ctx: DecisionContext;
  iat: number;
  exp: number;
  jti: string;
}

/**
 * Signs the short-lived token that lets a subgraph trust a request came from the gateway:
 * ES256K (RFC 8812) by the gateway's DID key, audience the department, bound to the request
 * id and the decision. Signed natively (one OpenSSL signature, no JSON re-parsing), because it
 * runs for every subgraph fetch; one token per (request, department) is enough, since entity
 * fetches of one request to one department share it.
 */
export function createSubgraphTokenSigner(options: { gatewayDid: string; privateKey: string | KeyObject; lifetimeSeconds?: number; now?: () => number }) {
  const key = typeof options.privateKey === 'string' ? es256kPrivateKeyObject(options.privateKey) : options.privateKey;
  const header = Buffer.from(JSON.stringify({ alg: 'ES256K', typ: SUBGRAPH_TOKEN_TYPE })).toString('base64url');
  const lifetime = options.lifetimeSeconds ?? 60;
  const now = options.now ?? Date.now;
  return (audience: string, requestId: string, context: DecisionContext): string => {
    const iat = Math.floor(now() / 1000);
    const claims: SubgraphTokenClaims = { iss: options.gatewayDid, aud: audience, rid: requestId, ctx: context, iat, exp: iat + lifetime, jti: randomBytes(12).toString('base64url') };
    const signingInput = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    const signature = lowS(sign('sha256', Buffer.from(signingInput, 'latin1'), { key, dsaEncoding: 'ieee-p1363' }));
    return `${signingInput}.${signature.toString('base64url')}`;
  };
}

export type SubgraphTokenSigner = ReturnType<typeof createSubgraphTokenSigner>;
