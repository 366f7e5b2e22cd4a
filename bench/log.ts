/**
 * Figures of the tamper-evident log (issue 4): how fast a department's log
 * integrates leaves, how fast proofs are made and checked at a million leaves,
 * what anchoring costs on the ledger, how fast the embedded ledger starts, and
 * how fast `govshare audit` verifies records. Every baseline is measured here,
 * in the same run, on the same machine.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { JsonRpcProvider } from 'ethers';
import { DEFAULT_KEY_NAMES, openKeystore } from '../anchor/keys/keystore.ts';
import { spawnEmbeddedLedger, type LedgerProcess } from '../anchor/ledger/embedded-process.ts';
import { auditLog } from '../anchor/log/audit-log.ts';
import { checkRecords } from '../anchor/log/check-records.ts';
import { connectAnchoring } from '../anchor/log/connect-anchoring.ts';
import { integratePending } from '../anchor/log/integrate.ts';
import { startLogWorker } from '../anchor/log/log-worker.ts';
import { openLogDatabase } from '../anchor/log/open-log-database.ts';
import { newSalt, recordDigest } from '../anchor/log/record-digest.ts';
import { MerkleTree, verifyInclusion } from '../anchor/merkle.ts';
import { createLogger } from '../platform/log.ts';
import type { Queryable } from '../store/database.ts';
import { finance } from '../subgraphs/finance/index.ts';
import { openDepartmentStore } from '../subgraphs/kit/open-store.ts';
import type { Figures } from './figures.ts';
import { freePorts } from './processes.ts';
import { median, round } from './stats.ts';

const PASSPHRASE = 'bench-keystore-passphrase';
// Key stretching is not what is measured here: cheap keys keep the set-up short.
const CHEAP_SCRYPT = { N: 2 ** 10, r: 8, p: 1 };

export interface LogBenchOptions {
  quick: boolean;
  /** A fresh directory for this part's databases and ledger. */
  workDir: string;
  log: (line: string) => void;
  /** Only these parts (all when unset): the log bench run alone picks some (see the end of this file). */
  only?: ReadonlySet<LogPart>;
}

/** The parts of this bench: P3-append, P3-proof-*, P4-* (ledger start and anchoring), P6-audit. */
export const LOG_PARTS = ['append', 'proofs', 'anchoring', 'audit'] as const;
export type LogPart = (typeof LOG_PARTS)[number];

export async function measureLog(options: LogBenchOptions): Promise<Figures> {
  const { quick, workDir, log } = options;
  const runs = (part: LogPart) => !options.only || options.only.has(part);
  const figures: Figures = {};
  const sha = rawSha256PerSecond(quick ? 300_000 : 1_000_000);

  if (runs('append')) {
    log('log: integrating leaves into a persisted tree');
    Object.assign(figures, await measureAppend(path.join(workDir, 'append'), quick ? 50_000 : 200_000, quick ? 1 : 3, sha));
  }

  if (runs('proofs')) {
    log('log: proofs at 1,000,000 leaves');
    Object.assign(figures, measureProofs(1_000_000, quick ? 5_000 : 20_000, quick ? 3 : 5));
  }

  if (!runs('anchoring') && !runs('audit')) return figures;
  log('log: the embedded ledger and anchoring');
  const ledgerDir = path.join(workDir, 'ledger');
  await openKeystore({ dataDir: ledgerDir, passphrase: PASSPHRASE, scrypt: CHEAP_SCRYPT }).ensureKeys(DEFAULT_KEY_NAMES);
  const [port] = await freePorts(1);
  const env = { GOVSHARE_KEYSTORE_PASSPHRASE: PASSPHRASE, GOVSHARE_LOG_LEVEL: 'silent' };
  const startLedger = async () => {
    const began = performance.now();
    const ledger = await spawnEmbeddedLedger({ dataDir: ledgerDir, port: port!, env });
    return { ledger, seconds: (performance.now() - began) / 1000 };
  };
  const fresh = await startLedger();
  await fresh.ledger.stop();
  const reopened = await startLedger();
  if (runs('anchoring')) figures['P4-ledger-start'] = {
    value: round(reopened.seconds, 2),
    unit: 's',
    baseline: round(fresh.seconds, 2),
    ratio: round(reopened.seconds / fresh.seconds, 3),
    note: 'The embedded ledger (ganache in its own process) from spawn to contracts ready, on a data dir that already holds the chain; baseline: the first start, which creates the chain and deploys the contracts. Process start and module loading included.',
  };
  try {
    if (runs('anchoring')) Object.assign(figures, await measureAnchoring(ledgerDir, port!, reopened.ledger, quick));
    if (runs('audit')) {
      log(`log: govshare audit over ${quick ? '20,000' : '100,000'} records`);
      Object.assign(figures, await measureAudit(path.join(workDir, 'audit'), ledgerDir, port!, quick ? 20_000 : 100_000));
    }
  } finally {
    await reopened.ledger.stop();
  }
  return figures;
}

