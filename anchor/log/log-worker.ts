import type { Database } from '../../store/database.ts';
import type { Logger } from '../../platform/log.ts';
import type { AnchorClient } from '../ledger/anchor-client.ts';
import { logIdFor } from '../ledger/anchor-client.ts';
import type { DidResolver } from '../ledger/did.ts';
import { signCheckpoint } from './checkpoint-signature.ts';
import { INTEGRATION_BATCH, integratePending } from './integrate.ts';
import { latestAnchoredCheckpoint, readHead } from './state.ts';

export interface Anchoring {
  client: AnchorClient;
  /** The log owner's DID and its current private key (hex). */
  did: string;
  privateKey: string;
  /** Anchor at least this often while leaves are waiting (default 5 s). */
  intervalMs?: number;
  /** ...or as soon as this many leaves wait (default 1,000). */
  maxLeaves?: number;
  /**
   * The ledger's DID documents, for whatever else the log owner does with its key once it is
   * connected (a department checks the signed requests it issues credentials on). The log
   * itself never reads it. connectAnchoring always sets it.
   */
  resolver?: DidResolver;
}

export interface LogStatus {
  logId: string;
  size: number;
  anchoredSize: number;
  /** Leaves committed but not yet covered by an anchored checkpoint. */
  backlog: number;
  anchoring: 'off' | 'ok' | 'retrying';
  lastError?: string;
}

export interface LogWorker {
  status(): Promise<LogStatus>;
  /** Starts anchoring once the ledger and the owner's key are available (a department may start first). */
  setAnchoring(anchoring: Anchoring): void;
  /** Integrates and anchors what is pending now (tests and shutdown use it). */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

const INTEGRATE_EVERY_MS = 250;
const MAX_BACKOFF_MS = 30_000;

/**
 * Keeps a department's log moving: integrates committed outbox rows into the
 * tree every quarter second, and every `intervalMs` (or `maxLeaves` leaves)
 * signs the head as a checkpoint and anchors it — one ledger transaction per
 * checkpoint, however many leaves it covers. When the ledger is down it keeps
 * integrating, retries anchoring with exponential backoff (up to 30 s) and
 * catches up with a single checkpoint covering everything: nothing is lost,
 * the backlog only grows until the ledger is back.
 */
export function startLogWorker(options: { db: Database; logId: string; logger: Logger; anchoring?: Anchoring }): LogWorker {
  const { db, logId, logger } = options;
  let anchoring = options.anchoring;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let lastAnchorAt = 0;
  let failures = 0;
  let nextAttemptAt = 0;
  let lastError: string | undefined;
  /**
   * What this worker last saw of the log: the head's size after its own integration, and the size
   * of the newest anchored checkpoint. Both only grow, so `knownSize - knownAnchoredSize` never
   * undercounts the leaves this worker integrated and has not yet anchored. Rounds that can
   * tell from them alone that nothing is due skip the database (below); unset until first read.
   */
  let knownSize: number | undefined;
  let knownAnchoredSize: number | undefined;

  /**
   * Nothing can be due: no retry is allowed yet, or the interval has not passed and too few
   * leaves wait. Four rounds a second used to read the head and the newest checkpoint just to
   * find this out, on a database every request of the gateway's audit trail waits for.
   */
  function surelyNotDue(intervalMs: number, maxLeaves: number): boolean {
    if (Date.now() < nextAttemptAt) return true;
    if (knownSize === undefined || knownAnchoredSize === undefined) return false;
    const waiting = knownSize - knownAnchoredSize;
    return waiting <= 0 || (Date.now() - lastAnchorAt < intervalMs && waiting < maxLeaves);
  }

  async function anchorHead(force: boolean): Promise<void> {
    if (!anchoring) return;
    const intervalMs = anchoring.intervalMs ?? 5_000;
    const maxLeaves = anchoring.maxLeaves ?? 1_000;
    if (!force && surelyNotDue(intervalMs, maxLeaves)) return;
    const [head, anchored] = await Promise.all([readHead(db), latestAnchoredCheckpoint(db)]);
    const anchoredSize = anchored?.treeSize ?? 0;
    knownSize = head.frontier.size;
    knownAnchoredSize = anchoredSize;
    const waiting = head.frontier.size - anchoredSize;
    if (waiting <= 0) return;
    const due = force || waiting >= maxLeaves || Date.now() - lastAnchorAt >= intervalMs;
    if (!due || Date.now() < nextAttemptAt) return;

    const statement = { logId, treeSize: head.frontier.size, root: Buffer.from(head.root).toString('hex') };
    const signed = await signCheckpoint(statement, anchoring.privateKey, anchoring.did);
    await db.query(
      'INSERT INTO checkpoints (tree_size, root, signed, signer) VALUES ($1, $2, $3, $4) ON CONFLICT (tree_size) DO NOTHING',
      [statement.treeSize, Buffer.from(head.root), signed, anchoring.did],
    );
    try {
      const receipt = await anchoring.client.anchorCheckpoint({ logId: logIdFor(logId), treeSize: statement.treeSize, root: head.root });
      await db.query(
        `UPDATE checkpoints SET chain_id = $2, contract = $3, tx_hash = $4, block_number = $5, block_time = to_timestamp($6)
          WHERE tree_size = $1 AND tx_hash IS NULL`,
        [statement.treeSize, receipt.chainId, receipt.contract, receipt.txHash, receipt.blockNumber, receipt.blockTimestamp],
      );
      if (failures > 0) logger.info({ logId, treeSize: statement.treeSize, afterFailures: failures }, 'anchoring caught up');
      failures = 0;
      lastError = undefined;
      lastAnchorAt = Date.now();
      knownAnchoredSize = statement.treeSize;
      logger.info({ logId, treeSize: statement.treeSize, leaves: waiting, txHash: receipt.txHash, block: receipt.blockNumber }, 'checkpoint anchored');
    } catch (error) {
      failures++;
      lastError = `${(error as { code?: string }).code ?? 'ERROR'}: ${(error as Error).message}`;
      const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(failures - 1, 10));
      nextAttemptAt = Date.now() + delay;
      logger.warn({ logId, treeSize: statement.treeSize, backlog: waiting, retryInMs: delay, err: lastError }, 'anchoring failed; will retry');
    }
  }

