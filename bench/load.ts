import path from 'node:path';
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
}

export type WorkerMessage =
  | { type: 'measuring' }
  | { type: 'done'; result: LoadResult }
  | { type: 'failed'; error: string };

const WORKER = path.join(ROOT, 'bench', 'load-worker.ts');

/**
 * Runs one job in a fresh load generator. With `serverPid`, also measures the
 * CPU time that process spends during the measured pass, per response: on a
 * 2-core machine a gateway's throughput can be capped by the subgraph behind
 * it, and its CPU per request is then what shows its own cost.
 */
export async function runLoad(job: LoadJob, logFile: string, serverPid?: number): Promise<LoadResult> {
  const child = startChild('load generator', WORKER, [], { env: cleanEnv({}), logFile, ipc: true });
  try {
    let cpuAtStart: number | undefined;
    const done = new Promise<LoadResult>((resolve, reject) => {
      child.process.on('message', (message: WorkerMessage) => {
        if (message.type === 'measuring') cpuAtStart = serverPid === undefined ? undefined : cpuSeconds(serverPid);
        else if (message.type === 'done') resolve(message.result);
        else reject(new Error(`load generator failed: ${message.error}`));
      });
      void child.exited.then(({ code, signal }) => reject(new Error(`load generator exited (${signal ?? code}) before answering:\n${child.tail()}`)));
    });
    child.process.send(job);
    const timeoutMs = (job.warmupSeconds + job.seconds) * 1000 + 60_000;
    let timer: NodeJS.Timeout | undefined;
    const result = await Promise.race([
      done,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`load generator still running after ${timeoutMs / 1000} s`)), timeoutMs))),
    ]).finally(() => clearTimeout(timer));
    const cpuAtEnd = serverPid === undefined ? undefined : cpuSeconds(serverPid);
    if (cpuAtStart !== undefined && cpuAtEnd !== undefined && result.responses > 0) {
      result.serverCpuMsPerRequest = Math.round(((cpuAtEnd - cpuAtStart) * 1000 * 1000) / result.responses) / 1000;
    }
    return result;
  } finally {
    await stopChild(child);
  }
}