/** Raw SHA-256 of 32-byte inputs per second: what every Merkle figure is measured against. */
function rawSha256PerSecond(count: number): number {
  const input = randomBytes(32);
  let out = input;
  const began = performance.now();
  for (let i = 0; i < count; i++) out = createHash('sha256').update(out).digest();
  return count / ((performance.now() - began) / 1000);
}

async function measureAppend(dataDir: string, leaves: number, passes: number, sha: number): Promise<Figures> {
  const db = await openLogDatabase({ dataDir }, 'bench', 'bench');
  try {
    // Each pass integrates `leaves` fresh outbox rows into the same growing tree; the median of
    // the passes is the figure, so a burst of other work spoils one pass, not the result.
    const rates: number[] = [];
    let integrated = 0;
    for (let pass = 0; pass < passes; pass++) {
      await insertOutboxRows(db, leaves);
      const began = performance.now();
      let done = 0;
      for (;;) {
        const result = await integratePending(db);
        if (result.integrated === 0) break;
        done += result.integrated;
      }
      rates.push(done / ((performance.now() - began) / 1000));
      integrated += done;
    }
    const perSecond = median(rates);
    return {
      'P3-append': {
        value: Math.round(perSecond),
        unit: 'leaves/s',
        baseline: Math.round(sha),
        ratio: round(perSecond / sha, 3),
        note: `Committed outbox rows integrated into the department's tree in PGlite: pending marks taken, leaf and node hashing, every new node persisted (appended to its 256-node tile), the batch's leaf assignment and the head persisted, 10,000 leaves per transaction (the records' own writes, with their pending marks, are not counted). Median of ${passes} passes of ${leaves.toLocaleString('en')} leaves into one growing tree (${rates.map((r) => Math.round(r)).join(', ')} leaves/s; ${integrated.toLocaleString('en')} leaves in all). Baseline: raw SHA-256 of 32-byte inputs in this process. Goal 100,000+ leaves/s.`,
      },
    };
  } finally {
    await db.close();
  }
}

/** Bulk-writes `count` outbox rows with random digests, as stores would have committed them. */
async function insertOutboxRows(db: Queryable, count: number): Promise<void> {
  for (let done = 0; done < count; done += 10_000) {
    const n = Math.min(10_000, count - done);
    const salts = Array.from({ length: n }, () => randomBytes(32));
    const digests = Array.from({ length: n }, () => randomBytes(32));
    await db.query(
      `INSERT INTO record_log (record_table, record_id, salt, digest) SELECT 'bench', gen_random_uuid()::text, s, d FROM unnest($1::bytea[], $2::bytea[]) AS u(s, d)`,
      [salts, digests],
    );
  }
}

/**
 * Proofs at `size` leaves: generation once, verification in `rounds` passes over the same
 * proofs, each followed by its hashing floor measured the same way (raw SHA-256 of as many
 * 32-byte inputs as the pass hashed), after one untimed pass that warms both up. Medians: a
 * burst of other work on a shared machine spoils a round, not the figure, and weighs on both
 * sides of the ratio alike.
 */
