import { randomBytes, randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AnchorClient, AnchorReceipt, CheckpointInput } from '../../anchor/ledger/anchor-client.ts';
import { logRecord } from '../../anchor/log/log-record.ts';
import { startLogWorker, type Anchoring, type LogWorker } from '../../anchor/log/log-worker.ts';
import { openLogDatabase } from '../../anchor/log/open-log-database.ts';
import { createLogger } from '../../platform/log.ts';
import type { Database } from '../../store/database.ts';
import { testStorage, type TestStorage } from '../support/storage.ts';

/**
 * The log worker's schedule, against a ledger that only records what it is asked to anchor:
 * a checkpoint when the interval has passed or enough leaves wait, never otherwise, a retry
 * after a failure, and rounds that find nothing to do cost the database one cheap read.
 */
const logger = createLogger('test', 'silent');

/** An anchor client that keeps every checkpoint it is asked to anchor; `failNext` fails the next call. */
function recordingLedger() {
  const anchored: CheckpointInput[] = [];
  let failNext = false;
  const client = {
    chainId: 1337,
    contract: '0x0000000000000000000000000000000000000001',
    async anchorCheckpoint(checkpoint: CheckpointInput): Promise<AnchorReceipt> {
      if (failNext) {
        failNext = false;
        throw Object.assign(new Error('ledger down'), { code: 'LEDGER_UNAVAILABLE' });
      }
      anchored.push(checkpoint);
      return { logId: checkpoint.logId, index: anchored.length - 1, treeSize: checkpoint.treeSize, root: '0x', member: '0x', blockNumber: anchored.length, blockTimestamp: 1_764_000_000, chainId: 1337, contract: client.contract, txHash: `0x${randomBytes(32).toString('hex')}`, alreadyAnchored: false };
    },
  } as unknown as AnchorClient;
  return { client, anchored, failOnce: () => (failNext = true) };
}

/** The database with every statement it runs counted, transactions apart. */
function counting(db: Database) {
  const statements: string[] = [];
  let transactions = 0;
  const wrapped: Database = {
    ...db,
    query: (sql, params) => (statements.push(sql), db.query(sql, params)),
    transaction: (work) => (transactions++, db.transaction(work)),
  };
  return { db: wrapped, statements, transactions: () => transactions };
}

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 8_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let storage: TestStorage;
let raw: Database;
let worker: LogWorker | undefined;

beforeEach(async () => {
  storage = testStorage('pglite');
  raw = await openLogDatabase(storage.config, 'finance', 'finance');
});

afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  await raw.close();
  await storage.cleanup();
});

const addRecords = (n: number) =>
  raw.transaction(async (tx) => {
    for (let i = 0; i < n; i++) await logRecord(tx, 'budgets', { id: randomUUID(), title: `record ${i}` });
  });

function start(db: Database, ledger: ReturnType<typeof recordingLedger>, options: Pick<Anchoring, 'intervalMs' | 'maxLeaves'>): LogWorker {
  worker = startLogWorker({ db, logId: 'finance', logger });
  worker.setAnchoring({ client: ledger.client, did: 'did:ethr:0x539:0x0000000000000000000000000000000000000001', privateKey: randomBytes(32).toString('hex'), ...options });
  return worker;
}

describe('the log worker', () => {
  it('anchors what waits once the interval has passed', async () => {
    const ledger = recordingLedger();
    await addRecords(2);
    const log = start(raw, ledger, { intervalMs: 300 });
    await waitFor(() => ledger.anchored.length > 0, 'the first checkpoint');
    expect(ledger.anchored[0]!.treeSize).toBe(2);
    await addRecords(3);
    await waitFor(() => ledger.anchored.length > 1, 'the second checkpoint');
    expect(ledger.anchored.map((c) => c.treeSize)).toEqual([2, 5]);
    expect(await log.status()).toMatchObject({ size: 5, anchoredSize: 5, backlog: 0, anchoring: 'ok' });
  });

  it('within the interval, anchors only once enough leaves wait', async () => {
    const ledger = recordingLedger();
    await addRecords(1);
    const log = start(raw, ledger, { intervalMs: 3_600_000, maxLeaves: 3 });
    // Never anchored: the interval counts as passed.
    await waitFor(() => ledger.anchored.length === 1, 'the first checkpoint');
    await addRecords(2);
    // Four rounds or more: two leaves wait, one short of maxLeaves.
    await sleep(1_200);
    expect(await log.status()).toMatchObject({ size: 3, anchoredSize: 1, backlog: 2 });
    expect(ledger.anchored).toHaveLength(1);
    await addRecords(1);
    await waitFor(() => ledger.anchored.length === 2, 'the checkpoint of three waiting leaves');
    expect(ledger.anchored[1]!.treeSize).toBe(4);
  });

  it('retries a failed checkpoint after a pause, and then covers everything that waits', async () => {
    const ledger = recordingLedger();
    ledger.failOnce();
    await addRecords(2);
    const log = start(raw, ledger, { intervalMs: 100 });
    await waitFor(async () => (await log.status()).anchoring === 'retrying', 'the failure to show');
    await addRecords(1);
    await waitFor(() => ledger.anchored.length === 1, 'the retry');
    expect(ledger.anchored[0]!.treeSize).toBe(3);
    expect(await log.status()).toMatchObject({ anchoredSize: 3, backlog: 0, anchoring: 'ok' });
  });

  it('costs the database one cheap read per round while nothing is committed or due', async () => {
    const ledger = recordingLedger();
    await addRecords(2);
    const db = counting(raw);
    start(db.db, ledger, { intervalMs: 3_600_000 });
    await waitFor(() => ledger.anchored.length === 1, 'the first checkpoint');
    await sleep(300);
    const [statementsBefore, transactionsBefore] = [db.statements.length, db.transactions()];
    await sleep(1_100);
    const idle = db.statements.slice(statementsBefore);
    // Four rounds a second: each asks whether anything is pending, and nothing else.
    expect(idle.length).toBeGreaterThanOrEqual(3);
    expect(new Set(idle)).toEqual(new Set(['SELECT EXISTS (SELECT 1 FROM log_pending) AS pending']));
    expect(db.transactions()).toBe(transactionsBefore);
    // A commit is noticed by the next round and integrated (the leaf waits: the interval has not passed).
    await addRecords(1);
    await waitFor(async () => (await worker!.status()).size === 3, 'the new leaf to be integrated');
    expect(ledger.anchored).toHaveLength(1);
  });
});
