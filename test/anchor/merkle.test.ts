import { describe, expect, it } from 'vitest';
import {
  EMPTY_FRONTIER,
  EMPTY_ROOT,
  MemoryNodeStore,
  MerkleTree,
  appendLeaves,
  appendToFrontier,
  consistencyProof,
  frontierRoot,
  inclusionProof,
  leafHash,
  nodeHash,
  planConsistencyProof,
  planInclusionProof,
  planRoot,
  rootOf,
  splitPoint,
  verifyConsistency,
  verifyInclusion,
  type Frontier,
  type NodeStore,
} from '../../anchor/merkle.ts';

// ---------------------------------------------------------------------------
// Reference definitions, written straight from RFC 9162 and deliberately
// naive (recursion over arrays of leaf hashes), to check the fast code against.

/** k: the largest power of two smaller than n (n >= 2). */
function naiveSplit(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[n]) of RFC 9162 §2.1.1. */
function naiveRoot(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return EMPTY_ROOT;
  if (leaves.length === 1) return leaves[0] as Uint8Array;
  const k = naiveSplit(leaves.length);
  return nodeHash(naiveRoot(leaves.slice(0, k)), naiveRoot(leaves.slice(k)));
}

/** PATH(m, D[n]) of RFC 9162 §2.1.3.1. */
function naivePath(m: number, leaves: Uint8Array[]): Uint8Array[] {
  if (leaves.length <= 1) return [];
  const k = naiveSplit(leaves.length);
  return m < k
    ? [...naivePath(m, leaves.slice(0, k)), naiveRoot(leaves.slice(k))]
    : [...naivePath(m - k, leaves.slice(k)), naiveRoot(leaves.slice(0, k))];
}

/** SUBPROOF(m, D[n], b) of RFC 9162 §2.1.4.1. */
function naiveSubproof(m: number, leaves: Uint8Array[], wholeOldTreeKnown: boolean): Uint8Array[] {
  if (m === leaves.length) return wholeOldTreeKnown ? [] : [naiveRoot(leaves)];
  const k = naiveSplit(leaves.length);
  return m <= k
    ? [...naiveSubproof(m, leaves.slice(0, k), wholeOldTreeKnown), naiveRoot(leaves.slice(k))]
    : [...naiveSubproof(m - k, leaves.slice(k), false), naiveRoot(leaves.slice(0, k))];
}

// ---------------------------------------------------------------------------

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const leaves = (count: number, tag = 'leaf') =>
  Array.from({ length: count }, (_, i) => leafHash(new TextEncoder().encode(`${tag} ${i}`)));

function treeOf(leafHashes: Uint8Array[]): MerkleTree {
  const tree = new MerkleTree();
  tree.appendLeaves(leafHashes);
  return tree;
}

function flipBit(proof: Uint8Array[], element: number, bit: number): Uint8Array[] {
  return proof.map((hash, i) => {
    if (i !== element) return hash;
    const copy = new Uint8Array(hash);
    copy[bit >> 3] = (copy[bit >> 3] as number) ^ (1 << (bit & 7));
    return copy;
  });
}

