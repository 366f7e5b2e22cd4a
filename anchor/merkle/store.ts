import { HASH_SIZE, isHash } from './hash.ts';

/**
 * Where a log keeps its nodes: the hash of every complete subtree, keyed by
 * (level, index) as in `plan.ts`. Nodes are written once, in increasing index
 * order within each level, and never change, so a database table with the
 * primary key (log, level, index) can back this interface as it is.
 *
 * Synchronous on purpose: the tree code stays simple and fast in memory. A
 * store over an asynchronous database either caches what the next calls need
 * or uses the planning functions (`plan.ts`) to fetch nodes in one query and
 * `assemble*` in `tree.ts` to build the answer.
 */
export interface NodeStore {
  /**
   * The hash of node (level, index), or undefined when that subtree is not
   * complete yet. The caller may keep and hand out what it gets (proofs are
   * made of these), so return a copy or a value nothing else will change.
   */
  get(level: number, index: number): Uint8Array | undefined;
  /** Records the hash of a subtree that has just become complete. */
  put(level: number, index: number, hash: Uint8Array): void;
}

/** Nodes per full chunk: 2 MiB of hashes. Growing a level copies at most the chunk being filled. */
const CHUNK_NODES = 65_536;
/** A level's first chunk starts this small and doubles, so that small trees stay small. */
const FIRST_CHUNK_NODES = 16;

/**
 * Nodes in memory, each level as a list of fixed-size byte chunks rather than
 * one object per node: a million leaves take 64 MB instead of several times
 * that, and lookups are two array reads. `get` returns a copy, so nothing a
 * caller does to a proof can change the log.
 */
export class MemoryNodeStore implements NodeStore {
  readonly #levels: Uint8Array[][] = [];
  readonly #counts: number[] = [];

  get(level: number, index: number): Uint8Array | undefined {
    const count = this.#counts[level];
    if (count === undefined || !Number.isInteger(index) || index < 0 || index >= count) return undefined;
    const chunk = this.#levels[level]?.[Math.floor(index / CHUNK_NODES)];
    if (chunk === undefined) return undefined;
    const offset = (index % CHUNK_NODES) * HASH_SIZE;
    return chunk.slice(offset, offset + HASH_SIZE); // a copy: chunks are plain Uint8Arrays
  }

  put(level: number, index: number, hash: Uint8Array): void {
    if (!Number.isInteger(level) || level < 0) throw new RangeError(`invalid level ${String(level)}`);
    if (!isHash(hash)) throw new TypeError(`a node hash must be ${HASH_SIZE} bytes`);
    while (this.#levels.length <= level) {
      this.#levels.push([]);
      this.#counts.push(0);
    }
    const count = this.#counts[level] ?? 0;
    // Append-only: a node is written exactly once, right after the one before it.
    if (index !== count) throw new RangeError(`node (${level}, ${index}) written out of order: level ${level} has ${count} nodes`);
    const chunks = this.#levels[level] as Uint8Array[];
    const chunkIndex = Math.floor(index / CHUNK_NODES);
    const offset = (index % CHUNK_NODES) * HASH_SIZE;
    let chunk = chunks[chunkIndex];
    if (chunk === undefined) {
      chunk = new Uint8Array((chunkIndex === 0 ? FIRST_CHUNK_NODES : CHUNK_NODES) * HASH_SIZE);
      chunks.push(chunk);
    } else if (offset >= chunk.length) {
      const grown = new Uint8Array(Math.min(chunk.length * 2, CHUNK_NODES * HASH_SIZE));
      grown.set(chunk);
      chunks[chunkIndex] = chunk = grown;
    }
    chunk.set(hash, offset);
    this.#counts[level] = count + 1;
  }

  /** How many nodes a level holds: at level 0, the number of leaves. */
  nodeCount(level: number): number {
    return this.#counts[level] ?? 0;
  }
}
