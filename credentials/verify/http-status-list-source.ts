import { SourceError } from './errors.ts';
import { boundedGet, DEFAULT_HTTP_TIMEOUT_MS, type HttpGetOptions } from './http-get.ts';
import type { FetchedStatusList, StatusListSource } from './trust.ts';

/**
 * Status list credentials over HTTP: GET the entry's `statusListCredential` URL (http or https
 * only, no redirects, timeout, size cap) and expect the list credential as a compact JWT
 * (media type application/vc+jwt or application/jwt; surrounding whitespace allowed). What the
 * answer means is decided by the status check (check-status.ts), which verifies it.
 *
 * `Cache-Control: max-age=N` bounds how long the verifier keeps the list (with the list's own
 * `ttl`); `no-store` / `no-cache` mean not at all.
 */
export const DEFAULT_STATUS_LIST_FETCH_BYTES = 1024 * 1024;

export function httpStatusListSource(options: HttpGetOptions = {}): StatusListSource {
  const maxBytes = options.maxBytes ?? DEFAULT_STATUS_LIST_FETCH_BYTES;
  const timeoutMs = options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
  return {
    async fetchStatusList(url: string): Promise<FetchedStatusList> {
      const answer = await boundedGet(url, { ...options, maxBytes, timeoutMs, accept: 'application/vc+jwt, application/jwt;q=0.9, text/plain;q=0.5' });
      if (answer.status !== 200) throw new SourceError(answer.status >= 500 ? 'SOURCE_UNAVAILABLE' : 'SOURCE_REFUSED', `GET ${url} answered ${answer.status}`);
      const jwt = answer.body.toString('utf8').trim();
      if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(jwt)) throw new SourceError('SOURCE_REFUSED', `GET ${url} did not answer a compact JWT`);
      const maxAgeSeconds = maxAgeOf(answer.headers.get('cache-control'));
      return maxAgeSeconds === undefined ? { jwt } : { jwt, maxAgeSeconds };
    },
  };
}

/** RFC 9111 §5.2.2: no-store / no-cache → 0; max-age=N → N; otherwise undefined. */
export function maxAgeOf(cacheControl: string | null): number | undefined {
  if (!cacheControl) return undefined;
  let maxAge: number | undefined;
  for (const directive of cacheControl.toLowerCase().split(',')) {
    const [name, value] = directive.trim().split('=', 2) as [string, string | undefined];
    if (name === 'no-store' || name === 'no-cache') return 0;
    if (name === 'max-age' && value !== undefined && /^"?\d{1,10}"?$/.test(value)) maxAge = Number(value.replaceAll('"', ''));
  }
  return maxAge;
}