function measureProofs(size: number, count: number, rounds: number): Figures {
  const tree = new MerkleTree();
  for (let start = 0; start < size; start += 10_000) tree.appendLeaves(Array.from({ length: Math.min(10_000, size - start) }, () => randomBytes(32)));
  const root = tree.root();
  const indexes = Array.from({ length: count }, () => Math.floor(Math.random() * size));
  let began = performance.now();
  const proofs = indexes.map((i) => tree.inclusionProof(i, size));
  const generated = count / ((performance.now() - began) / 1000);
  const leaves = indexes.map((i) => tree.leafHashAt(i));
  const hashes = proofs.reduce((sum, p) => sum + p.length, 0);
  const hashesPerProof = hashes / count;
  const verifyPass = () => {
    let valid = 0;
    const start = performance.now();
    for (let k = 0; k < count; k++) if (verifyInclusion(leaves[k]!, indexes[k]!, size, proofs[k]!, root)) valid++;
    return { perSecond: count / ((performance.now() - start) / 1000), valid };
  };
  verifyPass();
  rawSha256PerSecond(hashes);
  const verified: number[] = [];
  const floors: number[] = [];
  let valid = 0;
  for (let r = 0; r < rounds; r++) {
    const pass = verifyPass();
    verified.push(pass.perSecond);
    valid = pass.valid;
    floors.push(rawSha256PerSecond(hashes) / hashesPerProof);
  }
  const verify = median(verified);
  const floor = median(floors);
  return {
    'P3-proof-verify': {
      value: Math.round(verify),
      unit: 'proofs/s',
      baseline: Math.round(floor),
      ratio: round(verify / floor, 3),
      note: `${count} RFC 9162 inclusion proofs at ${size.toLocaleString('en')} leaves verified (${valid} valid of ${count}): median of ${rounds} passes (${verified.map((v) => Math.round(v)).join(', ')} proofs/s) after a warm-up pass. Baseline: the hashing floor, raw SHA-256/s of 32-byte inputs (createHash) divided by the ${hashesPerProof.toFixed(1)} hashes one proof costs, measured right after each pass; ratio 1 = nothing but hashing (above 1: the verifier hashes through WebAssembly, hash-wasm, which costs less per call than createHash). Goal 50,000+ proofs/s.`,
    },
    'P3-proof-generate': {
      value: Math.round(generated),
      unit: 'proofs/s',
      baseline: Math.round(verify),
      ratio: round(generated / verify, 3),
      note: `Inclusion proofs generated from the stored complete-subtree nodes at ${size.toLocaleString('en')} leaves (in memory), one pass. Baseline: verification of the same proofs.`,
    },
  };
}


async function measureAnchoring(ledgerDir: string, port: number, ledger: LedgerProcess, quick: boolean): Promise<Figures> {
  const logger = createLogger('bench', 'silent');
  const db = await openLogDatabase({ dataDir: ledgerDir }, 'finance', 'finance');
  const worker = startLogWorker({ db, logId: 'finance', logger });
  const provider = new JsonRpcProvider(ledger.url, undefined, { staticNetwork: true, batchMaxCount: 1, cacheTimeout: -1 });
  try {
    worker.setAnchoring(await connectAnchoring({ config: { dataDir: ledgerDir, ledgerPort: port }, keyName: 'finance', logger, passphrase: PASSPHRASE, intervalMs: 60_000, maxLeaves: 1e12 }));
    const batches = quick ? [1, 100, 10_000] : [1, 100, 10_000, 50_000];
    const perBatch: string[] = [];
    let worst = 0;
    for (const batch of batches) {
      await insertOutboxRows(db, batch);
      const before = await transactionsSoFar(provider);
      await worker.flush();
      const transactions = (await transactionsSoFar(provider)) - before;
      const status = await worker.status();
      if (status.backlog !== 0) throw new Error(`anchoring left a backlog of ${status.backlog}`);
      worst = Math.max(worst, transactions);
      perBatch.push(`${batch.toLocaleString('en')} leaves: ${transactions} tx`);
    }
    return {
      'P4-tx-per-checkpoint': {
        value: worst,
        unit: 'tx/checkpoint',
        note: `Ledger transactions per anchored checkpoint, the worst over batches of different sizes (${perBatch.join('; ')}). Goal: 1, independent of batch size.`,
      },
    };
  } finally {
    provider.destroy();
    await worker.stop();
    await db.close();
  }
}

/** Transactions mined so far (the embedded ledger mines one block per transaction, but count them anyway). */
async function transactionsSoFar(provider: JsonRpcProvider): Promise<number> {
  const latest = await provider.getBlockNumber();
  let total = 0;
  for (let n = 1; n <= latest; n++) total += (await provider.getBlock(n))!.transactions.length;
  return total;
}

