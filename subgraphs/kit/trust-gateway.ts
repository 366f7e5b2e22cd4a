import { identityOf } from '../../credentials/consent/identity-of.ts';
import { GovshareError } from '../../platform/errors.ts';
import type { DidVersionReader } from '../../anchor/ledger/did-version.ts';
import { KeyCache } from '../../credentials/verify/issuer-keys.ts';
import { verifyJwt, type IssuerResolver } from '../../credentials/verify/verify-jwt.ts';
import { SUBGRAPH_TOKEN_TYPE, type DecisionContext, type SubgraphTokenClaims } from '../../gateway/subgraph-client/subgraph-token.ts';

/** A subgraph request without a good gateway token; `reason` is the failed check. */
export class GatewayTokenError extends GovshareError {
  readonly reason: string;
  readonly status: 401 | 503;
  constructor(reason: string, message: string, status: 401 | 503 = 401) {
    super('GATEWAY_TOKEN_INVALID', message, { detail: { reason } });
    this.reason = reason;
    this.status = status;
  }
}

export interface GatewayTrustOptions {
  /** This department: the only audience accepted. */
  department: string;
  /** The gateways this department trusts (their DIDs): the gateway key on this host, or GOVSHARE_GATEWAY_DIDS. */
  gatewayDids: readonly string[];
  resolver: IssuerResolver;
  versions: DidVersionReader;
  /**
   * How long a gateway DID's document version is reused before the registry is asked again.
   * A rotated-out gateway key stops working within this bound; asking per request would put a
   * ledger call on every subgraph fetch.
   */
  versionTtlMs?: number;
  skewSeconds?: number;
  now?: () => Date;
}

/**
 * Subgraphs trust only the gateway (DESIGN.md "Trust model"): every request carries a token
 * signed by a trusted gateway's DID key (its `authentication` keys, at the document's current
 * version), for this department, unexpired, bound to the request id the gateway sent along.
 * Returns the decision context the gateway signed; throws GatewayTokenError otherwise.
 */
export function createGatewayTrust(options: GatewayTrustOptions) {
  // Compared as identities: a gateway DID configured with a checksummed address is the same gateway.
  const trusted = new Set(options.gatewayDids.map(identityOf));
  const keyCache = new KeyCache({ maxEntries: 64 });
  const versionTtl = options.versionTtlMs ?? 5_000;
  const versions = new Map<string, { versionId: number; until: number }>();
  const now = options.now ?? (() => new Date());

  const versionOf = async (did: string): Promise<number> => {
    const cached = versions.get(did);
    const at = Date.now();
    if (cached && cached.until > at) return cached.versionId;
    try {
      const versionId = await options.versions.currentVersion(did);
      versions.set(did, { versionId, until: at + versionTtl });
      return versionId;
    } catch (error) {
      throw new GatewayTokenError('RESOLUTION_UNAVAILABLE', `cannot read the gateway's DID from the ledger: ${(error as Error).message}`, 503);
    }
  };

  return async function verifyGatewayToken(token: string | undefined, requestId: string | undefined): Promise<DecisionContext> {
    if (!token) throw new GatewayTokenError('MISSING', 'this department answers only the gateway: the request has no gateway token');
    let claims: Partial<SubgraphTokenClaims>;
    try {
      const [header, payload] = token.split('.');
      if (JSON.parse(Buffer.from(header ?? '', 'base64url').toString('utf8')).typ !== SUBGRAPH_TOKEN_TYPE) throw new Error('typ');
      claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as Partial<SubgraphTokenClaims>;
    } catch {
      throw new GatewayTokenError('MALFORMED', 'the gateway token is not a govshare subgraph token');
    }
    if (typeof claims.iss !== 'string' || !trusted.has(identityOf(claims.iss))) throw new GatewayTokenError('ISSUER_NOT_TRUSTED', `the token is not from a gateway this department trusts (${String(claims.iss).slice(0, 80)})`);
    const report = await verifyJwt(token, {
      resolver: options.resolver,
      versionId: await versionOf(claims.iss),
      keyCache,
      now: now(),
      relationship: 'authentication',
      algorithms: ['ES256K'],
      ...(options.skewSeconds !== undefined && { skewSeconds: options.skewSeconds }),
    });
    const failed = report.checks.find((c) => !c.ok);
    if (failed) throw new GatewayTokenError(failed.code ?? 'SIGNATURE_INVALID', failed.detail ?? 'the gateway token did not verify', failed.code === 'RESOLUTION_UNAVAILABLE' ? 503 : 401);
    if (claims.aud !== options.department) throw new GatewayTokenError('AUDIENCE_MISMATCH', `the token is for ${String(claims.aud)}, not ${options.department}`);
    if (typeof claims.exp !== 'number') throw new GatewayTokenError('MALFORMED', 'the token has no exp');
    if (!requestId || claims.rid !== requestId) throw new GatewayTokenError('REQUEST_MISMATCH', 'the token was issued for another request');
    if (!isDecisionContext(claims.ctx)) throw new GatewayTokenError('MALFORMED', 'the token carries no decision context');
    return claims.ctx;
  };
}

export type GatewayTrust = ReturnType<typeof createGatewayTrust>;

function isDecisionContext(value: unknown): value is DecisionContext {
  const ctx = value as Partial<DecisionContext> | undefined;
  return (
    !!ctx &&
    (ctx.agency === null || typeof ctx.agency === 'string') &&
    (ctx.purpose === null || typeof ctx.purpose === 'string') &&
    Array.isArray(ctx.agreements) && ctx.agreements.every((a) => Number.isSafeInteger(a)) &&
    Array.isArray(ctx.consentCategories) && ctx.consentCategories.every((c) => typeof c === 'string') &&
    typeof ctx.decision === 'string'
  );
}
