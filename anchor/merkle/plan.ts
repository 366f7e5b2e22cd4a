/**
 * Which stored nodes a root or a proof is made of, as pure arithmetic on tree
 * sizes: no hashing, no storage. A database-backed log can fetch every node a
 * plan names in one query, then assemble the answer (see `tree.ts`).
 *
 * Coordinates: the node at (level, index) is the root of the perfect subtree
 * over leaves [index * 2^level, (index + 1) * 2^level). Level 0 holds the leaf
 * hashes. A node exists once its last leaf is appended and never changes
 * afterwards, which is why an append-only log can store them all and answer
 * about any earlier size from the same rows.
 *
 * Sizes are safe integers, so this code divides instead of using JavaScript's
 * 32-bit shift operators.
 */

export interface NodeId {
  readonly level: number;
  readonly index: number;
}

/**
 * A proof or root as a list of elements, each the root of one subtree of
 * RFC 9162 §2.1.1 MTH, given as the perfect subtrees that make it up (largest,
 * leftmost first). A perfect subtree is a single node; the one subtree on the
 * right edge of a tree whose size is not a power of two takes several.
 */
export type Plan = NodeId[][];

/** The largest power of two strictly less than n (n >= 2): the split point k of RFC 9162 §2.1.1. */
export function splitPoint(n: number): number {
  if (n <= 0x1_0000_0000) return 2 ** (31 - Math.clz32(n - 1));
  let k = 0x1_0000_0000;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The perfect subtrees that make up the subtree over leaves [start, end), left
 * to right. Valid for the subtrees MTH produces, whose start is a multiple of
 * a power of two at least as large as their width; then each piece is a
 * binary digit of the width, and MTH of the range is the right fold of the
 * pieces' hashes: H(p0, H(p1, ... H(p_{k-1}, p_k))).
 */
export function subtreeNodes(start: number, end: number): NodeId[] {
  const nodes: NodeId[] = [];
  let remaining = end - start;
  if (remaining <= 0) return nodes;
  let level = 0;
  let width = 1;
  while (width * 2 <= remaining) {
    width *= 2;
    level++;
  }
  let position = start;
  for (; remaining > 0; width /= 2, level--) {
    if (width > remaining) continue;
    nodes.push({ level, index: position / width });
    position += width;
    remaining -= width;
  }
  return nodes;
}

/** The nodes whose right fold is MTH(D[0:size]) (RFC 9162 §2.1.1); none for the empty tree. */
export function planRoot(size: number): NodeId[] {
  checkSize(size, 'size');
  return subtreeNodes(0, size);
}

/**
 * PATH(m, D[n]) of RFC 9162 §2.1.3.1, ordered from the leaf's sibling up to
 * the root's other child, as the verifier of §2.1.3.2 consumes it.
 *   k = largest power of two < n
 *   m < k:  PATH(m, D[0:k]) : MTH(D[k:n])
 *   m >= k: PATH(m - k, D[k:n]) : MTH(D[0:k])
 * The recursion descends from the root, so the elements come out top-down
 * and are reversed at the end.
 */
export function planInclusionProof(leafIndex: number, treeSize: number): Plan {
  checkSize(treeSize, 'treeSize');
  checkSize(leafIndex, 'leafIndex');
  if (leafIndex >= treeSize) throw new RangeError(`leafIndex ${leafIndex} is not below treeSize ${treeSize}`);
  const topDown: Plan = [];
  let low = 0;
  let high = treeSize;
  while (high - low > 1) {
    const k = splitPoint(high - low);
    if (leafIndex < low + k) {
      topDown.push(subtreeNodes(low + k, high));
      high = low + k;
    } else {
      topDown.push(subtreeNodes(low, low + k));
      low += k;
    }
  }
  return topDown.reverse();
}

/**
 * PROOF(m, D[n]) = SUBPROOF(m, D[n], true) of RFC 9162 §2.1.4.1:
 *   SUBPROOF(m, D[m], true)  = {}
 *   SUBPROOF(m, D[m], false) = {MTH(D[m])}
 *   m <= k: SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
 *   m > k:  SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
 * Defined for 0 < m <= n; equal sizes give the empty proof.
 */
export function planConsistencyProof(size1: number, size2: number): Plan {
  checkSize(size1, 'size1');
  checkSize(size2, 'size2');
  if (size1 < 1 || size1 > size2) {
    throw new RangeError(`a consistency proof needs 0 < size1 <= size2, got ${size1} and ${size2}`);
  }
  const topDown: Plan = [];
  let low = 0;
  let high = size2;
  let m = size1; // size1 relative to low
  let wholeOldTreeIsKnown = true; // the b flag: the verifier already holds MTH(D[0:size1])
  while (high - low !== m) {
    const k = splitPoint(high - low);
    if (m <= k) {
      topDown.push(subtreeNodes(low + k, high));
      high = low + k;
    } else {
      topDown.push(subtreeNodes(low, low + k));
      low += k;
      m -= k;
      wholeOldTreeIsKnown = false;
    }
  }
  if (!wholeOldTreeIsKnown) topDown.push(subtreeNodes(low, high));
  return topDown.reverse();
}

function checkSize(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative safe integer, got ${String(value)}`);
  }
}
