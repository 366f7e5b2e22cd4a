import { randomBytes } from 'node:crypto';
import { Wallet } from 'ethers';
import { describe, expect, it } from 'vitest';
import { signCheckpoint, verifyCheckpointSignature } from '../../anchor/log/checkpoint-signature.ts';
import type { RecordProof } from '../../anchor/log/proof.ts';
import { recordDigest } from '../../anchor/log/record-digest.ts';
import { verifyProofBundle } from '../../anchor/log/verify-bundle.ts';
import { MerkleTree, leafHash } from '../../anchor/merkle.ts';

/** Offline verification of proof bundles: what a holder can check with no ledger at all. */
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const owner = Wallet.createRandom();
const did = `did:ethr:0x539:${owner.address.toLowerCase()}`;
const record = { id: 'b6b1', title: 'Metro line 19', total_minor: 12345600, recorded_at: '2026-11-25T09:00:00.000Z' };
const salt = randomBytes(32);

async function genuineBundle(): Promise<RecordProof> {
  const digest = recordDigest('budgets', record, salt);
  const tree = new MerkleTree();
  tree.appendLeaves([...Array.from({ length: 5 }, () => leafHash(randomBytes(32))), leafHash(digest), leafHash(randomBytes(32))]);
  const root = hex(tree.root());
  const signed = await signCheckpoint({ logId: 'finance', treeSize: tree.size, root }, owner.privateKey, did);
  return {
    status: 'ANCHORED',
    logId: 'finance',
    table: 'budgets',
    salt: salt.toString('base64url'),
    digest: digest.toString('hex'),
    leafIndex: 5,
    treeSize: tree.size,
    auditPath: tree.inclusionProof(5).map(hex),
    checkpoint: {
      logId: 'finance',
      treeSize: tree.size,
      root,
      signed,
      signer: did,
      anchor: { chainId: 1337, contract: '0x0', txHash: '0x0', blockNumber: 1, blockTime: '2026-11-25T09:00:00.000Z' },
    },
  };
}

const failed = async (bundle: RecordProof, withRecord = record) =>
  (await verifyProofBundle(bundle, { record: withRecord })).checks.filter((c) => !c.ok).map((c) => c.code);

describe('proof bundle, offline', () => {
  it('accepts a genuine bundle: digest, inclusion, statement and signature', async () => {
    const bundle = await genuineBundle();
    const verdict = await verifyProofBundle(bundle, { record });
    expect(verdict).toMatchObject({ valid: true });
    expect(verdict.checks.map((c) => c.id)).toEqual(['digest', 'inclusion', 'checkpoint-statement', 'checkpoint-signature']);
    expect(verifyCheckpointSignature(bundle.checkpoint!.signed, { logId: 'finance', treeSize: 7, root: bundle.checkpoint!.root }, did)).toBe(true);
  });

  it('names what is wrong with a tampered bundle, never throwing', async () => {
    const bundle = await genuineBundle();
    expect(await failed(bundle, { ...record, title: 'Metro line 20' })).toEqual(['DIGEST_MISMATCH']);
    expect(await failed({ ...bundle, leafIndex: 4 })).toEqual(['INCLUSION_INVALID']);
    expect(await failed({ ...bundle, auditPath: bundle.auditPath!.slice(1) })).toEqual(['INCLUSION_INVALID']);
    expect(await failed({ ...bundle, auditPath: ['zz', '', 'not hex'] })).toEqual(['INCLUSION_INVALID']);
    expect(await failed({ ...bundle, logId: 'justice' })).toEqual(['CHECKPOINT_MISMATCH']);
    const otherRoot = hex(randomBytes(32));
    expect(await failed({ ...bundle, checkpoint: { ...bundle.checkpoint!, root: otherRoot } })).toEqual(['INCLUSION_INVALID', 'CHECKPOINT_MISMATCH']);
    expect(await failed({ ...bundle, checkpoint: { ...bundle.checkpoint!, signed: 'not.a.jws' } })).toEqual(['SIGNATURE_INVALID']);
    expect(await failed({ ...bundle, checkpoint: { ...bundle.checkpoint!, signed: '' } })).toEqual(['SIGNATURE_INVALID']);
    const [h, p, s] = bundle.checkpoint!.signed.split('.');
    const flipped = Buffer.from(s!, 'base64url');
    flipped[10]! ^= 1;
    // A flipped signature either recovers no key at all or some other key: refused either way.
    const [code, ...more] = await failed({ ...bundle, checkpoint: { ...bundle.checkpoint!, signed: `${h}.${p}.${flipped.toString('base64url')}` } });
    expect(more).toEqual([]);
    expect(['SIGNATURE_INVALID', 'SIGNER_NEEDS_LEDGER']).toContain(code);
  });

  it('refuses a checkpoint signed by a key that is not the signer DID\'s (offline: needs the ledger)', async () => {
    const bundle = await genuineBundle();
    const stranger = Wallet.createRandom();
    const signed = await signCheckpoint({ logId: 'finance', treeSize: 7, root: bundle.checkpoint!.root }, stranger.privateKey, did);
    expect(await failed({ ...bundle, checkpoint: { ...bundle.checkpoint!, signed } })).toEqual(['SIGNER_NEEDS_LEDGER']);
  });

  it('reports a record not yet anchored as ANCHOR_PENDING', async () => {
    const bundle = await genuineBundle();
    expect(await failed({ ...bundle, status: 'PENDING_ANCHOR', checkpoint: null, treeSize: null, auditPath: null })).toEqual(['ANCHOR_PENDING']);
  });
});
