import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnchorClient } from '../../anchor/ledger/anchor-client.ts';
import { assertLoggedVersion } from '../../anchor/log/assert-logged-version.ts';
import { auditLog } from '../../anchor/log/audit-log.ts';
import { checkRecords } from '../../anchor/log/check-records.ts';
import { loadFirstAnchoredProof } from '../../anchor/log/first-anchored-proof.ts';
import { integratePending } from '../../anchor/log/integrate.ts';
import { logDigest } from '../../anchor/log/log-digest.ts';
import { logRecord } from '../../anchor/log/log-record.ts';
import { openLogDatabase } from '../../anchor/log/open-log-database.ts';
import { loadRecordProofs } from '../../anchor/log/proof.ts';
import { leafHash, verifyInclusion } from '../../anchor/merkle.ts';
import type { Database } from '../../store/open.ts';
import { STORAGES, testStorage, type TestStorage } from '../support/storage.ts';

/**
 * Unsalted leaves (003_unsalted_leaves.sql): a digest the caller computed itself (a
 * credential's signing input) sits in the same log as salted record digests. Every reader
 * copes: proofs against the first anchored checkpoint that covers the leaf, record proofs and
 * the record audit ignore it, the log audit counts it like any leaf.
 */
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const sha256 = (text: string) => createHash('sha256').update(text).digest();

async function integrateAll(db: Database): Promise<void> {
  while ((await integratePending(db)).integrated > 0);
}

/** Records an anchored checkpoint of the current head, as the worker would once the ledger confirmed it. */
async function anchorHead(db: Database, block: number): Promise<{ treeSize: number; root: Uint8Array }> {
  const [head] = await db.query<{ size: number; root: Uint8Array }>('SELECT size, root FROM merkle_state');
  await db.query(
    `INSERT INTO checkpoints (tree_size, root, signed, signer, chain_id, contract, tx_hash, block_number, block_time)
     VALUES ($1, $2, 'signed', 'did:test', 1337, '0xcontract', $3, $4, now())`,
    [head!.size, head!.root, `0xtx${block}`, block],
  );
  return { treeSize: head!.size, root: new Uint8Array(head!.root) };
}

function fakeAnchor(checkpoints: { treeSize: number; root: Uint8Array }[]): AnchorClient {
  const onChain = (i: number) => ({ logId: '0x', index: i, treeSize: checkpoints[i]!.treeSize, root: `0x${hex(checkpoints[i]!.root)}`, member: '0x', blockNumber: 1, blockTimestamp: 1 });
  return {
    checkpointCount: async () => checkpoints.length,
    checkpointAt: async (_logId: string, i: number) => onChain(i),
    readCheckpoint: async (_logId: string, size: number) => {
      const i = checkpoints.findIndex((c) => c.treeSize === size);
      return i < 0 ? null : onChain(i);
    },
  } as unknown as AnchorClient;
}

