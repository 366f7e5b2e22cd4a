import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import type { Logger } from '../log.ts';
import { BodyTooLargeError, readBody } from './body.ts';

export const REQUEST_ID_HEADER = 'x-request-id';
const REQUEST_ID = /^[\w.:-]{1,128}$/;

export interface RequestInfo {
  requestId: string;
  req: IncomingMessage;
  /** For /graphql: the request as parsed (JSON body of a POST, undefined for GET), e.g. for audit hashes. */
  graphqlBody?: unknown;
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, info: RequestInfo) => Promise<void> | void;

export interface HttpServerOptions<Context extends BaseContext> {
  host?: string;
  port: number;
  logger: Logger;
  /** The GraphQL server answering POST/GET at `/graphql`. */
  graphql: ApolloServer<Context>;
  context: (info: RequestInfo) => Promise<Context>;
  /**
   * Extra routes keyed by "METHOD /path" (e.g. "GET /health"), or by a prefix ending in "/*"
   * ("GET /status/*" answers GET /status/anything; the longest matching prefix wins).
   */
  routes?: Record<string, RouteHandler>;
  bodyLimit?: number;
  /** Called after every request, for metrics. */
  onResponse?: (event: { route: string; status: number; seconds: number; requestId: string }) => void;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * A lean node:http front for an ApolloServer: no framework (Express costs about
 * 2x CPU per request here), bounded bodies, a request id on every request and
 * one JSON log line per request.
 */
export async function startHttpServer<Context extends BaseContext>(options: HttpServerOptions<Context>): Promise<RunningServer> {
  const { graphql, logger } = options;
  const bodyLimit = options.bodyLimit ?? 1024 * 1024;
  const routes = options.routes ?? {};
  const prefixes = Object.keys(routes)
    .filter((key) => key.endsWith('/*'))
    .sort((a, b) => b.length - a.length);
  const prefixRoute = (routeKey: string) => {
    const key = prefixes.find((prefix) => routeKey.startsWith(prefix.slice(0, -1)) && routeKey.length > prefix.length - 1);
    return key ? { key, handler: routes[key]! } : undefined;
  };

  const server = http.createServer((req, res) => {
    const started = process.hrtime.bigint();
    const incoming = req.headers[REQUEST_ID_HEADER];
    const requestId = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader(REQUEST_ID_HEADER, requestId);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const routeKey = `${req.method} ${url.pathname}`;
    const info: RequestInfo = { requestId, req };
    const matched = routes[routeKey] ? { key: routeKey, handler: routes[routeKey] } : prefixRoute(routeKey);
    // Metrics label: the route's own pattern, so /status/<id> does not mint one series per id.
    let route = url.pathname === '/graphql' ? '/graphql' : matched ? matched.key.slice(matched.key.indexOf(' ') + 1) : 'unknown';

    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      options.onResponse?.({ route, status: res.statusCode, seconds, requestId });
      logger.info({ requestId, method: req.method, path: url.pathname, status: res.statusCode, ms: Math.round(seconds * 1e4) / 10 }, 'request');
    });

    const handle = async () => {
      if (url.pathname === '/graphql') return serveGraphQL(req, res, url, info);
      if (matched) return matched.handler(req, res, info);
      route = 'unknown';
      sendJson(res, 404, { error: { code: 'NOT_FOUND', message: `no route ${req.method} ${url.pathname}` } });
    };
    handle().catch((error: unknown) => {
      logger.error({ requestId, err: error }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { error: { code: 'INTERNAL_SERVER_ERROR', message: 'internal error' } });
      else res.destroy();
    });
  });

  async function serveGraphQL(req: IncomingMessage, res: ServerResponse, url: URL, info: RequestInfo): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'POST') {
      res.setHeader('allow', 'GET, POST');
      return sendJson(res, 405, { errors: [{ message: 'use GET or POST', extensions: { code: 'METHOD_NOT_ALLOWED' } }] });
    }
    let body: unknown;
    if (req.method === 'POST') {
      let raw: Buffer;
      try {
        raw = await readBody(req, bodyLimit);
      } catch (error) {
        if (error instanceof BodyTooLargeError) {
          res.setHeader('connection', 'close');
          return sendJson(res, 413, { errors: [{ message: error.message, extensions: { code: error.code } }] });
        }
        throw error;
      }
      const type = req.headers['content-type'] ?? '';
      if (/^application\/(graphql-response\+)?json\b/i.test(type) || /\+json\b/i.test(type)) {
        try {
          body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
        } catch {
          return sendJson(res, 400, { errors: [{ message: 'request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] });
        }
      } else {
        // Apollo's CSRF prevention refuses non-JSON content types with a clear message.
        body = raw.toString('utf8');
      }
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const response = await graphql.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method, headers, search: url.search, body },
      context: () => options.context(body === undefined ? info : { ...info, graphqlBody: body }),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }

  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 2_000).unref();
      }),
  };
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}
