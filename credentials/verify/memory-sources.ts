import type { CredentialProofAnswer } from '../proof/credential-proof.ts';
import type { FetchedStatusList, NonceStore, ProofSource, StatusListSource } from './trust.ts';

/**
 * In-memory trust sources, for tests and tools: what a test serves is exactly what the verifier
 * sees; `failWith` simulates an outage; `calls` counts requests (a test of caching asserts on it).
 */

export interface MemoryProofSource extends ProofSource {
  set(issuer: string, jti: string, answer: CredentialProofAnswer): void;
  delete(issuer: string, jti: string): void;
  calls: number;
  failWith?: Error;
}

export function memoryProofSource(): MemoryProofSource {
  const answers = new Map<string, CredentialProofAnswer>();
  const key = (issuer: string, jti: string) => JSON.stringify([issuer, jti]);
  const source: MemoryProofSource = {
    calls: 0,
    async credentialProof(issuer, jti) {
      source.calls++;
      if (source.failWith) throw source.failWith;
      return structuredClone(answers.get(key(issuer, jti)) ?? { status: 'UNKNOWN' });
    },
    set(issuer, jti, answer) {
      answers.set(key(issuer, jti), structuredClone(answer));
    },
    delete(issuer, jti) {
      answers.delete(key(issuer, jti));
    },
  };
  return source;
}

export interface MemoryStatusListSource extends StatusListSource {
  set(url: string, jwt: string, maxAgeSeconds?: number): void;
  delete(url: string): void;
  calls: number;
  failWith?: Error;
}

export function memoryStatusListSource(): MemoryStatusListSource {
  const lists = new Map<string, FetchedStatusList>();
  const source: MemoryStatusListSource = {
    calls: 0,
    async fetchStatusList(url) {
      source.calls++;
      if (source.failWith) throw source.failWith;
      const list = lists.get(url);
      if (!list) throw new Error(`404: no status list at ${url}`);
      return { ...list };
    },
    set(url, jwt, maxAgeSeconds) {
      lists.set(url, maxAgeSeconds === undefined ? { jwt } : { jwt, maxAgeSeconds });
    },
    delete(url) {
      lists.delete(url);
    },
  };
  return source;
}

export interface MemoryNonceStore extends NonceStore {
  failWith?: Error;
}

/** Single use within the ttl, on a clock passed in (default Date.now); bounded, fails closed when full of live nonces. */
export function memoryNonceStore(options: { clock?: () => number; maxEntries?: number } = {}): MemoryNonceStore {
  const clock = options.clock ?? Date.now;
  const maxEntries = options.maxEntries ?? 1_000_000;
  const used = new Map<string, number>();
  const store: MemoryNonceStore = {
    async consume(nonce, ttlSeconds) {
      if (store.failWith) throw store.failWith;
      const now = clock();
      if (used.size >= maxEntries) {
        for (const [key, until] of used) if (until <= now) used.delete(key);
        if (used.size >= maxEntries) throw new Error('too many live nonces');
      }
      const until = used.get(nonce);
      if (until !== undefined && until > now) return false;
      used.set(nonce, now + ttlSeconds * 1000);
      return true;
    },
  };
  return store;
}
