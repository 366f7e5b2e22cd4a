import { createClient } from 'redis';
import { GovshareError } from '../../platform/errors.ts';
import { withTimeout } from '../../platform/with-timeout.ts';

/**
 * Single use of a token id (`jti`) until the token expires. In memory for one
 * gateway; in Redis when several gateways share the load (REDIS_URL), where
 * SET NX is the claim. When Redis cannot answer, the claim fails closed: a
 * token that might be a replay is refused, never let through.
 */
export interface ReplayGuard {
  /** True when this is the first use of `jti`; false when it was used before. */
  claim(jti: string, expiresAtMs: number): Promise<boolean>;
  /** Resolves when the store answers (for /ready). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export class ReplayCheckUnavailable extends GovshareError {
  constructor(cause: unknown) {
    super('REPLAY_CHECK_UNAVAILABLE', 'the store of used token ids (Redis) cannot answer; tokens are refused until it does', { cause });
  }
}

export function memoryReplayGuard(maxEntries = 1_000_000): ReplayGuard {
  const used = new Map<string, number>();
  let lastSweep = Date.now();
  return {
    async claim(jti, expiresAtMs) {
      const now = Date.now();
      if (now - lastSweep > 10_000 || used.size >= maxEntries) {
        lastSweep = now;
        for (const [id, until] of used) if (until <= now) used.delete(id);
        // Still full of live ids: refuse rather than forget one (forgetting would allow a replay).
        if (used.size >= maxEntries) throw new ReplayCheckUnavailable(new Error('too many live token ids'));
      }
      const until = used.get(jti);
      if (until !== undefined && until > now) return false;
      used.set(jti, expiresAtMs);
      return true;
    },
    async ping() {},
    async close() {
      used.clear();
    },
  };
}

export function redisReplayGuard(url: string, prefix = 'govshare:jti:'): ReplayGuard {
  const client = createClient({ url, socket: { connectTimeout: 2_000, reconnectStrategy: (retries) => Math.min(retries * 200, 2_000) } });
  // Errors surface on the calls below; an unhandled 'error' event would crash the gateway.
  client.on('error', () => {});
  // Not awaited: the gateway starts (and serves anonymous callers) while Redis is down; claims
  // wait for it up to their timeout and are refused meanwhile.
  client.connect().catch(() => {});
  return {
    async claim(jti, expiresAtMs) {
      try {
        const ok = await withTimeout(client.set(prefix + jti, '1', { NX: true, PXAT: Math.max(expiresAtMs, Date.now() + 1_000) }), 2_000);
        return ok === 'OK';
      } catch (error) {
        throw new ReplayCheckUnavailable(error);
      }
    },
    async ping() {
      await withTimeout(client.ping(), 1_000);
    },
    async close() {
      // quit() waits for a connection that may never come back: only a ready client quits politely.
      if (client.isReady) await withTimeout(client.quit(), 1_000).catch(() => client.destroy());
      else client.destroy();
    },
  };
}