/** A tiny deterministic generator, so failures reproduce. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('hashing (RFC 9162 §2.1)', () => {
  it('has the well-known empty root and leaf hash of the empty string', () => {
    expect(hex(EMPTY_ROOT)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hex(leafHash(new Uint8Array(0)))).toBe('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
    expect(new MerkleTree().root()).toEqual(EMPTY_ROOT);
  });

  it('prefixes leaves with 0x00 and nodes with 0x01', async () => {
    const { createHash } = await import('node:crypto');
    const data = new Uint8Array([1, 2, 3]);
    expect(hex(leafHash(data))).toBe(createHash('sha256').update(Buffer.from([0, 1, 2, 3])).digest('hex'));
    const [left, right] = leaves(2) as [Uint8Array, Uint8Array];
    const expected = createHash('sha256').update(Buffer.from([1])).update(left).update(right).digest('hex');
    expect(hex(nodeHash(left, right))).toBe(expected);
    expect(hex(nodeHash(right, left))).not.toBe(expected);
  });

  it('refuses node children that are not 32-byte hashes', () => {
    const [hash] = leaves(1) as [Uint8Array];
    expect(() => nodeHash(hash, new Uint8Array(31))).toThrow(TypeError);
    expect(() => nodeHash(new Uint8Array(33), hash)).toThrow(TypeError);
  });

  it('hashes through WebAssembly exactly as node:crypto does (the fallback), for every input length a log uses and more', async () => {
    const { randomBytes } = await import('node:crypto');
    const { SHA256_BACKEND, nativeSha256, sha256 } = await import('../../anchor/merkle/hash.ts');
    expect(SHA256_BACKEND).toBe('wasm');
    for (let length = 0; length <= 200; length++) {
      for (let k = 0; k < 5; k++) {
        const input = new Uint8Array(randomBytes(length));
        expect(hex(sha256(input)), `length ${length}`).toBe(hex(nativeSha256(input)));
      }
    }
    // Each digest is its own memory: a later hash does not change an earlier one.
    const first = sha256(new Uint8Array([1]));
    const copy = hex(first);
    sha256(new Uint8Array([2]));
    expect(hex(first)).toBe(copy);
  });

  it('returns plain Uint8Arrays', () => {
    const tree = treeOf(leaves(5));
    expect(Object.getPrototypeOf(tree.root())).toBe(Uint8Array.prototype);
    expect(Object.getPrototypeOf(leafHash(new Uint8Array(1)))).toBe(Uint8Array.prototype);
    for (const hash of tree.inclusionProof(4)) expect(Object.getPrototypeOf(hash)).toBe(Uint8Array.prototype);
  });
});

describe('roots', () => {
  it('equals the recursive MTH definition for every size up to 130 and around powers of two', () => {
    const all = leaves(4200);
    const tree = new MerkleTree();
    const sizes = [...Array.from({ length: 131 }, (_, i) => i), 255, 256, 257, 1000, 1023, 1024, 1025, 4095, 4096, 4097, 4200];
    for (const size of sizes) {
      tree.appendLeaves(all.slice(tree.size, size));
      expect(tree.size).toBe(size);
      expect(hex(tree.root()), `size ${size}`).toBe(hex(naiveRoot(all.slice(0, size))));
    }
  });

  it('gives the root of every earlier size from the stored nodes', () => {
    const all = leaves(300);
    const tree = treeOf(all);
    for (let size = 0; size <= all.length; size++) {
      expect(hex(tree.rootAt(size)), `size ${size}`).toBe(hex(naiveRoot(all.slice(0, size))));
    }
  });

  it('does not depend on how the leaves were batched', () => {
    const all = leaves(1000);
    const oneByOne = new MerkleTree();
    for (const leaf of all) oneByOne.appendLeaves([leaf]);
    const random = seededRandom(7);
    const batched = new MerkleTree();
    while (batched.size < all.length) {
      const batch = Math.floor(random() * 70);
      const result = batched.appendLeaves(all.slice(batched.size, batched.size + batch));
      expect(result.size).toBe(batched.size);
      expect(result.root).toEqual(batched.root());
    }
    expect(batched.root()).toEqual(oneByOne.root());
    expect(batched.appendLeaves([])).toEqual({ size: 1000, root: oneByOne.root() });
  });
});

describe('inclusion proofs (RFC 9162 §2.1.3)', () => {
  const all = leaves(64);
  const tree = treeOf(all);

  it('match PATH(m, D[n]) and verify, for every leaf of every size from 1 to 64', () => {
    for (let size = 1; size <= 64; size++) {
      const root = tree.rootAt(size);
      for (let index = 0; index < size; index++) {
        const proof = tree.inclusionProof(index, size);
        expect(proof.map(hex), `leaf ${index} of ${size}`).toEqual(naivePath(index, all.slice(0, size)).map(hex));
        expect(verifyInclusion(all[index] as Uint8Array, index, size, proof, root), `leaf ${index} of ${size}`).toBe(true);
      }
    }
  });

  it('are rejected when tampered with', () => {
    // Failures are collected rather than asserted one by one: tens of thousands of expect() calls cost seconds.
    const accepted: string[] = [];
    let rejected = 0;
    for (let size = 1; size <= 64; size++) {
      const root = tree.rootAt(size);
      for (let index = 0; index < size; index++) {
        const leaf = all[index] as Uint8Array;
        const proof = tree.inclusionProof(index, size);
        const refuse = (what: string, ok: boolean) => {
          if (ok) accepted.push(`${what}: leaf ${index} of ${size}`);
          else rejected++;
        };
        for (let element = 0; element < proof.length; element++) {
          for (const bit of [0, 7, 100, 255]) refuse(`bit ${bit} of element ${element}`, verifyInclusion(leaf, index, size, flipBit(proof, element, bit), root));
        }
        refuse('flipped leaf', verifyInclusion(flipBit([leaf], 0, 3)[0] as Uint8Array, index, size, proof, root));
        refuse('flipped root', verifyInclusion(leaf, index, size, proof, flipBit([root], 0, 200)[0] as Uint8Array));
        refuse('other leaf', verifyInclusion(all[(index + 1) % 64] as Uint8Array, index, size, proof, root));
        if (size > 1) refuse('index + 1', verifyInclusion(leaf, (index + 1) % size, size, proof, root));
        if (size > 1) refuse('index - 1', verifyInclusion(leaf, (index + size - 1) % size, size, proof, root));
        refuse('index = size', verifyInclusion(leaf, size, size, proof, root));
        if (proof.length > 0) refuse('truncated', verifyInclusion(leaf, index, size, proof.slice(0, -1), root));
        if (proof.length > 0) refuse('first element dropped', verifyInclusion(leaf, index, size, proof.slice(1), root));
        refuse('extra element', verifyInclusion(leaf, index, size, [...proof, root], root));
        refuse('extra element first', verifyInclusion(leaf, index, size, [root, ...proof], root));
        if (proof.length > 1) refuse('reordered', verifyInclusion(leaf, index, size, [...proof].reverse(), root));
        // Another size with that size's own root: the path no longer leads there.
        if (size < 64) refuse('size + 1', verifyInclusion(leaf, index, size + 1, proof, tree.rootAt(size + 1)));
        if (index < size - 1) refuse('size - 1', verifyInclusion(leaf, index, size - 1, proof, tree.rootAt(size - 1)));
        refuse('size * 2', verifyInclusion(leaf, index, size * 2, proof, root));
      }
    }
    expect(accepted).toEqual([]);
    expect(rejected).toBeGreaterThan(20_000);
  });

  it('verify at random positions of a tree of 100,000 leaves', () => {
    const big = leaves(100_000, 'big');
    const bigTree = treeOf(big);
    const random = seededRandom(42);
    for (let i = 0; i < 300; i++) {
      const size = 1 + Math.floor(random() * big.length);
      const index = Math.floor(random() * size);
      const root = bigTree.rootAt(size);
      const proof = bigTree.inclusionProof(index, size);
      expect(verifyInclusion(big[index] as Uint8Array, index, size, proof, root), `leaf ${index} of ${size}`).toBe(true);
      expect(verifyInclusion(big[index] as Uint8Array, index, size, flipBit(proof, 0, 1), root)).toBe(false);
    }
    expect(hex(bigTree.root())).toBe(hex(naiveRoot(big)));
  });
});

describe('consistency proofs (RFC 9162 §2.1.4)', () => {
  const all = leaves(40);
  const tree = treeOf(all);

  it('match PROOF(m, D[n]) and verify, for every 1 <= m <= n <= 40', () => {
    for (let size2 = 1; size2 <= 40; size2++) {
      for (let size1 = 1; size1 <= size2; size1++) {
        const proof = tree.consistencyProof(size1, size2);
        const expected = naiveSubproof(size1, all.slice(0, size2), true);
        expect(proof.map(hex), `${size1} -> ${size2}`).toEqual(expected.map(hex));
        expect(verifyConsistency(size1, size2, proof, tree.rootAt(size1), tree.rootAt(size2)), `${size1} -> ${size2}`).toBe(true);
      }
    }
  });

  it('are rejected when tampered with', () => {
    const accepted: string[] = [];
    let rejected = 0;
    for (let size2 = 1; size2 <= 40; size2++) {
      for (let size1 = 1; size1 <= size2; size1++) {
        const root1 = tree.rootAt(size1);
        const root2 = tree.rootAt(size2);
        const proof = tree.consistencyProof(size1, size2);
        const refuse = (what: string, ok: boolean) => {
          if (ok) accepted.push(`${what}: ${size1} -> ${size2}`);
          else rejected++;
        };
        for (let element = 0; element < proof.length; element++) {
          for (const bit of [0, 9, 128, 255]) refuse(`bit ${bit} of element ${element}`, verifyConsistency(size1, size2, flipBit(proof, element, bit), root1, root2));
        }
        refuse('flipped root1', verifyConsistency(size1, size2, proof, flipBit([root1], 0, 5)[0] as Uint8Array, root2));
        refuse('flipped root2', verifyConsistency(size1, size2, proof, root1, flipBit([root2], 0, 5)[0] as Uint8Array));
        if (proof.length > 0) refuse('truncated', verifyConsistency(size1, size2, proof.slice(0, -1), root1, root2));
        if (proof.length > 0) refuse('first element dropped', verifyConsistency(size1, size2, proof.slice(1), root1, root2));
        refuse('extra element', verifyConsistency(size1, size2, [...proof, root2], root1, root2));
        refuse('extra element first', verifyConsistency(size1, size2, [root1, ...proof], root1, root2));
        if (size1 !== size2) refuse('swapped roots', verifyConsistency(size1, size2, proof, root2, root1));
        if (size1 !== size2) refuse('swapped sizes', verifyConsistency(size2, size1, proof, root2, root1));
        if (size1 < size2) refuse('size1 + 1', verifyConsistency(size1 + 1, size2, proof, tree.rootAt(size1 + 1), root2));
        if (size1 > 1) refuse('size1 - 1', verifyConsistency(size1 - 1, size2, proof, tree.rootAt(size1 - 1), root2));
        if (size2 < 40) refuse('size2 + 1', verifyConsistency(size1, size2 + 1, proof, root1, tree.rootAt(size2 + 1)));
        if (size2 > size1) refuse('size2 - 1', verifyConsistency(size1, size2 - 1, proof, root1, tree.rootAt(size2 - 1)));
        refuse('from size 0', verifyConsistency(0, size2, proof, EMPTY_ROOT, root2));
      }
    }
    expect(accepted).toEqual([]);
    expect(rejected).toBeGreaterThan(5_000);
  });

  it('reject a rewritten history: a proof between two trees that share only a prefix', () => {
    const rewritten = [...all.slice(0, 20), ...leaves(20, 'forged')];
    const forged = treeOf(rewritten);
    for (let size1 = 1; size1 <= 30; size1++) {
      const proof = forged.consistencyProof(size1, 40);
      // Honest before 20 leaves, forged at 21 and after: only the honest old roots are consistent.
      expect(verifyConsistency(size1, 40, proof, tree.rootAt(size1), forged.root()), `${size1}`).toBe(size1 <= 20);
      expect(verifyConsistency(size1, 40, tree.consistencyProof(size1, 40), tree.rootAt(size1), forged.root())).toBe(false);
    }
  });
});

describe('hostile input to the verifiers', () => {
  const all = leaves(13);
  const tree = treeOf(all);
  const leaf = all[5] as Uint8Array;
  const root = tree.root();
  const proof = tree.inclusionProof(5);
  const root4 = tree.rootAt(4);
  const consistency = tree.consistencyProof(4);

  const throwingProxy = new Proxy([] as Uint8Array[], {
    get() {
      throw new Error('boom');
    },
  });
  const throwingElement = [...proof];
  Object.defineProperty(throwingElement, 0, {
    get() {
      throw new Error('boom');
    },
  });
  const notHashes: unknown[] = [
    undefined,
    null,
    0,
    'a string',
    {},
    [],
    Array.from({ length: 32 }, () => 0),
    new Uint8Array(0),
    new Uint8Array(31),
    new Uint8Array(33),
    new Uint16Array(16),
    new DataView(new ArrayBuffer(32)),
    { length: 32 },
  ];
  const notSizes: unknown[] = [-1, 1.5, NaN, Infinity, -Infinity, 2 ** 53, '5', null, undefined, {}, 5n];
  const notProofs: unknown[] = [
    undefined,
    null,
    'proof',
    {},
    { length: 3 },
    new Array(proof.length),
    [null, ...proof.slice(1)],
    [...proof.slice(0, -1), undefined],
    proof.map((hash) => Array.from(hash)),
    Array.from({ length: 100_000 }, () => root),
    throwingProxy,
    throwingElement,
  ];

  it('the baseline is valid', () => {
    expect(verifyInclusion(leaf, 5, 13, proof, root)).toBe(true);
    expect(verifyConsistency(4, 13, consistency, root4, root)).toBe(true);
  });

  type Args = unknown[];
  const inclusionCases: Args[] = [
    ...notHashes.map((value) => [value, 5, 13, proof, root]),
    ...notHashes.map((value) => [leaf, 5, 13, proof, value]),
    ...notSizes.map((value) => [leaf, value, 13, proof, root]),
    ...notSizes.map((value) => [leaf, 5, value, proof, root]),
    ...notProofs.map((value) => [leaf, 5, 13, value, root]),
    [leaf, 2 ** 53 - 2, 2 ** 53 - 1, proof, root],
    [leaf, 0, 0, [], EMPTY_ROOT],
  ];
  const consistencyCases: Args[] = [
    ...notSizes.map((value) => [value, 13, consistency, root4, root]),
    ...notSizes.map((value) => [4, value, consistency, root4, root]),
    ...notProofs.map((value) => [4, 13, value, root4, root]),
    ...notHashes.map((value) => [4, 13, consistency, value, root]),
    ...notHashes.map((value) => [4, 13, consistency, root4, value]),
    ...notHashes.filter((value) => !(value instanceof Uint8Array)).map((value) => [13, 13, [], value, value]),
    [4, 2 ** 53 - 1, consistency, root4, root],
    [0, 0, [], EMPTY_ROOT, EMPTY_ROOT],
  ];

  it.each(inclusionCases.map((args, i) => [i, args] as const))('verifyInclusion case %i returns false', (_i, args) => {
    const call = verifyInclusion as (...a: unknown[]) => unknown;
    expect(call(...args)).toBe(false);
  });

  it.each(consistencyCases.map((args, i) => [i, args] as const))('verifyConsistency case %i returns false', (_i, args) => {
    const call = verifyConsistency as (...a: unknown[]) => unknown;
    expect(call(...args)).toBe(false);
  });

  it('compares roots of equal sizes byte for byte whatever their length, as the vectors require', () => {
    // consistency/additional/sizes-are-equal-one-and-proof-is-empty.json: wantErr false with 12-byte roots.
    expect(verifyConsistency(13, 13, [], new Uint8Array(12).fill(7), new Uint8Array(12).fill(7))).toBe(true);
    expect(verifyConsistency(13, 13, [], new Uint8Array(12).fill(7), new Uint8Array(12).fill(8))).toBe(false);
    expect(verifyConsistency(13, 13, [], new Uint8Array(12), new Uint8Array(13))).toBe(false);
    expect(verifyConsistency(13, 13, [], root, root)).toBe(true);
  });

  it('survives missing arguments', () => {
    const inclusion = verifyInclusion as (...a: unknown[]) => unknown;
    const consistent = verifyConsistency as (...a: unknown[]) => unknown;
    expect(inclusion()).toBe(false);
    expect(consistent()).toBe(false);
  });

  it('accepts Buffers as well as plain Uint8Arrays', () => {
    expect(verifyInclusion(Buffer.from(leaf), 5, 13, proof.map((hash) => Buffer.from(hash)), Buffer.from(root))).toBe(true);
  });
});

describe('storage', () => {
  /** Records every write and checks the store contract: each node once, in order within its level. */
  class RecordingStore implements NodeStore {
    readonly inner = new MemoryNodeStore();
    readonly writes: string[] = [];
    reads = 0;
    get(level: number, index: number) {
      this.reads++;
      return this.inner.get(level, index);
    }
    put(level: number, index: number, hash: Uint8Array) {
      this.writes.push(`${level}/${index}`);
      this.inner.put(level, index, hash);
    }
  }

  it('writes exactly the complete subtrees, once each', () => {
    const store = new RecordingStore();
    const tree = new MerkleTree(store);
    tree.appendLeaves(leaves(11));
    tree.appendLeaves(leaves(10, 'more'));
    const expected: string[] = [];
    for (let level = 0; 2 ** level <= 21; level++) {
      for (let index = 0; (index + 1) * 2 ** level <= 21; index++) expected.push(`${level}/${index}`);
    }
    expect([...store.writes].sort()).toEqual(expected.sort());
    expect(store.inner.nodeCount(0)).toBe(21);
  });

  it('reads only O(log n) nodes per proof and root', () => {
    const store = new RecordingStore();
    const tree = new MerkleTree(store);
    tree.appendLeaves(leaves(5000));
    store.reads = 0;
    tree.inclusionProof(1234, 4999);
    expect(store.reads).toBeLessThanOrEqual(2 * 13);
    store.reads = 0;
    tree.consistencyProof(1234, 4999);
    expect(store.reads).toBeLessThanOrEqual(3 * 13);
    store.reads = 0;
    tree.rootAt(4321);
    expect(store.reads).toBeLessThanOrEqual(13);
    store.reads = 0;
    tree.appendLeaves(leaves(100, 'later'));
    expect(store.reads).toBe(0); // appends work from the frontier alone
  });

  it('plans name only nodes that are complete at the size asked for', () => {
    const complete = (size: number) => (node: { level: number; index: number }) => (node.index + 1) * 2 ** node.level <= size;
    for (let size = 1; size <= 70; size++) {
      expect(planRoot(size).every(complete(size))).toBe(true);
      for (let index = 0; index < size; index++) expect(planInclusionProof(index, size).flat().every(complete(size))).toBe(true);
      for (let size1 = 1; size1 <= size; size1++) expect(planConsistencyProof(size1, size).flat().every(complete(size))).toBe(true);
    }
    expect(planRoot(0)).toEqual([]);
    expect(planRoot(13)).toEqual([
      { level: 3, index: 0 },
      { level: 2, index: 2 },
      { level: 0, index: 12 },
    ]);
  });

  it('reopens a log from its store and size, and keeps appending', () => {
    const all = leaves(500);
    const store = new MemoryNodeStore();
    const first = new MerkleTree(store);
    first.appendLeaves(all.slice(0, 321));
    const reopened = new MerkleTree(store, 321);
    expect(reopened.root()).toEqual(first.root());
    reopened.appendLeaves(all.slice(321));
    expect(reopened.root()).toEqual(naiveRoot(all));
    expect(reopened.inclusionProof(17, 400)).toEqual(naivePath(17, all.slice(0, 400)));
    expect(() => new MerkleTree(new MemoryNodeStore(), 3)).toThrow(/missing/);
  });

  it('works through the functions over a NodeStore as through the class', () => {
    const all = leaves(77);
    const store = new MemoryNodeStore();
    let size = 0;
    for (const batch of [all.slice(0, 30), all.slice(30, 31), all.slice(31)]) size = appendLeaves(store, size, batch).size;
    expect(size).toBe(77);
    expect(rootOf(store, 77)).toEqual(naiveRoot(all));
    expect(rootOf(store, 0)).toEqual(EMPTY_ROOT);
    expect(inclusionProof(store, 70, 77)).toEqual(naivePath(70, all));
    expect(consistencyProof(store, 33, 77)).toEqual(naiveSubproof(33, all, true));
    expect(() => rootOf(store, 78)).toThrow(RangeError);
  });

  it('appends from a frontier kept as plain data (JSON round trip)', () => {
    const all = leaves(90);
    const written: Array<[number, number, string]> = [];
    const put = (level: number, index: number, hash: Uint8Array) => written.push([level, index, hex(hash)]);
    let frontier: Frontier = appendToFrontier(EMPTY_FRONTIER, all.slice(0, 45), put);
    expect(frontier.hashes.length).toBe(4); // 45 = 32 + 8 + 4 + 1: one hash per binary digit
    const saved = JSON.stringify({ size: frontier.size, hashes: frontier.hashes.map(hex) });
    const parsed = JSON.parse(saved) as { size: number; hashes: string[] };
    frontier = { size: parsed.size, hashes: parsed.hashes.map((h) => new Uint8Array(Buffer.from(h, 'hex'))) };
    frontier = appendToFrontier(frontier, all.slice(45), put);
    expect(frontierRoot(frontier)).toEqual(naiveRoot(all));
    expect(written.length).toBe(90 + 45 + 22 + 11 + 5 + 2 + 1); // all complete nodes of a 90-leaf tree
    expect(() => appendToFrontier({ size: 5, hashes: [] }, all, put)).toThrow(/frontier/);
  });
});

