import { randomBytes, type KeyObject } from 'node:crypto';
import { es256kPrivateKeyObject } from '../../credentials/sign/es256k-signer.ts';
import { es256k } from '../../credentials/verify/es256k.ts';

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
 * id and the decision. Signed natively (es256k.ts: one libsecp256k1 or OpenSSL signature, no
 * JSON re-parsing), because it runs for every subgraph fetch; one token per (request,
 * department) is enough, since entity fetches of one request to one department share it.
 *
 * The signer itself signs on the calling thread; `inBackground` is what the gateway uses: under
 * OpenSSL (0.28 ms a signature here) it signs on libuv's thread pool, since on the event loop
 * those signatures were the gateway's largest single cost and serialised requests that could use
 * another core; libsecp256k1 (0.03 ms) signs at once.
 */
export function createSubgraphTokenSigner(options: { gatewayDid: string; privateKey: string | KeyObject; lifetimeSeconds?: number; now?: () => number }) {
  const key = typeof options.privateKey === 'string' ? es256kPrivateKeyObject(options.privateKey) : options.privateKey;
  const header = Buffer.from(JSON.stringify({ alg: 'ES256K', typ: SUBGRAPH_TOKEN_TYPE })).toString('base64url');
  const lifetime = options.lifetimeSeconds ?? 60;
  const now = options.now ?? Date.now;
  const signingInput = (audience: string, requestId: string, context: DecisionContext): string => {
    const iat = Math.floor(now() / 1000);
    const claims: SubgraphTokenClaims = { iss: options.gatewayDid, aud: audience, rid: requestId, ctx: context, iat, exp: iat + lifetime, jti: randomBytes(12).toString('base64url') };
    return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  };
  const signNow = (audience: string, requestId: string, context: DecisionContext): string => {
    const input = signingInput(audience, requestId, context);
    return `${input}.${es256k.sign(Buffer.from(input, 'latin1'), key).toString('base64url')}`;
  };
  const inBackground = async (audience: string, requestId: string, context: DecisionContext): Promise<string> => {
    const input = signingInput(audience, requestId, context);
    return `${input}.${(await es256k.signInBackground(Buffer.from(input, 'latin1'), key)).toString('base64url')}`;
  };
  return Object.assign(signNow, { inBackground });
}

export type SubgraphTokenSigner = ReturnType<typeof createSubgraphTokenSigner>;
