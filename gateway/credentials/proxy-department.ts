import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../../platform/http/server.ts';

/** Response headers a department's public document carries through the gateway unchanged. */
const PASSED_HEADERS = ['content-type', 'cache-control', 'etag', 'last-modified'] as const;
const MAX_BYTES = 8 * 1024 * 1024;

/**
 * Forwards one GET to a department's server and its answer back, conditional requests
 * included (If-None-Match → 304), so clients and caches in front of the gateway see the
 * department's own caching headers. A department that is down or too slow is 502 with a code,
 * never a hung request.
 */
export async function proxyDepartmentGet(req: IncomingMessage, res: ServerResponse, target: URL, options: { timeoutMs?: number; unavailableCode: string }): Promise<void> {
  const headers: Record<string, string> = { accept: String(req.headers.accept ?? '*/*') };
  const conditional = req.headers['if-none-match'];
  if (typeof conditional === 'string') headers['if-none-match'] = conditional;
  let response: Response;
  let body: Buffer;
  try {
    response = await fetch(target, { headers, signal: AbortSignal.timeout(options.timeoutMs ?? 5_000), redirect: 'error' });
    body = Buffer.from(await response.arrayBuffer());
    if (body.length > MAX_BYTES) throw new Error(`answer larger than ${MAX_BYTES} bytes`);
  } catch (error) {
    return sendJson(res, 502, { error: { code: options.unavailableCode, message: `the department did not answer: ${(error as Error).message}` } });
  }
  const out: Record<string, string | number> = { 'content-length': body.length };
  for (const name of PASSED_HEADERS) {
    const value = response.headers.get(name);
    if (value !== null) out[name] = value;
  }
  res.writeHead(response.status, out);
  res.end(response.status === 304 ? undefined : body);
}
