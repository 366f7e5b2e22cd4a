import { createClient } from 'redis';
import { GovshareError } from '../../platform/errors.ts';
import { withTimeout } from '../../platform/with-timeout.ts';

/**
 * Per-caller request budgets (issue 6, hardening): at most `limit` requests per `windowMs`
 * for each agency DID (anonymous callers share one budget per address). In memory for one
 * gateway; in Redis when several gateways share the load (REDIS_URL), where one INCR per request
 * counts across all of them. Fixed windows: simple, one key per caller and window, and at
 * worst twice the budget across a window boundary, which is what a budget needs to stop floods.
 * When Redis cannot answer, requests are refused (RATE_LIMIT_UNAVAILABLE), never waved through.
 */
export interface RateLimitOptions {
  limit: number;
  windowMs: number;
}

export interface RateDecision {
  allowed: boolean;
  remaining: number;
  /** When the caller may try again (refusals), in ms. */
  retryAfterMs: number;
}

export interface RateLimiter {
  take(key: string): Promise<RateDecision>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = { limit: 1_200, windowMs: 60_000 };

export class RateLimitUnavailable extends GovshareError {
  constructor(cause: unknown) {
    super('RATE_LIMIT_UNAVAILABLE', 'the request budget store (Redis) cannot answer; requests are refused until it does', { cause });
  }
}

export function memoryRateLimiter(options: RateLimitOptions = DEFAULT_RATE_LIMIT, now: () => number = Date.now): RateLimiter {
  const windows = new Map<string, { window: number; count: number }>();
  return {
    async take(key) {
      const at = now();
      const window = Math.floor(at / options.windowMs);
      let entry = windows.get(key);
      if (!entry || entry.window !== window) {
        // Each caller keeps one entry; a new window replaces it, so memory is bounded by callers.
        if (windows.size > 100_000) for (const [k, e] of windows) if (e.window !== window) windows.delete(k);
        entry = { window, count: 0 };
        windows.set(key, entry);
      }
      entry.count += 1;
      return decision(entry.count, options, window, at);
    },
    async ping() {},
    async close() {
      windows.clear();
    },
  };
}

export function redisRateLimiter(url: string, options: RateLimitOptions = DEFAULT_RATE_LIMIT, prefix = 'govshare:rate:'): RateLimiter {
  const client = createClient({ url, socket: { connectTimeout: 2_000, reconnectStrategy: (retries) => Math.min(retries * 200, 2_000) } });
  client.on('error', () => {});
  client.connect().catch(() => {});
  return {
    async take(key) {
      const at = Date.now();
      const window = Math.floor(at / options.windowMs);
      const redisKey = `${prefix}${key}:${window}`;
      try {
        const [count] = (await withTimeout(client.multi().incr(redisKey).pExpire(redisKey, options.windowMs * 2).exec(), 2_000)) as unknown as [number];
        return decision(Number(count), options, window, at);
      } catch (error) {
        throw new RateLimitUnavailable(error);
      }
    },
    async ping() {
      await withTimeout(client.ping(), 1_000);
    },
    async close() {
      if (client.isReady) await withTimeout(client.quit(), 1_000).catch(() => client.destroy());
      else client.destroy();
    },
  };
}

function decision(count: number, options: RateLimitOptions, window: number, at: number): RateDecision {
  const allowed = count <= options.limit;
  return { allowed, remaining: Math.max(0, options.limit - count), retryAfterMs: allowed ? 0 : (window + 1) * options.windowMs - at };
}