async function measureAudit(dataDir: string, ledgerDir: string, port: number, records: number): Promise<Figures> {
  const logger = createLogger('bench', 'silent');
  const { db } = await openDepartmentStore(finance, { dataDir });
  // Its own log id on the ledger: the anchoring figure above already anchored a 'finance' log there.
  const worker = startLogWorker({ db, logId: 'finance-audit', logger });
  try {
    // Taxpayers written with their log entries exactly as the store writes them, in bulk.
    const rows: Record<string, unknown>[] = [];
    for (let done = 0; done < records; done += 5_000) {
      const n = Math.min(5_000, records - done);
      const inserted = await db.query<Record<string, unknown> & { id: string }>(
        `INSERT INTO taxpayers (id, did, name, tax_number, registered_on)
         SELECT u.id, u.did, u.name, u.tax, DATE '2026-01-01' FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS u(id, did, name, tax) RETURNING *`,
        [
          Array.from({ length: n }, () => randomUUID()),
          Array.from({ length: n }, (_, i) => `did:ethr:0x539:0x${(done + i).toString(16).padStart(40, '0')}`),
          Array.from({ length: n }, (_, i) => `Bench Citizen ${done + i}`),
          Array.from({ length: n }, (_, i) => `BENCH-${String(done + i).padStart(12, '0')}`),
        ],
      );
      const salts = inserted.map(() => newSalt());
      await db.query(
        `INSERT INTO record_log (record_table, record_id, salt, digest) SELECT 'taxpayers', u.id, u.s, u.d FROM unnest($1::text[], $2::bytea[], $3::bytea[]) AS u(id, s, d)`,
        [inserted.map((r) => r.id), salts, inserted.map((row, i) => recordDigest('taxpayers', row, salts[i]!))],
      );
      rows.push(...inserted);
    }
    const anchoring = await connectAnchoring({ config: { dataDir: ledgerDir, ledgerPort: port }, keyName: 'finance', logger, passphrase: PASSPHRASE });
    worker.setAnchoring(anchoring);
    await worker.flush();

    // Baseline: re-hashing the same rows in memory, with no database in the way.
    let began = performance.now();
    for (const row of rows) recordDigest('taxpayers', row, newSalt());
    const rehashOnly = rows.length / ((performance.now() - began) / 1000);

    began = performance.now();
    const checked = await checkRecords(db, finance.recordedTables);
    const logResult = await auditLog(db, 'finance-audit', anchoring.client);
    const seconds = (performance.now() - began) / 1000;
    const perSecond = checked.checked / seconds;
    const problems = checked.findings.length + logResult.findings.length;
    return {
      'P6-audit': {
        value: Math.round(perSecond),
        unit: 'records/s',
        baseline: Math.round(rehashOnly),
        ratio: round(perSecond / rehashOnly, 3),
        note: `govshare audit's checks on one department of ${checked.checked.toLocaleString('en')} records in PGlite: every row re-read and re-hashed against its latest log entry, the tree rebuilt from ${logResult.leaves.toLocaleString('en')} leaves and checked against ${logResult.anchoredCheckpoints} anchored checkpoint(s) on the ledger (${problems} findings). Baseline: re-hashing the same rows in memory. Goal 50,000+ records/s.`,
      },
    };
  } finally {
    await worker.stop();
    await db.close();
  }
}


/** What the log bench sends over its IPC channel when the bench runs it (bench/log-in-child.ts). */
export type LogBenchMessage = { type: 'progress'; line: string } | { type: 'done'; figures: Figures } | { type: 'failed'; error: string };

/**
 * This bench alone, without the gateway bench around it (which takes the machine for minutes):
 *
 *   node --import tsx bench/log.ts [--quick] [--only audit,proofs]
 *
 * Prints the figures as JSON with the load average before and after; writes no results file.
 * Forked with an IPC channel (the full bench, bench/log-in-child.ts), it sends its progress and
 * figures as LogBenchMessages instead.
 */
async function runAlone(): Promise<void> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, only: { type: 'string' } } });
  const only = values.only ? new Set(values.only.split(',').map((p) => p.trim())) : undefined;
  const unknown = [...(only ?? [])].filter((p) => !(LOG_PARTS as readonly string[]).includes(p));
  if (unknown.length > 0) throw new Error(`unknown part(s) ${unknown.join(', ')}: pick from ${LOG_PARTS.join(', ')}`);
  const send = process.send ? (message: LogBenchMessage) => process.send!(message) : undefined;
  const loadavg = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'govshare-bench-log-'));
  const loadBefore = loadavg();
  try {
    const log = send ? (line: string) => send({ type: 'progress', line }) : (line: string) => process.stderr.write(`${line}\n`);
    const figures = await measureLog({ quick: values.quick!, workDir, log, only: only as ReadonlySet<LogPart> | undefined });
    if (send) send({ type: 'done', figures });
    else process.stdout.write(`${JSON.stringify({ loadBefore, loadAfter: loadavg(), cores: os.cpus().length, figures }, null, 2)}\n`);
  } catch (error) {
    if (!send) throw error;
    send({ type: 'failed', error: (error as Error).stack ?? String(error) });
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
    process.disconnect?.();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await runAlone();
