import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson, type RouteHandler } from '../../../platform/http/server.ts';
import type { CredentialContext } from './context.ts';
import { credentialProof } from './credential-proof.ts';
import { currentStatusList } from './current-status-list.ts';

/**
 * The department's public credential documents, on its subgraph server (the gateway proxies
 * `/status/<department>/<list>` and `/credentials/<jti>/proof?issuer=<did>` to them):
 *
 * - `GET /status/<list>`: the status list credential (a VC-JWT) the department signed.
 *   `Content-Type: application/jwt` (RFC 7519 §10.3.1): it is a JWT whose claims carry the
 *   credential in `vc` (VC Data Model 1.1 §6.3.1), not the VCDM 2.0 `application/vc+jwt`
 *   form whose payload is the credential itself. `Cache-Control: public, max-age=<ttl>` with
 *   the same ttl the list states (§2.2); a strong ETag of the exact bytes, 304 on a matching
 *   If-None-Match (RFC 9110 §13.1.2). A status change shows on the very next GET.
 * - `GET /credentials/<jti>/proof`: the CredentialProofAnswer (200 anchored or pending,
 *   404 UNKNOWN). An anchored proof never changes (it is against the first checkpoint that
 *   covers the leaf), so it may be cached; a pending answer must not be.
 * - `GET /identity`: `{ department, did, logId }`, how the gateway learns which department
 *   a credential's issuer DID is (503 until the department has its key).
 */
export function credentialRoutes(ctx: CredentialContext, now: () => Date = () => new Date()): Record<string, RouteHandler> {
  return {
    'GET /status/*': (req, res) => serveStatusList(ctx, req, res, now()),
    'GET /credentials/*': (req, res) => serveProof(ctx, req, res),
    'GET /identity': (_req, res) => {
      const issuer = ctx.issuer.current();
      if (!issuer) return sendJson(res, 503, { error: { code: 'ISSUER_UNAVAILABLE', message: 'this department has no signing key yet (waiting for the ledger)' } });
      sendJson(res, 200, { department: ctx.settings.department, did: issuer.did, logId: ctx.settings.department });
    },
  };
}

async function serveStatusList(ctx: CredentialContext, req: IncomingMessage, res: ServerResponse, now: Date): Promise<void> {
  const [listId, ...rest] = segments(req, '/status/');
  if (listId === undefined || rest.length || !/^[a-z0-9-]{1,64}$/.test(listId)) return notFound(res, 'STATUS_LIST_NOT_FOUND', 'no such status list');
  let list;
  try {
    list = await currentStatusList(ctx.db, listId, ctx.issuer.current(), ctx.settings, now);
  } catch (error) {
    if ((error as { code?: string }).code === 'ISSUER_UNAVAILABLE') return sendJson(res, 503, { error: { code: 'ISSUER_UNAVAILABLE', message: (error as Error).message } });
    throw error;
  }
  if (!list) return notFound(res, 'STATUS_LIST_NOT_FOUND', 'no such status list');
  const headers = {
    'cache-control': `public, max-age=${Math.floor(ctx.settings.listTtlMs / 1000)}`,
    etag: list.etag,
  };
  if (matches(req.headers['if-none-match'], list.etag)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-type': 'application/jwt', 'content-length': Buffer.byteLength(list.jwt) });
  res.end(list.jwt);
}

async function serveProof(ctx: CredentialContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const [jti, proof, ...rest] = segments(req, '/credentials/');
  if (jti === undefined || proof !== 'proof' || rest.length || jti.length > 200) {
    return sendJson(res, 400, { error: { code: 'BAD_REQUEST', message: 'expected /credentials/<jti>/proof' } });
  }
  const answer = await credentialProof(ctx.db, jti);
  if (answer.status === 'UNKNOWN') return sendJson(res, 404, answer, { 'cache-control': 'no-store' });
  sendJson(res, 200, answer, { 'cache-control': answer.status === 'ANCHORED' ? 'public, max-age=86400, immutable' : 'no-store' });
}

function segments(req: IncomingMessage, prefix: string): string[] {
  const { pathname } = new URL(req.url ?? '/', 'http://localhost');
  try {
    return pathname.slice(prefix.length).split('/').map(decodeURIComponent);
  } catch {
    return [];
  }
}

/** RFC 9110 §13.1.2: a list of entity tags or "*", weak comparison. */
function matches(header: string | string[] | undefined, etag: string): boolean {
  if (typeof header !== 'string') return false;
  const strip = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim() === '*' || strip(tag) === strip(etag));
}

function notFound(res: ServerResponse, code: string, message: string): void {
  sendJson(res, 404, { error: { code, message } });
}
