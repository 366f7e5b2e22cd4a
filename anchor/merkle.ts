/**
 * The Merkle log of govshare: RFC 9162 §2.1 trees (the hashing of RFC 6962),
 * one append-only log per department and one for the gateway's audit trail.
 *
 * - Verifying (anyone holding a root): `verifyInclusion`, `verifyConsistency`,
 *   the conformance functions of DESIGN.md. They return false, never throw.
 * - Building (the log owner): `MerkleTree`, or the functions over a
 *   `NodeStore` for a log kept in a database, and the pure planning functions
 *   that name the stored nodes a root or a proof needs.
 *
 * Pure library: no I/O. Hashes are 32-byte Uint8Arrays.
 */
export { EMPTY_ROOT, HASH_SIZE, bytesEqual, isHash, leafHash, nodeHash } from './merkle/hash.ts';
export { verifyConsistency, verifyInclusion } from './merkle/verify.ts';
export {
  planConsistencyProof,
  planInclusionProof,
  planRoot,
  splitPoint,
  subtreeNodes,
  type NodeId,
  type Plan,
} from './merkle/plan.ts';
export { MemoryNodeStore, type NodeStore } from './merkle/store.ts';
export {
  EMPTY_FRONTIER,
  MerkleTree,
  appendLeaves,
  appendToFrontier,
  assembleProof,
  assembleRoot,
  consistencyProof,
  foldSubtree,
  frontierOf,
  frontierRoot,
  inclusionProof,
  rootOf,
  type AppendResult,
  type Frontier,
  type NodeLookup,
} from './merkle/tree.ts';
