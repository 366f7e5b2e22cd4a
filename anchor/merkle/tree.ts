import { EMPTY_ROOT, HASH_SIZE, copyHash, hashChildren, isHash } from './hash.ts';
import { planConsistencyProof, planInclusionProof, planRoot, type NodeId, type Plan } from './plan.ts';
import { MemoryNodeStore, type NodeStore } from './store.ts';

/**
 * An append-only Merkle log (RFC 9162 §2.1) over a NodeStore: appends in
 * batches, roots at any earlier size, inclusion and consistency proofs, each
 * in O(log n) node reads.
 *
 * Appending only needs the frontier (the "compact range"): the roots of the
 * at most log2(n) perfect subtrees that make up the tree, left to right. Each
 * new leaf is pushed on it like a carry in binary addition, every completed
 * subtree is written to the store once, and the root is the right fold of
 * the frontier. Old leaves are never read again.
 */

/**
 * How to read a node: `store.get` bound, or a map filled by one database
 * query. Like `NodeStore.get`, it hands out hashes the caller may keep: they
 * end up in proofs returned to users.
 */
export type NodeLookup = (level: number, index: number) => Uint8Array | undefined;

/** The right edge of a tree of `size` leaves: hashes of the nodes `planRoot(size)` names. Plain data, persistable. */
export interface Frontier {
  readonly size: number;
  readonly hashes: readonly Uint8Array[];
}

export interface AppendResult {
  readonly size: number;
  readonly root: Uint8Array;
}

export const EMPTY_FRONTIER: Frontier = Object.freeze({ size: 0, hashes: Object.freeze([]) });

/**
 * MTH of a subtree from its perfect pieces (largest, leftmost first): the
 * right fold H(p0, H(p1, ... H(p_{k-1}, p_k))) that RFC 9162 §2.1.1 reduces
 * to once every left part is a power of two. The empty list is the empty tree
 * (a fresh copy of EMPTY_ROOT); a single piece is returned as it is.
 */
export function foldSubtree(pieces: readonly Uint8Array[]): Uint8Array {
  let accumulator = pieces[pieces.length - 1];
  if (accumulator === undefined) return copyHash(EMPTY_ROOT);
  for (let i = pieces.length - 2; i >= 0; i--) accumulator = hashChildren(pieces[i] as Uint8Array, accumulator);
  return accumulator;
}

/** The root whose nodes `planRoot` named, from a lookup. */
export function assembleRoot(nodes: readonly NodeId[], lookup: NodeLookup): Uint8Array {
  return foldSubtree(nodes.map((node) => readNode(lookup, node)));
}

/** A proof whose nodes `planInclusionProof` or `planConsistencyProof` named, from a lookup. */
export function assembleProof(plan: Plan, lookup: NodeLookup): Uint8Array[] {
  return plan.map((element) => assembleRoot(element, lookup));
}

/** MTH(D[0:size]) (RFC 9162 §2.1.1) of a log whose store holds at least `size` leaves. */
export function rootOf(store: NodeStore, size: number): Uint8Array {
  return assembleRoot(planRoot(size), lookupIn(store));
}

/** The audit path of RFC 9162 §2.1.3.1 for leaf `leafIndex` in the tree of `treeSize` leaves. */
export function inclusionProof(store: NodeStore, leafIndex: number, treeSize: number): Uint8Array[] {
  return assembleProof(planInclusionProof(leafIndex, treeSize), lookupIn(store));
}

/** The consistency proof of RFC 9162 §2.1.4.1 between sizes 0 < size1 <= size2. */
export function consistencyProof(store: NodeStore, size1: number, size2: number): Uint8Array[] {
  return assembleProof(planConsistencyProof(size1, size2), lookupIn(store));
}

/** The frontier of a tree of `size` leaves, read back from its store (reopening a persisted log). */
export function frontierOf(store: NodeStore, size: number): Frontier {
  const lookup = lookupIn(store);
  return { size, hashes: planRoot(size).map((node) => readNode(lookup, node)) };
}

/**
 * Appends leaf hashes after `frontier` and hands every node that becomes
 * complete to `put`, in the order the store expects (within a level, by
 * increasing index). Pure apart from `put`: returns the new frontier and
 * leaves the old one untouched, so a caller whose write fails keeps a valid
 * state. The root of the result is `frontierRoot`.
 */
export function appendToFrontier(
  frontier: Frontier,
  leafHashes: readonly Uint8Array[],
  put: (level: number, index: number, hash: Uint8Array) => void,
): Frontier {
  checkFrontier(frontier);
  checkLeaves(leafHashes);
  const stack = frontier.hashes.slice();
  let size = frontier.size;
  for (const leaf of leafHashes) {
    put(0, size, leaf);
    let hash = leaf;
    let level = 0;
    let index = size;
    // A right child completes its parent: merge with the left sibling on top of the stack.
    while (index % 2 === 1) {
      hash = hashChildren(stack.pop() as Uint8Array, hash);
      index = (index - 1) / 2;
      level++;
      put(level, index, hash);
    }
    // A lone leaf stays on the frontier: keep a copy, not the caller's array.
    stack.push(level === 0 ? copyHash(hash) : hash);
    size++;
  }
  return { size, hashes: stack };
}

/** MTH of the tree a frontier describes (for a perfect tree, the frontier's own single hash). */
export function frontierRoot(frontier: Frontier): Uint8Array {
  return foldSubtree(frontier.hashes);
}

