import { createHash } from 'node:crypto';

/**
 * Deterministic identifiers for demo data, so that seeding twice finds the
 * records it made the first time instead of duplicating them. A UUID (version
 * 8, RFC 9562 §5.8: custom) from SHA-256 of the parts.
 */
export function demoId(...parts: (string | number)[]): string {
  const hex = createHash('sha256').update(`govshare-demo:${parts.join(':')}`).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A deterministic pseudo-random generator (mulberry32) for reproducible demo data. */
export function seededRandom(seed: string): () => number {
  let state = createHash('sha256').update(seed).digest().readUInt32LE(0);
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}
