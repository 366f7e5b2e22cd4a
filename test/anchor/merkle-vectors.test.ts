import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MerkleTree, leafHash, verifyConsistency, verifyInclusion } from '../../anchor/merkle.ts';

/**
 * Every file of the transparency-dev/merkle vectors (test/fixtures/rfc6962,
 * see its SOURCE.md) is one test: accepted when `wantErr` is false, rejected
 * when it is true.
 */
const fixtures = fileURLToPath(new URL('../fixtures/rfc6962/', import.meta.url));

interface InclusionVector {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

interface ConsistencyVector {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

function jsonFilesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.json'))
    .sort();
}

function load<T>(kind: 'inclusion' | 'consistency'): Array<[string, T]> {
  const dir = path.join(fixtures, kind);
  return jsonFilesUnder(dir).map((file) => [file, JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as T]);
}

/** Plain Uint8Array (not Buffer), as a caller outside Node would pass. */
const bytes = (base64: string): Uint8Array => new Uint8Array(Buffer.from(base64, 'base64'));
const hashes = (list: string[] | null): Uint8Array[] => (list ?? []).map(bytes);

const inclusion = load<InclusionVector>('inclusion');
const consistency = load<ConsistencyVector>('consistency');

describe('RFC 6962 vectors', () => {
  it('finds the vector files', () => {
    expect(inclusion.length + consistency.length).toBe(197 - 1); // every file but SOURCE.md
    expect(inclusion.some(([, v]) => !v.wantErr) && consistency.some(([, v]) => !v.wantErr)).toBe(true);
  });

  it.each(inclusion)('inclusion %s', (_file, v) => {
    const ok = verifyInclusion(bytes(v.leafHash), v.leafIdx, v.treeSize, hashes(v.proof), bytes(v.root));
    expect(ok, v.desc).toBe(!v.wantErr);
  });

  it.each(consistency)('consistency %s', (_file, v) => {
    const ok = verifyConsistency(v.size1, v.size2, hashes(v.proof), bytes(v.root1), bytes(v.root2));
    expect(ok, v.desc).toBe(!v.wantErr);
  });
});

/**
 * The numbered vectors come from the 8-leaf test tree of RFC 6962's reference
 * code. Building that tree here ties generation, not only verification, to
 * outside data: same roots, and byte-for-byte the same proofs.
 */
describe('the RFC 6962 reference tree', () => {
  const entries = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
  const tree = new MerkleTree();
  tree.appendLeaves(entries.map((hex) => leafHash(Buffer.from(hex, 'hex'))));
  const happyInclusion = inclusion.filter(([file, v]) => /^\d\//.test(file) && !v.wantErr);
  const happyConsistency = consistency.filter(([file, v]) => /^\d\//.test(file) && !v.wantErr);

  it('has happy-path vectors to compare with', () => {
    expect(happyInclusion.length).toBeGreaterThanOrEqual(5);
    expect(happyConsistency.length).toBeGreaterThanOrEqual(5);
  });

  it.each(happyInclusion)('generates the inclusion proof of %s', (_file, v) => {
    expect(tree.rootAt(v.treeSize)).toEqual(bytes(v.root));
    expect(tree.leafHashAt(v.leafIdx)).toEqual(bytes(v.leafHash));
    expect(tree.inclusionProof(v.leafIdx, v.treeSize)).toEqual(hashes(v.proof));
  });

  it.each(happyConsistency)('generates the consistency proof of %s', (_file, v) => {
    expect(tree.rootAt(v.size1)).toEqual(bytes(v.root1));
    expect(tree.rootAt(v.size2)).toEqual(bytes(v.root2));
    expect(tree.consistencyProof(v.size1, v.size2)).toEqual(hashes(v.proof));
  });
});
