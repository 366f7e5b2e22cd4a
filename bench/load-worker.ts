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
 * Fresh bearer tokens, minted before any load (so minting never competes with
 * the server under test for the machine's two cores) and each handed out
 * once. Should the pool run dry, a request goes out with a token already used:
 * the gateway refuses it (NONCE_REPLAYED) and it counts as a bad answer, so a
 * pool that was too small can only make our figure worse, never better.
 */
class TokenPool {
  private next = 0;
  short = 0;
  constructor(private readonly tokens: string[]) {}
  take(): string {
    if (this.next < this.tokens.length) return this.tokens[this.next++]!;
    this.short++;
    return this.tokens[this.tokens.length - 1]!;
  }
  get taken(): number {
    return Math.min(this.next, this.tokens.length);
  }
}

async function mintTokens(job: LoadJob): Promise<{ pool: TokenPool; minted: number; mintMs: number } | undefined> {
  if (!job.tokens) return undefined;
  const mint = tokenMinter(job.tokens.credentials);
  // Enough for both passes at the expected rate, plus a few rounds of every connection.
  const count = Math.ceil(job.tokens.expectedRate * (job.warmupSeconds + job.seconds)) + job.connections * 4;
  const began = performance.now();
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) tokens.push(await mint());
  return { pool: new TokenPool(tokens), minted: count, mintMs: Math.round(performance.now() - began) };
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
  const tokens: TokenUse | undefined = minted && { minted: minted.minted, mintMs: minted.mintMs, used: minted.pool.taken - takenBefore, short: minted.pool.short };
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