describe.each(STORAGES)('unsalted leaves (%s)', (kind) => {
  let storage: TestStorage;
  let db: Database;

  beforeAll(async () => {
    storage = testStorage(kind);
    db = await openLogDatabase(storage.config, 'unsalted', 'unsalted');
    await db.exec('CREATE TABLE things (id text PRIMARY KEY, name text NOT NULL)');
  });
  afterAll(async () => {
    await db?.close();
    await storage?.cleanup();
  });

  it('refuses a salt that is not 32 bytes, and a digest that is not 32 bytes', async () => {
    await expect(db.query("INSERT INTO record_log (record_table, record_id, salt, digest) VALUES ('x', 'y', '\\x00', $1)", [randomBytes(32)])).rejects.toThrow();
    await expect(db.transaction((tx) => logDigest(tx, 'credential', 'short', randomBytes(31)))).rejects.toThrow(RangeError);
  });

  it('proves an unsalted leaf against the first anchored checkpoint covering it, not the newest', async () => {
    const thing = { id: 't1', name: 'first' };
    await db.transaction(async (tx) => {
      await tx.query('INSERT INTO things (id, name) VALUES ($1, $2)', [thing.id, thing.name]);
      await logRecord(tx, 'things', thing);
    });
    const digest = sha256('header.payload-of-credential-1');
    await db.transaction((tx) => logDigest(tx, 'credential', 'urn:test:1', digest));

    expect(await loadFirstAnchoredProof(db, 'credential', 'urn:test:1')).toEqual({ status: 'PENDING_INTEGRATION', logId: 'unsalted', digest: hex(digest), leafIndex: null });
    await integrateAll(db);
    expect(await loadFirstAnchoredProof(db, 'credential', 'urn:test:1')).toEqual({ status: 'PENDING_ANCHOR', logId: 'unsalted', digest: hex(digest), leafIndex: 1 });

    const first = await anchorHead(db, 10);
    // More leaves and a later checkpoint: the proof must stay against the first one.
    for (let i = 0; i < 5; i++) await db.transaction((tx) => logDigest(tx, 'credential', `urn:test:later-${i}`, randomBytes(32)));
    await integrateAll(db);
    const second = await anchorHead(db, 20);
    expect(second.treeSize).toBe(7);

    const proof = await loadFirstAnchoredProof(db, 'credential', 'urn:test:1');
    if (proof.status !== 'ANCHORED') throw new Error(`expected ANCHORED, got ${proof.status}`);
    expect(proof).toMatchObject({ logId: 'unsalted', digest: hex(digest), leafIndex: 1, treeSize: first.treeSize });
    expect(proof.checkpoint).toMatchObject({ treeSize: 2, root: hex(first.root), anchor: { blockNumber: 10, txHash: '0xtx10' } });
    const path = proof.auditPath.map((h) => Buffer.from(h, 'hex'));
    expect(verifyInclusion(leafHash(digest), proof.leafIndex, proof.treeSize, path, first.root)).toBe(true);
    // Against the newer root the same path fails: it is a proof for the first checkpoint.
    expect(verifyInclusion(leafHash(digest), proof.leafIndex, second.treeSize, path, second.root)).toBe(false);

    const later = await loadFirstAnchoredProof(db, 'credential', 'urn:test:later-4');
    expect(later).toMatchObject({ status: 'ANCHORED', leafIndex: 6, treeSize: 7 });
    expect(await loadFirstAnchoredProof(db, 'credential', 'urn:test:never')).toEqual({ status: 'UNKNOWN' });
  });

  it('keeps unsalted entries out of record proofs, the record audit and the logged-version check', async () => {
    // An unsalted leaf under a record's own name (what a bug or a hostile writer could add).
    await db.transaction((tx) => logDigest(tx, 'things', 't1', randomBytes(32)));
    await integrateAll(db);
    const [proof] = await loadRecordProofs(db, [{ table: 'things', id: 't1' }]);
    expect(Buffer.from(proof!.salt, 'base64url')).toHaveLength(32);
    expect(await loadRecordProofs(db, [{ table: 'credential', id: 'urn:test:1' }])).toEqual([null]);
    expect(await checkRecords(db, ['things'])).toEqual({ checked: 1, findings: [] });
    await db.transaction((tx) => assertLoggedVersion(tx, 'things', { id: 't1', name: 'first' }));

    // A row with only an unsalted entry was never logged as a record: INSERTED.
    await db.query("INSERT INTO things (id, name) VALUES ('t2', 'behind the back')");
    await db.transaction((tx) => logDigest(tx, 'things', 't2', randomBytes(32)));
    expect((await checkRecords(db, ['things'])).findings).toEqual([{ table: 'things', id: 't2', problem: 'INSERTED' }]);
    await expect(db.transaction((tx) => assertLoggedVersion(tx, 'things', { id: 't2', name: 'behind the back' }))).rejects.toMatchObject({ code: 'RECORD_TAMPERED' });
  });

  it('audits a log holding unsalted leaves like any other', async () => {
    await integrateAll(db);
    const last = await anchorHead(db, 30);
    const rows = await db.query<{ tree_size: number; root: Uint8Array }>('SELECT tree_size, root FROM checkpoints ORDER BY tree_size');
    const result = await auditLog(db, 'unsalted', fakeAnchor(rows.map((r) => ({ treeSize: r.tree_size, root: new Uint8Array(r.root) }))));
    expect(result).toMatchObject({ leaves: last.treeSize, anchoredCheckpoints: 3, findings: [] });
  });
});