/** Appends leaf hashes to the log of `size` leaves in `store`; returns the new size and root. */
export function appendLeaves(store: NodeStore, size: number, leafHashes: readonly Uint8Array[]): AppendResult {
  const next = appendToFrontier(frontierOf(store, size), leafHashes, (level, index, hash) =>
    store.put(level, index, hash),
  );
  return { size: next.size, root: frontierRoot(next) };
}

/**
 * One log in one object: a store plus its size and frontier. In memory by
 * default (tests, proofs, benches); give it another store and the size that
 * store holds to reopen a persisted log.
 */
export class MerkleTree {
  readonly store: NodeStore;
  #frontier: Frontier;
  #root: Uint8Array;
  /**
   * Roots of subtrees that are not perfect (the right edge of a size that is
   * not a power of two), by leaf range. Every proof against one checkpoint
   * size needs the same few of them, and a subtree's root never changes in an
   * append-only log, so entries never go stale; the map is only bounded.
   */
  readonly #foldedRanges = new Map<string, Uint8Array>();
  readonly #lookup: NodeLookup;

  constructor(store: NodeStore = new MemoryNodeStore(), size = 0) {
    this.store = store;
    this.#lookup = lookupIn(store);
    this.#frontier = frontierOf(store, size);
    this.#root = frontierRoot(this.#frontier);
  }

  /** Number of leaves. */
  get size(): number {
    return this.#frontier.size;
  }

  /** The current root (a copy). */
  root(): Uint8Array {
    return copyHash(this.#root);
  }

  /** The current frontier (plain data: persist it with the size to reopen without reading the store). */
  frontier(): Frontier {
    return { size: this.#frontier.size, hashes: this.#frontier.hashes.map(copyHash) };
  }

  /** Appends a batch of leaf hashes (`leafHash(data)` each); all or nothing when one is not a hash. */
  appendLeaves(leafHashes: readonly Uint8Array[]): AppendResult {
    this.#frontier = appendToFrontier(this.#frontier, leafHashes, (level, index, hash) =>
      this.store.put(level, index, hash),
    );
    this.#root = frontierRoot(this.#frontier);
    return { size: this.size, root: this.root() };
  }

  /** The root when the log had `size` leaves (0 <= size <= this.size): what a checkpoint of that size signed. */
  rootAt(size: number): Uint8Array {
    this.#checkSize(size, 'size');
    return size === this.size ? this.root() : this.#subtreeRoot(planRoot(size));
  }

  /** The hash of leaf `index`. */
  leafHashAt(index: number): Uint8Array {
    const hash = Number.isSafeInteger(index) && index < this.size ? this.store.get(0, index) : undefined;
    if (hash === undefined) throw new RangeError(`no leaf ${String(index)} in a log of ${this.size}`);
    return hash;
  }

  /** Audit path for leaf `leafIndex` in the tree of `treeSize` leaves (default: now). */
  inclusionProof(leafIndex: number, treeSize: number = this.size): Uint8Array[] {
    this.#checkSize(treeSize, 'treeSize');
    return planInclusionProof(leafIndex, treeSize).map((pieces) => this.#subtreeRoot(pieces));
  }

  /** Proof that the tree of `size2` leaves (default: now) extends the tree of `size1`. */
  consistencyProof(size1: number, size2: number = this.size): Uint8Array[] {
    this.#checkSize(size2, 'size2');
    return planConsistencyProof(size1, size2).map((pieces) => this.#subtreeRoot(pieces));
  }

  /** As `assembleRoot`, remembering the roots that took hashing. */
  #subtreeRoot(pieces: readonly NodeId[]): Uint8Array {
    const first = pieces[0];
    const last = pieces[pieces.length - 1];
    if (first === undefined || last === undefined || pieces.length === 1) return assembleRoot(pieces, this.#lookup);
    const key = `${first.index * 2 ** first.level}-${(last.index + 1) * 2 ** last.level}`;
    let hash = this.#foldedRanges.get(key);
    if (hash === undefined) {
      hash = assembleRoot(pieces, this.#lookup);
      if (this.#foldedRanges.size >= FOLDED_RANGES_KEPT) this.#foldedRanges.clear();
      this.#foldedRanges.set(key, hash);
    }
    return copyHash(hash);
  }

  #checkSize(size: number, name: string): void {
    if (size > this.size) throw new RangeError(`${name} ${size} is beyond the log's ${this.size} leaves`);
  }
}

/** Enough for the right edges of dozens of checkpoint sizes (about 20 ranges each at a million leaves). */
const FOLDED_RANGES_KEPT = 1024;

function lookupIn(store: NodeStore): NodeLookup {
  return (level, index) => store.get(level, index);
}

function readNode(lookup: NodeLookup, node: NodeId): Uint8Array {
  const hash = lookup(node.level, node.index);
  if (!isHash(hash)) {
    throw new RangeError(`node (${node.level}, ${node.index}) is missing: the store holds fewer leaves than asked for`);
  }
  return hash;
}

function checkFrontier(frontier: Frontier): void {
  const { size, hashes } = frontier;
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`invalid frontier size ${String(size)}`);
  // One perfect subtree per binary digit of the size: anything else is a corrupt saved state.
  if (hashes.length !== planRoot(size).length || !hashes.every(isHash)) {
    throw new TypeError(`frontier does not describe a tree of ${size} leaves`);
  }
}

function checkLeaves(leafHashes: readonly Uint8Array[]): void {
  if (!Array.isArray(leafHashes)) throw new TypeError('leafHashes must be an array');
  for (let i = 0; i < leafHashes.length; i++) {
    if (!isHash(leafHashes[i])) throw new TypeError(`leaf ${i} of the batch is not a ${HASH_SIZE}-byte hash`);
  }
}
