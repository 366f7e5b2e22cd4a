import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AnchorClient } from '../../anchor/ledger/anchor-client.ts';
import { auditLog } from '../../anchor/log/audit-log.ts';
import { integratePending } from '../../anchor/log/integrate.ts';
import { logRecord } from '../../anchor/log/log-record.ts';
import { RECORD_LOG_MIGRATIONS } from '../../anchor/log/migrations.ts';
import { openLogDatabase } from '../../anchor/log/open-log-database.ts';
import { loadRecordProofs } from '../../anchor/log/proof.ts';
import { MerkleTree, leafHash, verifyInclusion } from '../../anchor/merkle.ts';
import { migrate } from '../../store/migrate.ts';
import { openDatabase, type Database } from '../../store/open.ts';
import { STORAGES, testStorage, type TestStorage } from '../support/storage.ts';

/**
 * The log's storage (tiles, batches, pending marks) below the worker: what the
 * integrator writes, what proofs and the audit read back, what the database
 * refuses, a dev data dir migrated from one-row-per-node storage, and rows
 * that commit out of seq order.
 */
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** An AnchorClient that only answers the audit's reads, from a list of (size, root). */
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

async function integrateAll(db: Database, maxLeaves?: number): Promise<number> {
  let total = 0;
  for (;;) {
    const { integrated } = await integratePending(db, maxLeaves);
    if (integrated === 0) return total;
    total += integrated;
  }
}

/** Records an anchored checkpoint of the current head, as the worker would after the ledger confirmed it. */
async function anchorHead(db: Database): Promise<{ treeSize: number; root: Uint8Array }> {
  const [head] = await db.query<{ size: number; root: Uint8Array }>('SELECT size, root FROM merkle_state');
  await db.query(
    `INSERT INTO checkpoints (tree_size, root, signed, signer, chain_id, contract, tx_hash, block_number, block_time)
     VALUES ($1, $2, 'signed', 'did:test', 1337, '0xcontract', '0xtx', 1, now()) ON CONFLICT DO NOTHING`,
    [head!.size, head!.root],
  );
  return { treeSize: head!.size, root: new Uint8Array(head!.root) };
}

const digestsInLeafOrder = async (db: Database) =>
  (
    await db.query<{ digest: Uint8Array }>(
      'SELECT l.digest FROM log_batches b, unnest(b.seqs) WITH ORDINALITY AS u(seq, ord) JOIN record_log l ON l.seq = u.seq ORDER BY b.first_leaf, u.ord',
    )
  ).map((r) => new Uint8Array(r.digest));

