/**
 * `npm run bench` (`-- --quick` for a short pass): gateway throughput and
 * latency against the subgraph queried directly and against a bare Apollo
 * gateway, the start time of `govshare up`, then the tamper-evident log
 * (bench/log.ts). Prints a table and writes
 * bench/results/latest.json (DESIGN.md, "Bench"). See bench/README.md.
 *
 * Exits non-zero only when the bench could not run; poor figures, and even
 * bad answers, are reported (loudly), never turned into a failure.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { demoCitizens } from '../demo/citizens.ts';
import { tokenMinter, type AgencyCredentials } from './agency.ts';
import { loadFigures, startupFigure, type Figures, type LoadSettings } from './figures.ts';
import { seed, startFederation } from './federation.ts';
import { runLoad, type LoadJob, type LoadResult, type Watch } from './load.ts';
import { ROOT, sleep, stopAll } from './processes.ts';
import { fixed, printFigures, printMeasurements, writeFigures } from './report.ts';
import { measureLogInChild } from './log-in-child.ts';
import { measureStartup } from './startup.ts';
import { profileGateways } from './profile-run.ts';
import { measureVerify } from './verify.ts';
import { answerProblem, bodies, targets, type Target, type TargetId } from './targets.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    unmerged: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  process.stdout.write(
    'usage: npm run bench [-- --quick] [-- --profile] [-- --unmerged]\n' +
      '  --quick     a short pass (fewer citizens, one round of 3 s per target, one warm start of up)\n' +
      '  --profile   no figures: CPU profiles of both gateways under the cross-department load, summarised\n' +
      '  --unmerged  our gateway with GOVSHARE_MERGE_FETCHES=off: what the figures are without merged department fetches\n',
  );
  process.exit(0);
}

const quick = args.quick!;
/** Our gateway merges concurrent department fetches unless told not to (GOVSHARE_MERGE_FETCHES). */
const mergeFetches = !args.unmerged;
const CITIZENS = quick ? 50 : 200;
/** Citizens whose DIDs the requests rotate through. */
const ROTATED = Math.min(CITIZENS, 100);
// Several short rounds rather than one long one: other work on a shared 2-core
// machine comes in bursts, and alternating rounds spread a burst over both
// sides of each comparison instead of spoiling one side.
// The warm-up is long because the servers keep getting faster for about 20 s of load (V8 tiering
// up the JavaScript and PGlite's WebAssembly, the databases' caches): measured earlier, both
// gateways' rounds still rose from one to the next, so the figures depended on where in that
// climb they fell. Both gateways get the same warm-up.
const settings: LoadSettings = quick
  ? { connections: 16, seconds: 3, warmupSeconds: 4, rounds: 1, dids: ROTATED, mergeFetches }
  : { connections: 16, seconds: 5, warmupSeconds: 12, rounds: 4, dids: ROTATED, mergeFetches };
const WARM_STARTS = quick ? 1 : 3;
const RESULTS_FILE = path.join(ROOT, 'bench', 'results', 'latest.json');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'govshare-bench-'));
const logDir = path.join(tmp, 'logs');
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
const out = (line: string) => process.stdout.write(`${line}\n`);

