import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { memoryRateLimiter, redisRateLimiter, type RateLimiter } from '../../gateway/limits/rate-limiter.ts';

/** Both stores give the same budgets; Redis shares them across gateways and fails closed. */
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe.each([
  ['memory', () => memoryRateLimiter({ limit: 3, windowMs: 60_000 })],
  ['redis', () => redisRateLimiter(REDIS_URL, { limit: 3, windowMs: 60_000 }, `govshare-test:${randomUUID()}:`)],
] as const)('%s rate limiter', (_name, make) => {
  it('allows the budget per caller, then refuses with a retry time, and keeps callers apart', async () => {
    const limiter: RateLimiter = make();
    try {
      const agency = 'did:ethr:0x539:0xaaaa';
      const taken = [];
      for (let i = 0; i < 4; i++) taken.push(await limiter.take(agency));
      expect(taken.map((d) => d.allowed)).toEqual([true, true, true, false]);
      expect(taken[3]!.retryAfterMs).toBeGreaterThan(0);
      expect(taken[3]!.retryAfterMs).toBeLessThanOrEqual(60_000);
      expect((await limiter.take('did:ethr:0x539:0xbbbb')).allowed).toBe(true);
    } finally {
      await limiter.close();
    }
  });
});

describe('shared budgets', () => {
  it('counts one budget across two gateways on one Redis', async () => {
    const prefix = `govshare-test:${randomUUID()}:`;
    const [a, b] = [redisRateLimiter(REDIS_URL, { limit: 2, windowMs: 60_000 }, prefix), redisRateLimiter(REDIS_URL, { limit: 2, windowMs: 60_000 }, prefix)];
    try {
      expect((await a.take('x')).allowed).toBe(true);
      expect((await b.take('x')).allowed).toBe(true);
      expect((await a.take('x')).allowed).toBe(false);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('opens a new window after the old one ends', async () => {
    let now = 1_000_000;
    const limiter = memoryRateLimiter({ limit: 1, windowMs: 1_000 }, () => now);
    expect((await limiter.take('x')).allowed).toBe(true);
    expect((await limiter.take('x')).allowed).toBe(false);
    now += 1_000;
    expect((await limiter.take('x')).allowed).toBe(true);
  });

  it('refuses (fails closed) when Redis cannot answer', async () => {
    const limiter = redisRateLimiter('redis://127.0.0.1:1', { limit: 100, windowMs: 60_000 });
    try {
      await expect(limiter.take('x')).rejects.toMatchObject({ code: 'RATE_LIMIT_UNAVAILABLE' });
    } finally {
      await limiter.close();
    }
  });
});