describe.each(STORAGES)('log storage over %s', (kind) => {
  let storage: TestStorage;
  let db: Database;
  beforeEach(async () => {
    storage = testStorage(kind);
    db = await openLogDatabase(storage.config, 'logstore', 'logstore');
  });
  afterEach(async () => {
    await db.close();
    await storage.cleanup();
  });

  it('integrates in batches into tiles whose proofs and roots match an in-memory tree', async () => {
    const ids = Array.from({ length: 1_300 }, (_, i) => `r${i}`);
    for (let i = 0; i < ids.length; i += 100) {
      await db.transaction(async (tx) => {
        for (const id of ids.slice(i, i + 100)) await logRecord(tx, 'things', { id, n: id.length });
      });
    }
    // Odd batch sizes so tiles of every level are extended across integrations.
    expect(await integrateAll(db, 37)).toBe(ids.length);
    const leaves = (await digestsInLeafOrder(db)).map(leafHash);
    const tree = new MerkleTree();
    tree.appendLeaves(leaves);
    const checkpoint = await anchorHead(db);
    expect(hex(checkpoint.root)).toBe(hex(tree.root()));
    expect(await db.query('SELECT 1 FROM log_pending')).toEqual([]);

    const proofs = await loadRecordProofs(db, ids.map((id) => ({ table: 'things', id })));
    proofs.forEach((proof, i) => {
      expect(proof).toMatchObject({ status: 'ANCHORED', treeSize: ids.length, leafIndex: i });
      const path = proof!.auditPath!.map((h) => Buffer.from(h, 'hex'));
      expect(path.map(hex)).toEqual(tree.inclusionProof(i).map(hex));
      expect(verifyInclusion(leafHash(Buffer.from(proof!.digest, 'hex')), i, ids.length, path, checkpoint.root)).toBe(true);
    });
    expect(await auditLog(db, 'logstore', fakeAnchor([checkpoint]))).toEqual({ leaves: ids.length, anchoredCheckpoints: 1, findings: [] });
  });

  it('refuses any change to a tile but an append, and any change to a batch', async () => {
    for (let i = 0; i < 10; i++) await db.transaction((tx) => logRecord(tx, 'things', { id: `r${i}` }));
    await integrateAll(db);
    const [tile] = await db.query<{ hashes: Uint8Array }>('SELECT hashes FROM merkle_tiles WHERE level = 0 AND tile = 0');
    expect(tile!.hashes.length).toBe(10 * 32);
    const altered = Buffer.from(tile!.hashes);
    altered[0]! ^= 1;
    await expect(db.query('UPDATE merkle_tiles SET hashes = $1 WHERE level = 0 AND tile = 0', [altered])).rejects.toThrow(/append-only/);
    await expect(db.query('UPDATE merkle_tiles SET hashes = substring(hashes FROM 1 FOR 32) WHERE level = 0')).rejects.toThrow(/append-only/);
    await expect(db.query('DELETE FROM merkle_tiles')).rejects.toThrow(/append-only/);
    await expect(db.query('UPDATE log_batches SET first_leaf = first_leaf + 1')).rejects.toThrow(/append-only/);
    await expect(db.query('DELETE FROM log_batches')).rejects.toThrow(/append-only/);
    await expect(db.query("UPDATE record_log SET record_id = 'x'")).rejects.toThrow(/append-only/);
    // An append is what the integrator does, and is allowed.
    await db.query('UPDATE merkle_tiles SET hashes = hashes || $1 WHERE level = 0 AND tile = 0', [randomBytes(32)]);
  });

  it('names a digest changed after integration and a stored leaf changed behind the triggers', async () => {
    for (let i = 0; i < 300; i++) await db.transaction((tx) => logRecord(tx, 'things', { id: `r${i}` }));
    await integrateAll(db, 120);
    const checkpoint = await anchorHead(db);
    await db.transaction(async (tx) => {
      await tx.query('SET LOCAL session_replication_role = replica');
      await tx.query("UPDATE record_log SET digest = $1 WHERE record_id = 'r7'", [randomBytes(32)]);
    });
    const result = await auditLog(db, 'logstore', fakeAnchor([checkpoint]));
    expect(result.findings).toEqual([expect.objectContaining({ problem: 'LEAF_ALTERED', table: 'things', id: 'r7' })]);

    await db.transaction(async (tx) => {
      await tx.query('SET LOCAL session_replication_role = replica');
      await tx.query('UPDATE merkle_tiles SET hashes = $1 || substring(hashes FROM 33) WHERE level = 0 AND tile = 1', [randomBytes(32)]);
    });
    const problems = (await auditLog(db, 'logstore', fakeAnchor([checkpoint]))).findings.map((f) => f.problem);
    expect(problems).toContain('LEAF_ALTERED');
    expect(problems).toContain('ROOT_MISMATCH');
  });

  it('integrates a row written with triggers off, and names a log row removed after integration', async () => {
    await db.transaction(async (tx) => {
      await tx.query('SET LOCAL session_replication_role = replica');
      await logRecord(tx, 'things', { id: 'quiet' });
    });
    for (let i = 0; i < 5; i++) await db.transaction((tx) => logRecord(tx, 'things', { id: `r${i}` }));
    expect(await integrateAll(db)).toBe(6);
    const checkpoint = await anchorHead(db);
    await db.transaction(async (tx) => {
      await tx.query('SET LOCAL session_replication_role = replica');
      await tx.query("DELETE FROM record_log WHERE record_id = 'r2'");
    });
    const result = await auditLog(db, 'logstore', fakeAnchor([checkpoint]));
    expect(result.leaves).toBe(6);
    expect(result.findings).toEqual([expect.objectContaining({ problem: 'LEAF_GAP' })]);
  });
});