describe('misuse of the generating side', () => {
  it('refuses bad sizes and indexes with RangeError', () => {
    const tree = treeOf(leaves(10));
    expect(() => tree.inclusionProof(10)).toThrow(RangeError);
    expect(() => tree.inclusionProof(-1)).toThrow(RangeError);
    expect(() => tree.inclusionProof(1.5)).toThrow(RangeError);
    expect(() => tree.inclusionProof(0, 11)).toThrow(RangeError);
    expect(() => tree.consistencyProof(0)).toThrow(RangeError);
    expect(() => tree.consistencyProof(6, 5)).toThrow(RangeError);
    expect(() => tree.consistencyProof(5, 11)).toThrow(RangeError);
    expect(() => tree.rootAt(11)).toThrow(RangeError);
    expect(() => tree.rootAt(NaN)).toThrow(RangeError);
    expect(() => tree.leafHashAt(10)).toThrow(RangeError);
    expect(tree.consistencyProof(10)).toEqual([]);
  });

  it('refuses a batch with one bad leaf as a whole', () => {
    const tree = treeOf(leaves(10));
    const before = tree.root();
    const batch = [...leaves(3, 'new'), new Uint8Array(31)];
    expect(() => tree.appendLeaves(batch)).toThrow(/leaf 3/);
    expect(tree.size).toBe(10);
    expect(tree.root()).toEqual(before);
    tree.appendLeaves(batch.slice(0, 3));
    expect(tree.size).toBe(13);
  });

  it('is not changed by callers mutating what it returned or was given', () => {
    const all = leaves(7);
    const tree = treeOf(all);
    const root = tree.root();
    tree.root().fill(0);
    tree.inclusionProof(6).forEach((hash) => hash.fill(0));
    tree.leafHashAt(6).fill(0);
    tree.frontier().hashes.forEach((hash) => (hash as Uint8Array).fill(0));
    (all[6] as Uint8Array).fill(0); // the lone leaf on the frontier
    expect(tree.root()).toEqual(root);
    expect(tree.rootAt(7)).toEqual(root);
    expect(rootOf(tree.store, 7)).toEqual(root);
    const empty = new MerkleTree();
    empty.root().fill(1);
    expect(new MerkleTree().root()).toEqual(EMPTY_ROOT);
    expect(hex(EMPTY_ROOT)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});

describe('sizes beyond 32 bits', () => {
  it('splits at the largest power of two below n', () => {
    expect([2, 3, 4, 5, 8, 9].map(splitPoint)).toEqual([1, 2, 2, 4, 4, 8]);
    expect(splitPoint(2 ** 32)).toBe(2 ** 31);
    expect(splitPoint(2 ** 32 + 1)).toBe(2 ** 32);
    expect(splitPoint(2 ** 40)).toBe(2 ** 39);
    expect(splitPoint(2 ** 53 - 1)).toBe(2 ** 52);
  });

  it('plans proofs for huge trees without 32-bit overflow', () => {
    const size = 2 ** 40 + 5;
    const plan = planInclusionProof(2 ** 40 + 3, size);
    // Path from leaf 2^40+3 in D[2^40:2^40+5]: leaf 2^40+2, node over [2^40, 2^40+2), leaf 2^40+4, then the left 2^40 tree.
    expect(plan).toEqual([
      [{ level: 0, index: 2 ** 40 + 2 }],
      [{ level: 1, index: 2 ** 39 }],
      [{ level: 0, index: 2 ** 40 + 4 }],
      [{ level: 40, index: 0 }],
    ]);
    expect(planInclusionProof(0, 2 ** 53 - 1).length).toBe(53);
    expect(planConsistencyProof(2 ** 33 + 1, 2 ** 34).flat().every((n) => (n.index + 1) * 2 ** n.level <= 2 ** 34)).toBe(true);
  });

  it('verifies a proof whose sizes exceed 32 bits', () => {
    // A tree of 2^33 + 1 leaves where every leaf hash is the same: subtree roots
    // can then be computed level by level without building the tree.
    const leaf = leafHash(new Uint8Array([42]));
    const perfect = [leaf];
    for (let level = 1; level <= 33; level++) perfect.push(nodeHash(perfect[level - 1] as Uint8Array, perfect[level - 1] as Uint8Array));
    const size = 2 ** 33 + 1;
    const root = nodeHash(perfect[33] as Uint8Array, leaf);
    expect(verifyInclusion(leaf, 2 ** 33, size, [perfect[33] as Uint8Array], root)).toBe(true);
    expect(verifyInclusion(leaf, 2 ** 33 - 1, size, [...perfect.slice(0, 33), leaf], root)).toBe(true);
    expect(verifyInclusion(leaf, 2 ** 33 - 1, size, perfect.slice(0, 33), root)).toBe(false);
    expect(verifyConsistency(2 ** 33, size, [leaf], perfect[33] as Uint8Array, root)).toBe(true);
  });
});
