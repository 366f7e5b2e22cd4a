import path from 'node:path';
import type { AgencyCredentials } from './agency.ts';
import { cleanEnv, cpuSeconds, ROOT, startChild, stopChild } from './processes.ts';

/**
 * The load generator, seen from the bench: each measurement runs in a fresh
 * process of its own (bench/load-worker.ts, autocannon), so that generating
 * load never shares an event loop with a server, and one measurement's heap
 * and JIT state never carry into the next.
 */
export interface LoadJob {
  url: string;
  /** Request bodies; each connection rotates through them from its own offset. */
  bodies: string[];
  connections: number;
  warmupSeconds: number;
  seconds: number;
  /** Static headers on every request, besides content-type. */
  headers?: Record<string, string>;
  /**
   * Each request carries `Authorization: Bearer` with a token never used
   * before (the gateway refuses a replayed jti). Tokens are minted in the load
   * generator BEFORE its passes start, so minting costs neither side any CPU
   * while it is measured; the pool covers `expectedRate` requests per second
   * for both passes (the parent sizes it from the rates it has seen), and tops
   * itself up during a pass only if that pass goes faster (counted).
   */
  tokens?: { credentials: AgencyCredentials; expectedRate: number };
}

/** How the bearer tokens of one job were made and used. */
export interface TokenUse {
  /** Tokens minted before the passes. */
  minted: number;
  /** Milliseconds the minting took (before any load; not part of any figure). */
  mintMs: number;
  /** Tokens minted while a pass ran, because it went faster than the pool was sized for (0 normally). */
  mintedLive: number;
  /** Fresh tokens sent in the measured pass (one per request). */
  used: number;
  /** Requests of either pass sent when the pool was empty (with a used token, so refused): must be 0. */
  short: number;
}

export interface LoadResult {
  /** Wall time of the measured pass (after the warm-up). */
  seconds: number;
  /** Every response received in the measured pass. */
  responses: number;
  /** 200 with data and no `errors`. */
  ok: number;
  /** Any other answer (non-200, GraphQL errors, missing citizen). */
  failed: number;
  non2xx: number;
  /** Connection errors and timeouts (no answer at all). */
  socketErrors: number;
  timeouts: number;
  /** Good answers per second. */
  reqPerSec: number;
  /** Latency of every response, in milliseconds (measured to 1 µs, not autocannon's whole milliseconds). */
  latencyMs: { mean: number; p50: number; p90: number; p99: number; max: number };
  /** The first bad answer, for the report. */
  firstProblem?: string;
  /** CPU time the process under test spent per response during the measured pass (Linux only). */
  serverCpuMsPerRequest?: number;
  /** The same for every other watched process (departments, ledger), by name (Linux only). */
  cpuMsPerRequestOf?: Record<string, number>;
  /** Growth of each watched counter per response in the measured pass (e.g. requests a department got per answer). */
  countsPerRequest?: Record<string, number>;
  /** With `tokens`: how many were minted and used. */
  tokens?: TokenUse;
  /**
   * The measured pass on the machine's monotonic clock (process.hrtime, µs),
   * which is also the clock of V8 CPU profiles: a profile of the server can be
   * cut to exactly this window (bench/profile.ts).
   */
  windowUs: { start: number; end: number };
}

export type WorkerMessage =
  | { type: 'measuring' }
  | { type: 'done'; result: LoadResult }
  | { type: 'failed'; error: string };

const WORKER = path.join(ROOT, 'bench', 'load-worker.ts');

export interface Watch {
  /** The process under test: its CPU per response becomes `serverCpuMsPerRequest`. */
  serverPid?: number;
  /** Other processes (name → pid) whose CPU per response is measured too. */
  pids?: Record<string, number>;
  /** Reads counters (name → value) at the start and end of the measured pass. */
  counters?: () => Promise<Record<string, number>>;
}

/**
 * Runs one job in a fresh load generator. With `watch.serverPid`, also measures the
 * CPU time that process spends during the measured pass, per response: on a
 * 2-core machine a gateway's throughput can be capped by the subgraph behind
 * it, and its CPU per request is then what shows its own cost.
 */
export async function runLoad(job: LoadJob, logFile: string, watch: Watch = {}): Promise<LoadResult> {
  const { serverPid, pids = {} } = watch;
  const child = startChild('load generator', WORKER, [], { env: cleanEnv({}), logFile, ipc: true });
  try {
    let cpuAtStart: number | undefined;
    let watchedAtStart: Record<string, number | undefined> = {};
    let countersAtStart: Promise<Record<string, number>> | undefined;
    const sampleWatched = () => Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)]));
    const done = new Promise<LoadResult>((resolve, reject) => {
      child.process.on('message', (message: WorkerMessage) => {
        if (message.type === 'measuring') {
          cpuAtStart = serverPid === undefined ? undefined : cpuSeconds(serverPid);
          watchedAtStart = sampleWatched();
          countersAtStart = watch.counters?.();
        }
        else if (message.type === 'done') resolve(message.result);
        else reject(new Error(`load generator failed: ${message.error}`));
      });
      void child.exited.then(({ code, signal }) => reject(new Error(`load generator exited (${signal ?? code}) before answering:\n${child.tail()}`)));
    });
    child.process.send(job);
    // Minting comes on top (about 0.05 ms per token with libsecp256k1, 0.3 ms where OpenSSL signs).
    const mintAllowanceMs = job.tokens ? job.tokens.expectedRate * (job.warmupSeconds + job.seconds) * 2 : 0;
    const timeoutMs = (job.warmupSeconds + job.seconds) * 1000 + 60_000 + mintAllowanceMs;
    let timer: NodeJS.Timeout | undefined;
    const result = await Promise.race([
      done,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`load generator still running after ${timeoutMs / 1000} s`)), timeoutMs))),
    ]).finally(() => clearTimeout(timer));
    const cpuAtEnd = serverPid === undefined ? undefined : cpuSeconds(serverPid);
    const perRequest = (start: number | undefined, end: number | undefined) =>
      start !== undefined && end !== undefined && result.responses > 0 ? Math.round(((end - start) * 1000 * 1000) / result.responses) / 1000 : undefined;
    const serverCpu = perRequest(cpuAtStart, cpuAtEnd);
    if (serverCpu !== undefined) result.serverCpuMsPerRequest = serverCpu;
    const watchedAtEnd = sampleWatched();
    const watched = Object.entries(pids).flatMap(([name]) => {
      const ms = perRequest(watchedAtStart[name], watchedAtEnd[name]);
      return ms === undefined ? [] : [[name, ms] as const];
    });
    if (watched.length) result.cpuMsPerRequestOf = Object.fromEntries(watched);
    if (countersAtStart && watch.counters && result.responses > 0) {
      const [before, after] = await Promise.all([countersAtStart, watch.counters()]);
      result.countsPerRequest = Object.fromEntries(Object.keys(after).map((name) => [name, Math.round((((after[name] ?? 0) - (before[name] ?? 0)) / result.responses) * 1000) / 1000]));
    }
    return result;
  } finally {
    await stopChild(child);
  }
}