describe('log storage migrated from one row per node', () => {
  it('keeps an existing dev data dir: nodes become tiles, leaf indexes batches, pending rows stay pending', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'govshare-logmig-'));
    const firstOnly = fs.mkdtempSync(path.join(os.tmpdir(), 'govshare-logmig-sql-'));
    try {
      fs.copyFileSync(path.join(RECORD_LOG_MIGRATIONS, '001_record_log.sql'), path.join(firstOnly, '001_record_log.sql'));
      let db = await openDatabase({ dataDir }, 'old');
      await migrate(db, firstOnly, 'log/');
      // The previous integrator's writes: a leaf index per row, a row per node.
      const rows = 700;
      for (let i = 0; i < rows; i++) await db.transaction((tx) => logRecord(tx, 'things', { id: `r${i}` }));
      const old = await db.query<{ seq: number; digest: Uint8Array }>('SELECT seq, digest FROM record_log ORDER BY seq LIMIT 600');
      const tree = new MerkleTree();
      const levels: number[] = [];
      const idx: number[] = [];
      const hashes: Uint8Array[] = [];
      tree.store.put = ((put) => (level: number, index: number, hash: Uint8Array) => {
        levels.push(level);
        idx.push(index);
        hashes.push(hash);
        put(level, index, hash);
      })(tree.store.put.bind(tree.store));
      tree.appendLeaves(old.map((r) => leafHash(r.digest)));
      await db.query('INSERT INTO merkle_nodes (level, idx, hash) SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::bytea[])', [levels, idx, hashes.map((h) => Buffer.from(h))]);
      await db.query('UPDATE record_log l SET leaf_index = u.leaf FROM unnest($1::bigint[], $2::bigint[]) AS u(seq, leaf) WHERE l.seq = u.seq', [old.map((r) => r.seq), old.map((_, i) => i)]);
      await db.query('UPDATE merkle_state SET size = $1, root = $2, frontier = $3', [tree.size, Buffer.from(tree.root()), tree.frontier().hashes.map((h) => Buffer.from(h))]);
      await db.close();

      db = await openLogDatabase({ dataDir }, 'old', 'old');
      try {
        expect(await db.query<{ n: number }>('SELECT count(*)::int8 AS n FROM log_pending')).toEqual([{ n: rows - 600 }]);
        expect(await integrateAll(db)).toBe(rows - 600);
        const rest = await db.query<{ digest: Uint8Array }>('SELECT digest FROM record_log ORDER BY seq OFFSET 600');
        tree.appendLeaves(rest.map((r) => leafHash(r.digest)));
        const checkpoint = await anchorHead(db);
        expect(hex(checkpoint.root)).toBe(hex(tree.root()));
        const [proof] = await loadRecordProofs(db, [{ table: 'things', id: 'r5' }]);
        expect(proof).toMatchObject({ status: 'ANCHORED', leafIndex: 5, auditPath: tree.inclusionProof(5).map(hex) });
        expect((await auditLog(db, 'old', fakeAnchor([checkpoint]))).findings).toEqual([]);
      } finally {
        await db.close();
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
      fs.rmSync(firstOnly, { recursive: true, force: true });
    }
  });
});

describe('log storage on one PostgreSQL schema shared by several connections', () => {
  let storage: TestStorage;
  let first: Database;
  let second: Database;
  beforeEach(async () => {
    storage = testStorage('postgres');
    first = await openLogDatabase(storage.config, 'shared', 'shared');
    second = await openLogDatabase(storage.config, 'shared', 'shared');
  });
  afterEach(async () => {
    await first.close();
    await second.close();
    await storage.cleanup();
  });

  it('integrates a row that commits after a higher seq was integrated, never skipping it', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let logged!: () => void;
    const wrote = new Promise<void>((resolve) => (logged = resolve));
    const late = first.transaction(async (tx) => {
      await logRecord(tx, 'things', { id: 'late' }); // takes the lower seq
      logged();
      await held;
    });
    await wrote;
    await second.transaction((tx) => logRecord(tx, 'things', { id: 'early' }));
    expect(await integrateAll(second)).toBe(1);
    release();
    await late;
    expect(await integrateAll(second)).toBe(1);
    const [lateEntry, earlyEntry] = await loadRecordProofs(second, [{ table: 'things', id: 'late' }, { table: 'things', id: 'early' }]);
    expect(earlyEntry!.leafIndex).toBe(0);
    expect(lateEntry!.leafIndex).toBe(1);
    const [{ seq: lateSeq }] = (await second.query<{ seq: number }>("SELECT seq FROM record_log WHERE record_id = 'late'")) as [{ seq: number }];
    const [{ seq: earlySeq }] = (await second.query<{ seq: number }>("SELECT seq FROM record_log WHERE record_id = 'early'")) as [{ seq: number }];
    expect(lateSeq).toBeLessThan(earlySeq);
  });

  it('serialises two integrators: every leaf once, one consistent tree', async () => {
    for (let i = 0; i < 40; i++) await first.transaction((tx) => logRecord(tx, 'things', { id: `r${i}` }));
    const [a, b] = await Promise.all([integrateAll(first, 3), integrateAll(second, 5)]);
    expect(a + b).toBe(40);
    const leaves = (await digestsInLeafOrder(first)).map(leafHash);
    expect(leaves).toHaveLength(40);
    const tree = new MerkleTree();
    tree.appendLeaves(leaves);
    const [head] = await first.query<{ size: number; root: Uint8Array }>('SELECT size, root FROM merkle_state');
    expect(head!.size).toBe(40);
    expect(hex(head!.root)).toBe(hex(tree.root()));
  });
});
