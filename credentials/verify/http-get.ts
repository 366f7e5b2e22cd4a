import { SourceError } from './errors.ts';

/**
 * One bounded HTTP GET for the verifier's sources: http(s) only, no redirects followed (a
 * credential's URL must be where the answer is; following a redirect lets a server send the
 * verifier anywhere), a timeout, and a body cap enforced while reading (a hostile server cannot
 * make the verifier buffer more than `maxBytes`).
 */
export interface HttpGetOptions {
  /** Default globalThis.fetch. */
  fetch?: typeof fetch;
  timeoutMs?: number;
  maxBytes?: number;
  accept?: string;
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: Buffer;
}

export const DEFAULT_HTTP_TIMEOUT_MS = 5_000;

export async function boundedGet(url: string, options: HttpGetOptions & { maxBytes: number }): Promise<HttpAnswer> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SourceError('SOURCE_URL_INVALID', `not a URL: ${url.slice(0, 120)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new SourceError('SOURCE_URL_INVALID', `only http and https URLs are fetched, not ${parsed.protocol}`);
  const doFetch = options.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await doFetch(parsed, {
      method: 'GET',
      redirect: 'manual',
      headers: options.accept ? { accept: options.accept } : {},
      signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS),
    });
  } catch (error) {
    throw new SourceError('SOURCE_UNAVAILABLE', `GET ${parsed.origin}${parsed.pathname} failed: ${(error as Error)?.message ?? error}`, { cause: error });
  }
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel().catch(() => {});
    throw new SourceError('SOURCE_UNAVAILABLE', `GET ${parsed.origin}${parsed.pathname} answered a redirect (${response.status}); redirects are not followed`);
  }
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > options.maxBytes) {
    await response.body?.cancel().catch(() => {});
    throw new SourceError('SOURCE_TOO_LARGE', `the answer is ${declared} bytes; the limit is ${options.maxBytes}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    if (response.body) {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        size += chunk.byteLength;
        if (size > options.maxBytes) {
          await response.body.cancel().catch(() => {});
          throw new SourceError('SOURCE_TOO_LARGE', `the answer exceeds ${options.maxBytes} bytes`);
        }
        chunks.push(Buffer.from(chunk));
      }
    }
  } catch (error) {
    if (error instanceof SourceError) throw error;
    throw new SourceError('SOURCE_UNAVAILABLE', `reading the answer failed: ${(error as Error)?.message ?? error}`, { cause: error });
  }
  return { status: response.status, headers: response.headers, body: Buffer.concat(chunks) };
}
