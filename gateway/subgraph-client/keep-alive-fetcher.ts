import http from 'node:http';
import https from 'node:https';

/**
 * The gateway's HTTP client for subgraph fetches: node:http with keep-alive
 * sockets and nothing else. `@apollo/gateway`'s default (make-fetch-happen)
 * adds caching, retries and a Request object per call; measured here it is
 * the gateway's main cost (DESIGN.md), and none of it is wanted between the
 * gateway and its own subgraphs. `npm run bench` compares both.
 *
 * It implements the subset of the Fetch API that RemoteGraphQLDataSource uses.
 */
export interface LeanResponse {
  ok: boolean;
  status: number;
  statusText: string;
  url: string;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
  json(): Promise<unknown>;
}

export interface LeanRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface KeepAliveFetcherOptions {
  /** Sockets kept per subgraph host; enough for the gateway's concurrency. */
  maxSockets?: number;
  /** A subgraph that sends nothing for this long fails the fetch. */
  timeoutMs?: number;
  /** Largest subgraph response accepted. */
  maxResponseBytes?: number;
}

export class SubgraphFetchError extends Error {
  readonly code: string;
  constructor(code: string, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'SubgraphFetchError';
    this.code = code;
  }
}

export function createKeepAliveFetcher(options: KeepAliveFetcherOptions = {}) {
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 64, maxFreeSockets: 64, scheduling: 'lifo' as const };
  const httpAgent = new http.Agent(agentOptions);
  const httpsAgent = new https.Agent(agentOptions);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxBytes = options.maxResponseBytes ?? 32 * 1024 * 1024;

  function fetch(url: string, init: LeanRequestInit = {}): Promise<LeanResponse> {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    const body = init.body === undefined ? undefined : Buffer.from(init.body);
    const headers: Record<string, string | number> = { ...init.headers };
    if (body) headers['content-length'] = body.length;
    return new Promise((resolve, reject) => {
      const request = (secure ? https : http).request(
        target,
        { method: init.method ?? 'GET', headers, agent: secure ? httpsAgent : httpAgent, timeout: timeoutMs },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBytes) {
              response.destroy(new SubgraphFetchError('SUBGRAPH_RESPONSE_TOO_LARGE', `subgraph response exceeds ${maxBytes} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          response.on('error', reject);
          response.on('end', () => {
            const text = Buffer.concat(chunks, size).toString('utf8');
            const status = response.statusCode ?? 0;
            resolve({
              ok: status >= 200 && status < 300,
              status,
              statusText: response.statusMessage ?? '',
              url,
              headers: { get: (name) => headerValue(response.headers[name.toLowerCase()]) },
              text: async () => text,
              json: async () => JSON.parse(text),
            });
          });
        },
      );
      request.on('timeout', () => request.destroy(new SubgraphFetchError('SUBGRAPH_TIMEOUT', `no answer within ${timeoutMs} ms`)));
      request.on('error', (error) => reject(error instanceof SubgraphFetchError ? error : new SubgraphFetchError('SUBGRAPH_UNREACHABLE', error.message, error)));
      request.end(body);
    });
  }

  return Object.assign(fetch, {
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  });
}

export type KeepAliveFetcher = ReturnType<typeof createKeepAliveFetcher>;

function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(', ') : value;
}