let cleaning: Promise<void> | undefined;
/** Ends every child the bench started and removes its temp dir; safe to call twice. */
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await stopAll();
    fs.rmSync(tmp, { recursive: true, force: true });
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping everything the bench started`);
    void cleanup().finally(() => process.exit(130));
  });
}

async function main(): Promise<void> {
  const loadBefore = loadAverage();
  log(`${quick ? 'quick pass' : 'full run'}${mergeFetches ? '' : ' with merged fetches OFF (--unmerged)'}: ${os.cpus().length} cores, node ${process.version}, load average ${loadBefore}; work dir ${tmp}`);
  const warnings: string[] = [];

  // 1. The servers under test, over freshly seeded embedded databases.
  const dataDir = path.join(tmp, 'data');
  log(`seeding ${CITIZENS} demo citizens (govshare seed)`);
  await seed({ dataDir, logDir, citizens: CITIZENS, log });
  const federation = await startFederation({ dataDir, logDir, citizens: CITIZENS, log, mergeFetches });
  warnings.push(...federation.warnings);

  // 2. Load, one target at a time.
  let results: Record<TargetId, LoadResult[]>;
  let list: Target[];
  try {
    list = targets({ finance: { ...federation.departments.finance, headers: federation.gatewayHeaders.finance }, ours: federation.ours, bare: federation.bare });
    const dids = demoCitizens(ROTATED).map((c) => c.did);
    warnings.push(...(await checkAnswers(list, dids.slice(0, 5), federation.agency)));
    results = await measureTargets(list, dids, federation.agency, { pids: federation.backEnd, counters: federation.departmentRequests }, federation.assertRunning);
  } finally {
    await federation.close();
  }

  // 3. Start time of `govshare up`, with nothing else running.
  log(`P5: timing govshare up (one cold start, ${WARM_STARTS} on the existing data dir)`);
  const startup = startupFigure(await measureStartup({ dataDir: path.join(tmp, 'up-data'), logDir, warmRuns: WARM_STARTS, log }));

  // 4. The tamper-evident log: append, proofs, the ledger's start and anchoring cost, audit (in a fresh process).
  const logFigures = await measureLogInChild({ quick, logDir, log });

  // 5. The credential verifier against did-jwt-vc and raw signature checks.
  const verifyFigures = await measureVerify({ quick, logDir, log });

  // 6. Report.
  const figures: Figures = { ...loadFigures(results, settings), ...verifyFigures, ...(startup.figure && { 'P5-start': startup.figure }), ...logFigures };
  const skipped: Record<string, string> = startup.skipped ? { 'P5-start': startup.skipped } : {};
  out('');
  out(`govshare bench (${quick ? 'quick pass' : 'full run'}; ${os.cpus().length} cores, node ${process.version}; every baseline measured in this run)`);
  // The bench itself keeps about two processes busy; much more than the core count means other work competed.
  out(`load average (1, 5, 15 min) at start ${loadBefore}, at end ${loadAverage()}${os.loadavg()[1]! > os.cpus().length + 1 ? ' — the machine was busy with other work: expect noise' : ''}`);
  out('');
  printMeasurements(list, results, out);
  out('');
  printFigures(figures, skipped, out);
  if (figures['F1-bad-answers']!.value > 0) warnings.push(figures['F1-bad-answers']!.note!);
  if (startup.skipped) warnings.push(`P5-start not measured: ${startup.skipped}`);
  for (const warning of warnings) out(`\n!!! ${warning}`);
  writeFigures(RESULTS_FILE, figures);
  out(`\nwritten to ${path.relative(process.cwd(), RESULTS_FILE)}`);
}

/**
 * Before any load: one request per target, and our gateway must give the same
 * answers as the bare one (a fast gateway that answers differently is not
 * faster). Problems are reported, and the load run counts bad answers anyway.
 */
async function checkAnswers(list: Target[], dids: string[], agency: AgencyCredentials): Promise<string[]> {
  const problems: string[] = [];
  const answers = new Map<TargetId, string[]>();
  const mint = tokenMinter(agency);
  for (const target of list) {
    const texts: string[] = [];
    for (const did of dids) {
      // A fresh token per request, as under load (the jti is single-use).
      const headers: Record<string, string> = { 'content-type': 'application/json', ...target.headers, ...(target.agencyToken && { authorization: `Bearer ${await mint()}` }) };
      const response = await fetch(target.url, { method: 'POST', headers, body: JSON.stringify({ query: target.query, variables: { did } }) });
      const text = await response.text();
      const problem = answerProblem(response.status, text);
      if (problem) problems.push(`${target.label} answered badly before the load: ${problem}`);
      texts.push(problem ? `(bad: ${problem})` : JSON.stringify(JSON.parse(text).data));
    }
    answers.set(target.id, texts);
  }
  for (const [a, b] of [['ours-single', 'bare-single'], ['ours-single', 'direct-single'], ['ours-cross', 'bare-cross']] as const) {
    if (answers.get(a)!.join('\n') !== answers.get(b)!.join('\n')) problems.push(`${a} and ${b} give different data for the same citizens`);
  }
  return problems;
}

function loadAverage(): string {
  return os.loadavg().map((l) => l.toFixed(2)).join(' ');
}

/**
 * Pool sizing: twice the fastest rate a target has shown (a warm-up on a busy
 * moment can be slow), and never less than this; a pass faster than its pool
 * tops it up as it runs (counted in the output).
 */
const MIN_TOKEN_RATE = 600;

async function measureTargets(
  list: Target[],
  dids: string[],
  agency: AgencyCredentials,
  backEnd: Pick<Watch, 'pids' | 'counters'>,
  assertRunning: () => void,
): Promise<Record<TargetId, LoadResult[]>> {
  // The fastest each target has answered so far (any answer), to size its next token pool.
  const fastest = new Map<TargetId, number>();
  const seen = (target: Target, result: LoadResult) => fastest.set(target.id, Math.max(fastest.get(target.id) ?? 0, result.responses / result.seconds));
  const job = (target: Target, warmupSeconds: number, seconds: number): LoadJob => ({
    url: target.url,
    bodies: bodies(target.query, dids),
    connections: settings.connections,
    warmupSeconds,
    seconds,
    ...(target.headers && { headers: target.headers }),
    ...(target.agencyToken && { tokens: { credentials: agency, expectedRate: Math.ceil(Math.max(MIN_TOKEN_RATE, 2 * (fastest.get(target.id) ?? 0))) } }),
  });
  // The warm-up pass: every process under test (both gateways, all three
  // departments) and their databases' caches warm before anything counts.
  // Otherwise the first target to reach education and justice pays for
  // warming them and the second one looks faster.
  for (const target of list) {
    log(`warm-up: ${target.label} for ${settings.warmupSeconds} s`);
    seen(target, await runLoad(job(target, 0, settings.warmupSeconds), path.join(logDir, `warmup-${target.id}.log`)));
    assertRunning();
  }
  const results = Object.fromEntries(list.map((t) => [t.id, [] as LoadResult[]])) as Record<TargetId, LoadResult[]>;
  for (let round = 1; round <= settings.rounds; round++) {
    // Every other round runs backwards, so that drift on a busy machine does not always favour the same target.
    const order = round % 2 ? list : [...list].reverse();
    for (const target of order) {
      // 1 s of warm-up in the fresh load generator (its own JIT, the connections) before measuring.
      // Behind a gateway, the departments and the ledger work for it too: their CPU (F1-system-cpu-*) and the requests they get are counted.
      const watch: Watch = { serverPid: target.pid, ...(target.id !== 'direct-single' && backEnd) };
      const result = await runLoad(job(target, 1, settings.seconds), path.join(logDir, `load-${target.id}-${round}.log`), watch);
      assertRunning();
      seen(target, result);
      results[target.id].push(result);
      const bad = result.failed + result.socketErrors;
      log(
        `round ${round}/${settings.rounds} ${target.label}: ${fixed(result.reqPerSec, 1)} req/s, p50 ${fixed(result.latencyMs.p50, 2)} ms, p99 ${fixed(result.latencyMs.p99, 2)} ms, ` +
          `${fixed(result.serverCpuMsPerRequest, 3)} CPU ms/req` +
          (result.tokens
            ? `; ${result.tokens.used} fresh tokens of ${result.tokens.minted} minted beforehand in ${(result.tokens.mintMs / 1000).toFixed(1)} s` +
              (result.tokens.mintedLive ? ` (+${result.tokens.mintedLive} minted during the passes: the pool was too small)` : '') +
              (result.tokens.short ? ` — !! POOL RAN DRY ${result.tokens.short} times` : '')
            : '') +
          (bad ? ` — !! ${bad} BAD ANSWERS (${result.firstProblem ?? 'no answer'})` : ''),
      );
      // A moment between runs: sockets close, the last run's garbage is collected.
      await sleep(1_000);
    }
  }
  return results;
}

try {
  if (args.profile) await profileGateways({ tmp, quick, log, out, mergeFetches });
  else await main();
  await cleanup();
} catch (error) {
  process.stderr.write(`\nbench: could not run: ${(error as Error).stack ?? error}\n`);
  process.stderr.write(`bench: ${path.relative(process.cwd(), RESULTS_FILE)} not updated\n`);
  await cleanup();
  process.exitCode = 1;
}
