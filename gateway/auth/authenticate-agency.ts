import { verifyJwt, type IssuerResolver } from '../../credentials/verify/verify-jwt.ts';
import { KeyCache } from '../../credentials/verify/issuer-keys.ts';
import { GovshareError } from '../../platform/errors.ts';
import type { DidVersionReader } from '../../anchor/ledger/did-version.ts';
import type { ReplayGuard } from './replay-guard.ts';

/** Who is asking, once their bearer token checked out. */
export interface AgencyIdentity {
  did: string;
  /** The purpose code the agency declared for this request (checked against agreements by policy). */
  purpose: string;
  jti: string;
}

/** A refused token; `reason` is the stable code of the failed check. */
export class AuthenticationError extends GovshareError {
  readonly reason: string;
  readonly status: 401 | 503;
  constructor(reason: string, message: string, status: 401 | 503 = 401) {
    super('UNAUTHENTICATED', message, { detail: { reason } });
    this.reason = reason;
    this.status = status;
  }
}

export interface AgencyAuthenticatorOptions {
  /** The gateway's own DID: the only accepted audience. */
  gatewayDid: string;
  resolver: IssuerResolver;
  versions: DidVersionReader;
  replay: ReplayGuard;
  now?: () => Date;
  /**
   * How long an agency DID's document version (one registry read) is reused. A key rotation
   * counts for this gateway within this bound; reading the registry on every request would make
   * the ledger node the gateway's bottleneck (one eth_call per request). Default 1,000 ms; 0
   * reads it every time.
   */
  versionTtlMs?: number;
  /** DESIGN.md: exp at most 5 minutes after iat. */
  maxLifetimeSeconds?: number;
  skewSeconds?: number;
}

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/;
const PURPOSE = /^[a-z][a-z0-9-]{1,63}$/;

/**
 * Agency authentication (DESIGN.md, "Agency authentication"): a JWT in
 * `Authorization: Bearer`, signed by the agency's did:ethr key as its DID
 * document lists it for `authentication` at the document's current version,
 * `aud` = the gateway's DID, `iat` and `exp` at most five minutes apart, a
 * single-use `jti` and a `purpose`. No header: anonymous (undefined). Any
 * other problem: AuthenticationError with the failed check's code.
 *
 * Keys are cached per (DID, version) and the version is one registry call, so
 * a rotation counts from the next request and a steady agency costs one
 * eth_call plus one native signature check per request.
 */
export function createAgencyAuthenticator(options: AgencyAuthenticatorOptions) {
  const keyCache = new KeyCache({ maxEntries: 10_000 });
  const maxLifetime = options.maxLifetimeSeconds ?? 300;
  const now = options.now ?? (() => new Date());
  const versionTtl = options.versionTtlMs ?? 1_000;
  // Concurrent requests of one agency share one registry read; answers live versionTtl ms.
  const versions = new Map<string, { at: number; version: Promise<number> }>();
  const currentVersion = (did: string): Promise<number> => {
    const at = Date.now();
    const cached = versions.get(did);
    if (cached && at - cached.at < versionTtl) return cached.version;
    const version = options.versions.currentVersion(did);
    if (versionTtl > 0) {
      if (versions.size >= 10_000) versions.delete(versions.keys().next().value!);
      versions.set(did, { at, version });
      version.catch(() => versions.delete(did));
    }
    return version;
  };

  return async function authenticate(authorization: string | undefined): Promise<AgencyIdentity | undefined> {
    if (authorization === undefined || authorization === '') return undefined;
    const token = BEARER.exec(authorization)?.[1];
    if (!token) throw new AuthenticationError('MALFORMED', 'Authorization must be "Bearer <JWT>"');

    let issuer: string | undefined;
    try {
      issuer = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')).iss;
    } catch {
      throw new AuthenticationError('MALFORMED', 'the token payload is not JSON');
    }
    if (typeof issuer !== 'string' || !issuer.startsWith('did:ethr:')) throw new AuthenticationError('ISSUER_INVALID', 'iss must be the agency\'s did:ethr');
    let versionId: number;
    try {
      versionId = await currentVersion(issuer);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'DID_INVALID') throw new AuthenticationError('ISSUER_INVALID', (error as Error).message);
      throw new AuthenticationError('RESOLUTION_UNAVAILABLE', 'the ledger cannot be reached to check the agency\'s keys', 503);
    }

    const report = await verifyJwt(token, {
      resolver: options.resolver,
      // Resolved AS OF the last change (0: never changed), so the document is cached per version.
      versionId,
      keyCache,
      now: now(),
      relationship: 'authentication',
      // Every request carries a token: its curve arithmetic runs beside the gateway's event loop.
      signatureOffThread: true,
      ...(options.skewSeconds !== undefined && { skewSeconds: options.skewSeconds }),
    });
    const failed = report.checks.find((c) => !c.ok);
    if (failed || !report.jws) {
      const reason = failed?.code ?? 'MALFORMED';
      throw new AuthenticationError(reason, failed?.detail ?? 'the token did not verify', reason === 'RESOLUTION_UNAVAILABLE' ? 503 : 401);
    }

    const { aud, iat, exp, jti, purpose } = report.jws.payload;
    const audiences = Array.isArray(aud) ? aud : [aud];
    if (!audiences.includes(options.gatewayDid)) throw new AuthenticationError('AUDIENCE_MISMATCH', `aud must be the gateway's DID ${options.gatewayDid}`);
    if (typeof iat !== 'number' || typeof exp !== 'number') throw new AuthenticationError('MALFORMED', 'iat and exp are required');
    if (exp - iat > maxLifetime) throw new AuthenticationError('LIFETIME_TOO_LONG', `exp may be at most ${maxLifetime} s after iat`);
    if (typeof jti !== 'string' || jti.length < 16 || jti.length > 128) throw new AuthenticationError('MALFORMED', 'jti must be a random id of 16 to 128 characters');
    if (typeof purpose !== 'string' || !PURPOSE.test(purpose)) throw new AuthenticationError('PURPOSE_MISSING', 'purpose must be a purpose code (e.g. "benefit-eligibility")');
    const first = await options.replay.claim(`${issuer}|${jti}`, exp * 1000).catch((error: unknown) => {
      throw new AuthenticationError('REPLAY_CHECK_UNAVAILABLE', (error as Error).message, 503);
    });
    if (!first) throw new AuthenticationError('NONCE_REPLAYED', 'this token was already used (jti is single-use)');
    return { did: issuer, purpose, jti };
  };
}

export type AgencyAuthenticator = ReturnType<typeof createAgencyAuthenticator>;
