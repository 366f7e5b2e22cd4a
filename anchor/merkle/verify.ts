import { bytesEqual, hashChildren, isHash } from './hash.ts';

/**
 * Proof verification for anyone holding a root: the conformance functions of
 * DESIGN.md. They answer false, never throw, whatever they are given, because
 * their input comes from outside (proof bundles, other departments, users).
 * They agree with the transparency-dev/merkle vectors in test/fixtures/rfc6962,
 * including two strictnesses beyond the RFC text: a consistency proof from an
 * empty tree is refused, and every hash must be 32 bytes (with one exception
 * the vectors impose, see verifyConsistency for equal sizes).
 */

/**
 * No valid proof comes near this many elements (an inclusion proof has one
 * per level, at most 53 for safe-integer sizes; a consistency proof at most
 * one more): refusing longer arrays up front bounds the work any input can
 * cause.
 */
const MAX_PROOF_LENGTH = 64;

/**
 * Inclusion of a leaf in a tree (RFC 9162 §2.1.3.2): recomputes the root from
 * the leaf hash and its audit path, and compares.
 */
export function verifyInclusion(
  leafHash: Uint8Array,
  leafIndex: number,
  treeSize: number,
  proof: Uint8Array[],
  root: Uint8Array,
): boolean {
  try {
    if (!isSize(leafIndex) || !isSize(treeSize) || leafIndex >= treeSize) return false;
    const path = hashList(proof);
    if (!isHash(leafHash) || !isHash(root) || path === undefined) return false;
    const computed = rootFromInclusionProof(leafHash, leafIndex, treeSize, path);
    return computed !== undefined && bytesEqual(computed, root);
  } catch {
    // Only a hostile object (a throwing getter or proxy) gets here.
    return false;
  }
}

/**
 * Consistency of two checkpoints of one log (RFC 9162 §2.1.4.2): the tree of
 * size2 with root2 extends the tree of size1 with root1 by appends only.
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): boolean {
  try {
    // A proof from the empty tree proves nothing (every tree extends it): refused, as the vectors expect.
    if (!isSize(size1) || !isSize(size2) || size1 < 1 || size1 > size2) return false;
    if (!Array.isArray(proof)) return false;
    if (size1 === size2) {
      // Same tree: the proof is empty and the roots must be the same bytes. The
      // vectors accept equal roots of any length here (sizes-are-equal-one-and-proof-is-
      // empty.json uses 12-byte roots), so this is the one place length is not checked.
      return (
        proof.length === 0 && root1 instanceof Uint8Array && root2 instanceof Uint8Array && bytesEqual(root1, root2)
      );
    }
    const path = hashList(proof);
    if (!isHash(root1) || !isHash(root2) || path === undefined || path.length === 0) return false;
    return consistencyHolds(size1, size2, path, root1, root2);
  } catch {
    return false;
  }
}

/**
 * RFC 9162 §2.1.3.2 steps 2–5: fn is the leaf's position and sn the last
 * position at the current level; at each level the proof element is the left
 * sibling when fn is a right child or the rightmost node of an unbalanced
 * level (fn == sn), and the right sibling otherwise. Undefined when the proof
 * is longer than the path.
 */
function rootFromInclusionProof(
  leafHash: Uint8Array,
  leafIndex: number,
  treeSize: number,
  proof: readonly Uint8Array[],
): Uint8Array | undefined {
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      r = hashChildren(p, r);
      // The node is the last one at its level with no right sibling: it moves
      // up unchanged until it becomes a right child.
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : undefined;
}

/**
 * RFC 9162 §2.1.4.2 steps 2–7, for 0 < size1 < size2 and a non-empty proof:
 * rebuilds both roots at once from the same path, fr from the nodes that lie
 * inside the old tree and sr from all of them.
 */
function consistencyHolds(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): boolean {
  // When the old tree is a perfect subtree of the new one its root is the
  // proof's implicit first element.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof;
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = (fn - 1) / 2;
    sn = Math.floor(sn / 2);
  }
  const first = path[0];
  if (first === undefined) return false;
  let fr = first;
  let sr = first;
  for (let i = 1; i < path.length; i++) {
    const c = path[i] as Uint8Array;
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && bytesEqual(fr, root1) && bytesEqual(sr, root2);
}

function isSize(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * The proof's elements when all are 32-byte hashes, copied into a fresh array
 * so that what was checked is what gets hashed (a hostile array-like cannot
 * change between the two). Indexed on purpose: every() would skip holes.
 */
function hashList(proof: unknown): Uint8Array[] | undefined {
  if (!Array.isArray(proof)) return undefined;
  const length = proof.length;
  if (length > MAX_PROOF_LENGTH) return undefined;
  const hashes = new Array<Uint8Array>(length);
  for (let i = 0; i < length; i++) {
    const element: unknown = proof[i];
    if (!isHash(element)) return undefined;
    hashes[i] = element;
  }
  return hashes;
}

function isPowerOfTwo(n: number): boolean {
  while (n > 1 && n % 2 === 0) n /= 2;
  return n === 1;
}