  async function round(force = false): Promise<void> {
    // Nothing committed since the last round (a department only read from): one cheap statement
    // instead of the integration's transaction, which locks the head to find nothing.
    if (force || knownSize === undefined || (await somethingPending(db))) {
      let result;
      do result = await integratePending(db);
      while (result.integrated === INTEGRATION_BATCH);
      knownSize = result.size;
    }
    await anchorHead(force);
  }

  // One round at a time: a slow ledger call delays the next round instead of overlapping it.
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = round()
        .catch((error: unknown) => logger.error({ logId, err: error }, 'log round failed'))
        .finally(schedule);
    }, INTEGRATE_EVERY_MS);
  };
  let timer: NodeJS.Timeout | undefined;
  schedule();

  return {
    async status() {
      const [head, anchored] = await Promise.all([readHead(db), latestAnchoredCheckpoint(db)]);
      const anchoredSize = anchored?.treeSize ?? 0;
      const pending = await db.query<{ n: number }>('SELECT count(*)::int8 AS n FROM log_pending');
      const backlog = head.frontier.size - anchoredSize + (pending[0]?.n ?? 0);
      return {
        logId,
        size: head.frontier.size,
        anchoredSize,
        backlog,
        anchoring: !anchoring ? 'off' : failures > 0 ? 'retrying' : 'ok',
        ...(lastError && { lastError }),
      };
    },
    setAnchoring(value) {
      anchoring = value;
      logger.info({ logId, owner: value.did, contract: value.client.contract }, 'anchoring on');
    },
    async flush() {
      await running;
      nextAttemptAt = 0;
      running = round(true);
      await running;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

async function somethingPending(db: Database): Promise<boolean> {
  const [row] = await db.query<{ pending: boolean }>('SELECT EXISTS (SELECT 1 FROM log_pending) AS pending');
  return row?.pending === true;
}
