import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AnchorClient } from '../../anchor/ledger/anchor-client.ts';
import { auditLog } from '../../anchor/log/audit-log.ts';
import { integratePending } from '../../anchor/log/integrate.ts';
import { logRecord } from '../../anchor/log/log-record.ts';
import { openLogDatabase } from '../../anchor/log/open-log-database.ts';
import { MerkleTree, leafHash } from '../../anchor/merkle.ts';
import type { Database } from '../../store/open.ts';
import { STORAGES, testStorage, type TestStorage } from '../support/storage.ts';

/**
 * The log half of `govshare audit` (anchor/log/audit-log.ts) on logs larger than one page of
 * its reads, with seqs out of order, and on every kind of damage it names, against anchored
 * checkpoints given by a fake ledger.
 */
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

type Checkpoint = { treeSize: number; root: Uint8Array };

function fakeAnchor(checkpoints: Checkpoint[]): AnchorClient {
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

async function integrateAll(db: Database, maxLeaves?: number): Promise<number> {
  let total = 0;
  for (;;) {
    const { integrated } = await integratePending(db, maxLeaves);
    if (integrated === 0) return total;
    total += integrated;
  }
}

/** Records an anchored checkpoint of the current head, as the worker would once the ledger confirmed it. */
async function anchorHead(db: Database): Promise<Checkpoint> {
  const [head] = await db.query<{ size: number; root: Uint8Array }>('SELECT size, root FROM merkle_state');
  await db.query(
    `INSERT INTO checkpoints (tree_size, root, signed, signer, chain_id, contract, tx_hash, block_number, block_time)
     VALUES ($1, $2, 'signed', 'did:test', 1337, '0xcontract', '0xtx', 1, now()) ON CONFLICT DO NOTHING`,
    [head!.size, head!.root],
  );
  return { treeSize: head!.size, root: new Uint8Array(head!.root) };
}

/** `count` log entries in one statement (salted or not), as stores would have committed them. */
async function bulkLog(db: Database, count: number, prefix: string, salted = true): Promise<void> {
  await db.query(
    `INSERT INTO record_log (record_table, record_id, salt, digest)
       SELECT 'things', $1 || g, CASE WHEN $2 THEN decode(md5(g::text || 's') || md5(g::text || 't'), 'hex') END, decode(md5(g::text || $1) || md5($1 || g::text), 'hex')
         FROM generate_series(1, $3::int) g`,
    [prefix, salted, count],
  );
}

/** Leaf hashes in leaf order, straight from the log entries (what the audit must rebuild). */
async function expectedTree(db: Database): Promise<MerkleTree> {
  const rows = await db.query<{ digest: Uint8Array }>(
    'SELECT l.digest FROM log_batches b, unnest(b.seqs) WITH ORDINALITY AS u(seq, ord) JOIN record_log l ON l.seq = u.seq ORDER BY b.first_leaf, u.ord',
  );
  const tree = new MerkleTree();
  tree.appendLeaves(rows.map((r) => leafHash(new Uint8Array(r.digest))));
  return tree;
}

const replica = (db: Database, sql: string, params: unknown[] = []) =>
  db.transaction(async (tx) => {
    await tx.query('SET LOCAL session_replication_role = replica');
    await tx.query(sql, params);
  });

describe.each(STORAGES)('the log audit over %s', (kind) => {
  let storage: TestStorage;
  let db: Database;
  beforeEach(async () => {
    storage = testStorage(kind);
    db = await openLogDatabase(storage.config, 'logaudit', 'logaudit');
  });
  afterEach(async () => {
    await db.close();
    await storage.cleanup();
  });

  it('rebuilds a log of several pages and many checkpoints, seqs out of order included', async () => {
    const checkpoints: Checkpoint[] = [];
    await bulkLog(db, 23_456, 'a');
    await integrateAll(db, 7_000);
    checkpoints.push(await anchorHead(db));
    // Entries whose seqs sit far from the rest (a late commit, a sequence moved on), unsalted ones too.
    await db.query(
      "INSERT INTO record_log (seq, record_table, record_id, salt, digest) OVERRIDING SYSTEM VALUE VALUES (9000000001, 'things', 'far-1', NULL, $1), (9000000002, 'things', 'far-2', $2, $3)",
      [randomBytes(32), randomBytes(32), randomBytes(32)],
    );
    await bulkLog(db, 31_000, 'b', false);
    await integrateAll(db, 9_999);
    checkpoints.push(await anchorHead(db));
    for (let i = 0; i < 5; i++) await db.transaction((tx) => logRecord(tx, 'things', { id: `small-${i}` }));
    await integrateAll(db, 2);
    checkpoints.push(await anchorHead(db));

    const tree = await expectedTree(db);
    expect(tree.size).toBe(23_456 + 2 + 31_000 + 5);
    for (const checkpoint of checkpoints) expect(hex(checkpoint.root)).toBe(hex(tree.rootAt(checkpoint.treeSize)));
    const progress: number[] = [];
    expect(await auditLog(db, 'logaudit', fakeAnchor(checkpoints), (n) => progress.push(n))).toEqual({ leaves: tree.size, anchoredCheckpoints: 3, findings: [] });
    expect(progress.at(-1)).toBe(tree.size);
    expect(progress.length).toBeGreaterThan(1);
  });

  it('names every kind of damage to the log and its checkpoints', async () => {
    for (let i = 0; i < 40; i++) await db.transaction((tx) => logRecord(tx, 'things', { id: `r${i}` }));
    await integrateAll(db, 10);
    const first = await anchorHead(db);
    await bulkLog(db, 60, 'more');
    await integrateAll(db, 25);
    const second = await anchorHead(db);
    const tree = await expectedTree(db);
    expect(second.treeSize).toBe(100);
    expect(await auditLog(db, 'logaudit', fakeAnchor([first, second]))).toEqual({ leaves: 100, anchoredCheckpoints: 2, findings: [] });

    const [r3] = await db.query<{ seq: number }>("SELECT seq FROM record_log WHERE record_id = 'r3'");
    const [r12] = await db.query<{ seq: number }>("SELECT seq FROM record_log WHERE record_id = 'r12'");
    // A logged digest changed, a log entry removed, the last batch (leaves 90..99) removed, a local
    // checkpoint the ledger does not hold, and a ledger holding a forged root and a size beyond the log.
    await replica(db, "UPDATE record_log SET digest = $1 WHERE record_id = 'r3'", [randomBytes(32)]);
    await replica(db, "DELETE FROM record_log WHERE record_id = 'r12'");
    await replica(db, 'DELETE FROM log_batches WHERE first_leaf = 90');
    await db.query(`INSERT INTO checkpoints (tree_size, root, signed, signer, tx_hash) VALUES (50, $1, 'signed', 'did:test', '0xlost')`, [Buffer.from(tree.rootAt(50))]);
    const forged = { treeSize: 60, root: randomBytes(32) };
    const beyond = { treeSize: 120, root: randomBytes(32) };

    const result = await auditLog(db, 'logaudit', fakeAnchor([first, forged, second, beyond]));
    expect(result).toEqual({
      leaves: 90,
      anchoredCheckpoints: 4,
      findings: [
        { problem: 'LEAF_ALTERED', detail: 'the logged digest of leaf 3 changed after it was integrated', table: 'things', id: 'r3' },
        { problem: 'LEAF_GAP', detail: `the log entry of leaf 12 (seq ${r12!.seq}) is missing from the log`, treeSize: 12 },
        { problem: 'ROOT_MISMATCH', detail: `at size 60 the ledger holds ${hex(forged.root)}, the log gives ${hex(tree.rootAt(60))}`, treeSize: 60 },
        { problem: 'NOT_CONSISTENT', detail: 'no consistency between anchored sizes 40 and 60', treeSize: 60 },
        { problem: 'LOG_TRUNCATED', detail: 'the ledger anchors size 100, the log holds 90 leaves', treeSize: 100 },
        { problem: 'CHECKPOINT_NOT_ON_LEDGER', detail: 'checkpoint of size 50 recorded as anchored is not on the ledger', treeSize: 50 },
      ],
    });
    expect(r3).toBeDefined();
  });

  it('carries on past batches removed in the middle of the log, and past a stored leaf changed', async () => {
    await bulkLog(db, 300, 'x');
    await integrateAll(db, 50);
    const checkpoint = await anchorHead(db);
    const tree = await expectedTree(db);
    await replica(db, 'DELETE FROM log_batches WHERE first_leaf IN (100, 150)');
    const forgedLeaf = randomBytes(32);
    await replica(db, 'UPDATE merkle_tiles SET hashes = substring(hashes FROM 1 FOR 32 * 5) || $1 || substring(hashes FROM 32 * 6 + 1) WHERE level = 0 AND tile = 1', [forgedLeaf]);
    const [entry] = await db.query<{ record_id: string }>('SELECT l.record_id FROM log_batches b, unnest(b.seqs) WITH ORDINALITY AS u(seq, ord) JOIN record_log l ON l.seq = u.seq WHERE b.first_leaf = 250 AND u.ord = 12');

    const result = await auditLog(db, 'logaudit', fakeAnchor([checkpoint]));
    // Leaves 200.. are rebuilt as leaves 100.. (what exists is kept going), so the root cannot match.
    expect(result.leaves).toBe(200);
    expect(result.findings).toEqual([
      { problem: 'LEAF_GAP', detail: 'leaves 100..199 are missing from the log', treeSize: 100 },
      { problem: 'LEAF_ALTERED', detail: 'the logged digest of leaf 261 changed after it was integrated', table: 'things', id: entry!.record_id },
      { problem: 'LOG_TRUNCATED', detail: 'the ledger anchors size 300, the log holds 200 leaves', treeSize: 300 },
    ]);
    expect(hex(checkpoint.root)).toBe(hex(tree.root()));
  });
});
