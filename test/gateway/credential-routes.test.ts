import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialRoutes } from '../../gateway/credentials/credential-routes.ts';
import { createDepartmentDirectory } from '../../gateway/credentials/department-directory.ts';
import type { RouteHandler } from '../../platform/http/server.ts';

/**
 * The gateway's credential documents are the departments' own, passed through: a fake
 * department answers /identity, /status/<list> and /credentials/<jti>/proof, and the routes
 * must forward exactly the right path, keep caching headers and 304s, and refuse bad paths.
 */
const listens = (server: Server) =>
  new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));

let department: Server;
let gateway: Server;
let gatewayUrl: string;
const seen: string[] = [];

beforeAll(async () => {
  department = http.createServer((req, res) => {
    seen.push(req.url!);
    if (req.url === '/identity') return res.end(JSON.stringify({ department: 'education', did: 'did:ethr:0x539:0xabc', logId: 'education' }));
    if (req.url === '/status/revocation-1') {
      if (req.headers['if-none-match'] === '"v7"') return res.writeHead(304, { etag: '"v7"' }).end();
      return res.writeHead(200, { 'content-type': 'application/jwt', 'cache-control': 'public, max-age=30', etag: '"v7"', 'x-internal': 'no' }).end('eyJ.list.jwt');
    }
    if (req.url === '/credentials/urn:govshare:vc:abc/proof') return res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"PENDING_ANCHOR"}');
    res.writeHead(404).end();
  });
  const departmentUrl = await listens(department);
  // education is served; finance points at a closed port (down).
  const directory = createDepartmentDirectory({ education: `${departmentUrl}/graphql`, finance: 'http://127.0.0.1:9/graphql', justice: 'http://127.0.0.1:9/graphql' }, { refreshMs: 0 });
  const routes = credentialRoutes(directory);
  gateway = http.createServer((req, res) => {
    const key = Object.keys(routes).find((k) => `${req.method} ${req.url}`.startsWith(k.slice(0, -1)));
    void (routes[key!] as RouteHandler)(req, res, { requestId: 'test', req });
  });
  gatewayUrl = await listens(gateway);
});

afterAll(() => {
  gateway.close();
  department.close();
});

describe('GET /status/<department>/<list>', () => {
  it('passes the signed list and its caching headers through, and nothing else', async () => {
    const response = await fetch(`${gatewayUrl}/status/education/revocation-1`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('eyJ.list.jwt');
    expect(response.headers.get('cache-control')).toBe('public, max-age=30');
    expect(response.headers.get('etag')).toBe('"v7"');
    expect(response.headers.get('content-type')).toBe('application/jwt');
    expect(response.headers.get('x-internal')).toBeNull();
    expect(seen).toContain('/status/revocation-1');
  });

  it('answers 304 to a matching If-None-Match', async () => {
    const response = await fetch(`${gatewayUrl}/status/education/revocation-1`, { headers: { 'if-none-match': '"v7"' } });
    expect(response.status).toBe(304);
  });

  it.each([
    ['an unknown department', '/status/health/revocation-1'],
    ['a path escape', '/status/education/..%2Fidentity'],
    ['a missing list', '/status/education'],
    ['extra segments', '/status/education/a/b'],
  ])('refuses %s with STATUS_LIST_NOT_FOUND', async (_name, path) => {
    const response = await fetch(`${gatewayUrl}${path}`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('STATUS_LIST_NOT_FOUND');
  });

  it('answers 502 STATUS_LIST_UNAVAILABLE when the department is down', async () => {
    const response = await fetch(`${gatewayUrl}/status/finance/revocation-1`);
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('STATUS_LIST_UNAVAILABLE');
  });
});

describe('GET /credentials/<jti>/proof?issuer=<did>', () => {
  it('asks the department whose DID issued it', async () => {
    const response = await fetch(`${gatewayUrl}/credentials/urn:govshare:vc:abc/proof?issuer=${encodeURIComponent('did:ethr:0x539:0xabc')}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'PENDING_ANCHOR' });
  });

  it('answers UNKNOWN for an issuer that is no department here', async () => {
    const response = await fetch(`${gatewayUrl}/credentials/urn:govshare:vc:abc/proof?issuer=did:ethr:0x539:0xdef`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ status: 'UNKNOWN' });
  });

  it('refuses a request without an issuer', async () => {
    const response = await fetch(`${gatewayUrl}/credentials/urn:govshare:vc:abc/proof`);
    expect(response.status).toBe(400);
  });
});
