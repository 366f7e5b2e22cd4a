import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson, type RouteHandler } from '../../platform/http/server.ts';
import type { DepartmentDirectory } from './department-directory.ts';
import { proxyDepartmentGet } from './proxy-department.ts';

/** A list id or a credential id as departments mint them: no slashes, dots or escapes, so it goes into the department URL as is. */
const SEGMENT = /^[A-Za-z0-9:_-]{1,200}$/;

/**
 * The gateway's public credential documents (DESIGN.md, "Gateway HTTP"), served from the
 * departments that own them:
 * - `GET /status/<department>/<list>` → the department's signed status list credential
 *   (`GET /status/<list>` on its server), the URL credentials carry in `statusListCredential`;
 * - `GET /credentials/<jti>/proof?issuer=<did>` → the anchoring proof of a credential from the
 *   department whose DID issued it;
 * - `GET /departments` → each department's name and DID (null while it has not answered).
 * Verifiers trust neither: both are signed or checked against the ledger.
 */
export function credentialRoutes(directory: DepartmentDirectory): Record<string, RouteHandler> {
  return {
    'GET /status/*': (req, res) => serveStatusList(req, res, directory),
    'GET /credentials/*': (req, res) => serveCredentialProof(req, res, directory),
    // Who issues here: the audience a citizen's signed request to a department must name.
    'GET /departments': async (_req, res) => sendJson(res, 200, { departments: await directory.list() }),
  };
}

async function serveStatusList(req: IncomingMessage, res: ServerResponse, directory: DepartmentDirectory): Promise<void> {
  const [department, list, ...rest] = pathSegments(req, '/status/');
  const base = department === undefined ? undefined : directory.baseUrl(department);
  if (!base || list === undefined || rest.length || !SEGMENT.test(list)) {
    return sendJson(res, 404, { error: { code: 'STATUS_LIST_NOT_FOUND', message: 'expected /status/<department>/<list> with a known department' } });
  }
  return proxyDepartmentGet(req, res, new URL(`status/${list}`, base), { unavailableCode: 'STATUS_LIST_UNAVAILABLE' });
}

async function serveCredentialProof(req: IncomingMessage, res: ServerResponse, directory: DepartmentDirectory): Promise<void> {
  const [jti, proof, ...rest] = pathSegments(req, '/credentials/');
  const issuer = new URL(req.url ?? '/', 'http://localhost').searchParams.get('issuer');
  if (jti === undefined || proof !== 'proof' || rest.length || !SEGMENT.test(jti) || !issuer) {
    return sendJson(res, 400, { error: { code: 'BAD_REQUEST', message: 'expected /credentials/<jti>/proof?issuer=<did>' } });
  }
  const owner = await directory.byDid(issuer);
  // Not one of ours: no department here logged it, which is what UNKNOWN means to a verifier.
  if (!owner) return sendJson(res, 404, { status: 'UNKNOWN' });
  return proxyDepartmentGet(req, res, new URL(`credentials/${jti}/proof`, owner.baseUrl), { unavailableCode: 'PROOF_UNAVAILABLE' });
}

function pathSegments(req: IncomingMessage, prefix: string): string[] {
  const { pathname } = new URL(req.url ?? '/', 'http://localhost');
  try {
    return pathname.slice(prefix.length).split('/').map(decodeURIComponent);
  } catch {
    return [];
  }
}
