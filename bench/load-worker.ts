/**
 * The load generator process (forked by bench/load.ts). Receives one LoadJob,
 * runs a warm-up pass (discarded: JIT, plan caches, keep-alive sockets and the
 * databases' buffers warm up there), then the measured pass, and replies with
 * a LoadResult.
 *
 * Closed loop: a fixed number of connections, each sending its next request as
 * soon as the previous answer arrives. So throughput and latency are two views
 * of one thing (p50 ≈ connections / throughput); p99 shows the tail.
 */
import autocannon from 'autocannon';
import { performance } from 'node:perf_hooks';
import { tokenMinter } from './agency.ts';
import type { LoadJob, LoadResult, TokenUse, WorkerMessage } from './load.ts';
import { answerProblem } from './targets.ts';

/**
 * Fresh bearer tokens, each handed out once. They are minted before any load,
 * so that minting does not compete with the servers under test for the
 * machine's two cores. The pool is sized from the rates seen so far; should a
 * pass go faster than that, the pool tops itself up while it runs (counted:
 * that minting did compete, and the figures' notes say how much). Only if
 * even that falls behind does a request go out with a token already used: the
 * gateway refuses it (NONCE_REPLAYED) and it counts as a bad answer, so a
 * short pool can only make our figure worse, never better.
 */
class TokenPool {
  private readonly tokens: string[] = [];
  private next = 0;
  private refilling = false;
  /** Tokens minted while a pass was running. */
  mintedLive = 0;
  short = 0;
  constructor(
    private readonly mint: () => Promise<string>,
    /** Top up when fewer than this many are left. */
    private readonly lowWater: number,
  ) {}
  async fill(count: number): Promise<void> {
    for (let i = 0; i < count; i++) this.tokens.push(await this.mint());
  }
  take(): string {
    if (this.tokens.length - this.next < this.lowWater) this.refill();
    if (this.next < this.tokens.length) return this.tokens[this.next++]!;
    this.short++;
    return this.tokens[this.tokens.length - 1]!;
  }
  get taken(): number {
    return Math.min(this.next, this.tokens.length);
  }
  get minted(): number {
    return this.tokens.length;
  }
  private refill(): void {
    if (this.refilling) return;
    this.refilling = true;
    void (async () => {
      // A token per turn of the event loop, so that sending and receiving go on meanwhile.
      while (this.tokens.length - this.next < 2 * this.lowWater) {
        this.tokens.push(await this.mint());
        this.mintedLive++;
        await new Promise((resolve) => setImmediate(resolve));
      }
      this.refilling = false;
    })();
  }
}

async function mintTokens(job: LoadJob): Promise<{ pool: TokenPool; mintMs: number } | undefined> {
  if (!job.tokens) return undefined;
  const pool = new TokenPool(tokenMinter(job.tokens.credentials), job.connections * 8);
  // Enough for both passes at the expected rate, plus a few rounds of every connection.
  const began = performance.now();
  await pool.fill(Math.ceil(job.tokens.expectedRate * (job.warmupSeconds + job.seconds)) + job.connections * 16);
  return { pool, mintMs: Math.round(performance.now() - began) };
}

interface Pass {
  result: autocannon.Result;
  latencies: number[];
  ok: number;
  failed: number;
  firstProblem?: string;
}

function pass(job: LoadJob, seconds: number, pool: TokenPool | undefined): Promise<Pass> {
  const latencies: number[] = [];
  const counts = { ok: 0, failed: 0, firstProblem: undefined as string | undefined };
  const onResponse = (status: number, body: string) => {
    const problem = answerProblem(status, body);
    if (problem === undefined) counts.ok++;
    else {
      counts.failed++;
      counts.firstProblem ??= problem;
    }
  };
  // With tokens, autocannon rebuilds each request as it sends it (setupRequest), with the next token.
  const authorize = pool && ((request: autocannon.Request) => ({ ...request, headers: { ...request.headers, authorization: `Bearer ${pool.take()}` } }));
  const requests = job.bodies.map((body) => ({ method: 'POST' as const, body, onResponse, ...(authorize && { setupRequest: authorize }) }));
  let clients = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: job.url,
        connections: job.connections,
        duration: seconds,
        headers: { 'content-type': 'application/json', ...job.headers },
        requests,
        // Each connection starts at its own DID, so they do not ask for the same citizen in lockstep.
        setupClient(client) {
          const offset = Math.floor((clients++ * requests.length) / job.connections);
          client.setRequests([...requests.slice(offset), ...requests.slice(0, offset)]);
        },
      },
      (error, result) => {
        if (error) reject(error);
        else resolve({ result, latencies, ...counts });
      },
    );
    // autocannon's own histogram keeps whole milliseconds; this keeps the exact time of every answer.
    instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function run(job: LoadJob): Promise<LoadResult> {
  const minted = await mintTokens(job);
  if (job.warmupSeconds > 0) await pass(job, job.warmupSeconds, minted?.pool);
  const takenBefore = minted?.pool.taken ?? 0;
  // The parent samples the server's CPU time now and at the reply.
  process.send!({ type: 'measuring' } satisfies WorkerMessage);
  const startUs = Number(process.hrtime.bigint() / 1000n);
  const { result, latencies, ok, failed, firstProblem } = await pass(job, job.seconds, minted?.pool);
  const endUs = Number(process.hrtime.bigint() / 1000n);
  const tokens: TokenUse | undefined = minted && {
    minted: minted.pool.minted - minted.pool.mintedLive,
    mintMs: minted.mintMs,
    mintedLive: minted.pool.mintedLive,
    used: minted.pool.taken - takenBefore,
    short: minted.pool.short,
  };
  const sorted = Float64Array.from(latencies).sort();
  const values = Array.from(sorted);
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return {
    seconds: result.duration,
    responses: latencies.length,
    ok,
    failed,
    non2xx: result.non2xx,
    socketErrors: result.errors,
    timeouts: result.timeouts,
    reqPerSec: Math.round((ok / result.duration) * 10) / 10,
    latencyMs: {
      mean: round(values.reduce((a, b) => a + b, 0) / (values.length || 1)),
      p50: round(percentile(values, 50)),
      p90: round(percentile(values, 90)),
      p99: round(percentile(values, 99)),
      max: round(values.at(-1) ?? NaN),
    },
    ...(firstProblem !== undefined && { firstProblem }),
    ...(tokens && { tokens }),
    windowUs: { start: startUs, end: endUs },
  };
}

process.once('message', (job: LoadJob) => {
  // Disconnecting after the reply lets the process end on its own.
  const reply = (message: WorkerMessage) => process.send!(message, () => process.disconnect());
  run(job).then(
    (result) => reply({ type: 'done', result }),
    (error: unknown) => reply({ type: 'failed', error: (error as Error).stack ?? String(error) }),
  );
});
