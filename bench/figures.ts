import { BENCH_RATE_LIMIT } from './federation.ts';
import type { LoadResult } from './load.ts';
import type { StartupOutcome } from './startup.ts';
import type { TargetId } from './targets.ts';
import { median, round } from './stats.ts';

/** One entry of bench/results/latest.json (DESIGN.md, "Bench"). */
export interface Figure {
  value: number;
  unit: string;
  baseline?: number;
  ratio?: number;
  note?: string;
}
export type Figures = Record<string, Figure>;

export interface LoadSettings {
  connections: number;
  /** Measured seconds per target and round. */
  seconds: number;
  /** The warm-up pass: every target in turn for this long, discarded, before any measurement. */
  warmupSeconds: number;
  rounds: number;
  dids: number;
  /** Whether our gateway merged concurrent department fetches (off with `--unmerged`). */
  mergeFetches: boolean;
}

/**
 * A target's rounds folded into one: medians of the per-round figures (a burst
 * of other work on the machine spoils one round, not the figure), sums of the
 * counts.
 */
export interface Combined {
  reqPerSec: number;
  p50: number;
  p99: number;
  /** CPU time of the process under test per response; NaN where not measured. */
  cpuMs: number;
  /** The same plus every watched back-end process (departments, ledger); NaN where not measured. */
  systemCpuMs: number;
  /** Median CPU ms per response of each watched back-end process. */
  backEndCpuMs: Record<string, number>;
  /** Median requests per answer each department got. */
  departmentRequests: Record<string, number>;
  ok: number;
  /** Answers that were not 200 with data, plus requests that got no answer at all. */
  bad: number;
  firstProblem?: string;
}

export function combine(rounds: LoadResult[]): Combined {
  const firstProblem = rounds.find((r) => r.firstProblem)?.firstProblem;
  return {
    reqPerSec: median(rounds.map((r) => r.reqPerSec)),
    p50: median(rounds.map((r) => r.latencyMs.p50)),
    p99: median(rounds.map((r) => r.latencyMs.p99)),
    cpuMs: median(rounds.map((r) => r.serverCpuMsPerRequest ?? NaN)),
    systemCpuMs: median(rounds.map((r) => (r.cpuMsPerRequestOf ? (r.serverCpuMsPerRequest ?? NaN) + Object.values(r.cpuMsPerRequestOf).reduce((a, b) => a + b, 0) : NaN))),
    departmentRequests: Object.fromEntries(Object.keys(rounds[0]?.countsPerRequest ?? {}).map((name) => [name, median(rounds.map((r) => r.countsPerRequest?.[name] ?? NaN))])),
    backEndCpuMs: Object.fromEntries(Object.keys(rounds[0]?.cpuMsPerRequestOf ?? {}).map((name) => [name, median(rounds.map((r) => r.cpuMsPerRequestOf?.[name] ?? NaN))])),
    ok: rounds.reduce((sum, r) => sum + r.ok, 0),
    bad: rounds.reduce((sum, r) => sum + r.failed + r.socketErrors, 0),
    ...(firstProblem !== undefined && { firstProblem }),
  };
}

const fixed = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '-');

/** How the tokens of a target's rounds were made: pre-minted, one per request, never reused. */
function tokenNote(rounds: LoadResult[]): string {
  const used = rounds.reduce((sum, r) => sum + (r.tokens?.used ?? 0), 0);
  const minted = rounds.reduce((sum, r) => sum + (r.tokens?.minted ?? 0), 0);
  const short = rounds.reduce((sum, r) => sum + (r.tokens?.short ?? 0), 0);
  const live = rounds.reduce((sum, r) => sum + (r.tokens?.mintedLive ?? 0), 0);
  if (!minted) return '';
  return (
    `Tokens: minted with createAgencyToken in the load generator before each pass, one fresh token per request; ` +
    `${used} sent in the measured passes out of ${minted} minted beforehand` +
    (live ? `, plus ${live} minted while passes ran (pool too small: that minting competed for the CPU)` : ' (none minted while measuring)') +
    (short ? ` — !! the pool ran dry ${short} times (those requests were refused)` : '') +
    '.'
  );
}

/** value vs baseline; ratio = value / baseline. Non-finite numbers (nothing answered) become 0 with the note saying so. */
function compare(value: number, baseline: number, unit: string, digits: number, note: string): Figure {
  if (!Number.isFinite(value) || !Number.isFinite(baseline)) {
    return { value: Number.isFinite(value) ? round(value, digits) : 0, unit, note: `NO MEASUREMENT (no good answers). ${note}` };
  }
  return { value: round(value, digits), unit, baseline: round(baseline, digits), ratio: baseline > 0 ? round(value / baseline, 3) : 0, note };
}

/** Loud, first thing in a note: a figure over bad answers is not a figure. */
function warning(parts: [string, Combined][]): string {
  const bad = parts.filter(([, c]) => c.bad > 0);
  if (!bad.length) return '';
  return `!! BAD ANSWERS: ${bad.map(([name, c]) => `${name} ${c.bad}`).join(', ')} (first: ${bad[0]![1].firstProblem ?? 'no answer / connection error'}) — NOT TRUSTWORTHY. `;
}

export function loadFigures(results: Record<TargetId, LoadResult[]>, settings: LoadSettings): Figures {
  const t = Object.fromEntries(Object.entries(results).map(([id, rounds]) => [id, combine(rounds)])) as Record<TargetId, Combined>;
  const how = `${settings.connections} connections, median of ${settings.rounds} round(s) of ${settings.seconds} s in alternating order after a ${settings.warmupSeconds} s warm-up of every target, ${settings.dids} citizens rotated`;
  const ours =
    'our gateway as served (`govshare serve gateway`), everything on: agency authentication (a fresh single-use ES256K bearer token per request, as the demo audit-office agency, purpose audit), ' +
    `field-level policy from the agreements on the ledger with consent push-down, cost limits, the per-agency rate limit (raised to GOVSHARE_RATE_LIMIT=${BENCH_RATE_LIMIT} so it never refuses, but checked on every request), ` +
    'the audit trail (one entry per request, group-committed in PGlite and logged before the answer, in a worker thread of the gateway), a gateway-signed token on each department request, error masking, request-id logs, metrics, ' +
    (settings.mergeFetches
      ? 'and department fetches of concurrent requests under the same decision merged into one (GOVSHARE_MERGE_FETCHES, on by default; every request here is the same agency and query, the case merging serves; `--unmerged` measures without it)'
      : 'and MERGED FETCHES OFF (`--unmerged`, GOVSHARE_MERGE_FETCHES=off): every department fetch leaves on its own');
  const bare = 'bare @apollo/gateway (default make-fetch-happen fetcher) on startStandaloneServer with default settings and no plugins, sent the same requests (it ignores the token)';
  const tokens = tokenNote(results['ours-cross'] ?? []);
  return {
    'P1-gateway-cross': compare(
      t['ours-cross'].reqPerSec,
      t['bare-cross'].reqPerSec,
      'req/s',
      1,
      `${warning([['ours', t['ours-cross']], ['bare', t['bare-cross']]])}Cross-department query (finance, education and justice, asked in parallel). ${ours} vs ${bare}; ratio > 1: ours serves more. ` +
        `p99 ${fixed(t['ours-cross'].p99)} ms ours vs ${fixed(t['bare-cross'].p99)} ms bare (goal: ratio >= 2 with p99 no worse). ${tokens} ${how}.`,
    ),
    'F1-gateway-single': compare(
      t['ours-single'].reqPerSec,
      t['bare-single'].reqPerSec,
      'req/s',
      1,
      `${warning([['ours', t['ours-single']], ['bare', t['bare-single']]])}Single-department query (finance only) through our gateway vs the bare gateway; ratio > 1: ours serves more. ${how}.`,
    ),
    'F1-gateway-overhead': compare(
      t['ours-single'].reqPerSec,
      t['direct-single'].reqPerSec,
      'req/s',
      1,
      `${warning([['ours', t['ours-single']], ['direct', t['direct-single']]])}The single-department query through our gateway vs the same query sent straight to the finance subgraph; ratio = the share of the subgraph's throughput left through the gateway (1 = no cost). ${how}.`,
    ),
    'F1-single-p50-ms': compare(t['ours-single'].p50, t['bare-single'].p50, 'ms', 2, `Median latency, single-department query, ours vs bare gateway under the load above; ratio < 1: ours faster.`),
    'F1-single-p99-ms': compare(t['ours-single'].p99, t['bare-single'].p99, 'ms', 2, `99th percentile latency, single-department query, ours vs bare gateway; ratio < 1: ours faster.`),
    'F1-cross-p50-ms': compare(t['ours-cross'].p50, t['bare-cross'].p50, 'ms', 2, `Median latency, cross-department query, ours vs bare gateway; ratio < 1: ours faster.`),
    'F1-cross-p99-ms': compare(t['ours-cross'].p99, t['bare-cross'].p99, 'ms', 2, `99th percentile latency, cross-department query, ours vs bare gateway; ratio < 1: ours faster.`),
    ...cpuFigures(t),
    'F1-bad-answers': badAnswers(t),
  };
}

/**
 * CPU per request of each gateway process: on 2 cores the single-department
 * throughput is capped by the subgraph behind either gateway, so this is what
 * shows the gateway's own cost. Linux only (/proc); left out elsewhere.
 */
function cpuFigures(t: Record<TargetId, Combined>): Figures {
  if (![t['ours-single'], t['bare-single'], t['ours-cross'], t['bare-cross']].every((c) => Number.isFinite(c.cpuMs))) return {};
  const note = (query: string) =>
    `CPU time (user + system) of the gateway process per answer, ${query} query, ours vs bare, under the load above; ratio < 1: ours costs less.`;
  const system = (query: string, ours: Combined, bare: Combined) =>
    `CPU time (user + system) per answer of the gateway plus every process behind it (departments and ledger), ${query} query, ours vs bare, under the load above; ratio < 1: ours costs less. ` +
    `Back end per answer, ours: ${backEnd(ours)}; bare: ${backEnd(bare)}. Requests each department got per answer, ours: ${requests(ours)}; bare: ${requests(bare)}. On two cores this bounds what either set-up can serve, whatever the load generator does.`;
  return {
    'F1-gateway-cpu-single': compare(t['ours-single'].cpuMs, t['bare-single'].cpuMs, 'CPU ms/req', 3, note('single-department')),
    'F1-gateway-cpu-cross': compare(t['ours-cross'].cpuMs, t['bare-cross'].cpuMs, 'CPU ms/req', 3, note('cross-department')),
    ...(Number.isFinite(t['ours-cross'].systemCpuMs) && Number.isFinite(t['bare-cross'].systemCpuMs)
      ? {
          'F1-system-cpu-single': compare(t['ours-single'].systemCpuMs, t['bare-single'].systemCpuMs, 'CPU ms/req', 3, system('single-department', t['ours-single'], t['bare-single'])),
          'F1-system-cpu-cross': compare(t['ours-cross'].systemCpuMs, t['bare-cross'].systemCpuMs, 'CPU ms/req', 3, system('cross-department', t['ours-cross'], t['bare-cross'])),
        }
      : {}),
  };
}

function backEnd(c: Combined): string {
  return Object.entries(c.backEndCpuMs).map(([name, ms]) => `${name} ${fixed(ms)} ms`).join(', ') || '-';
}

function requests(c: Combined): string {
  return Object.entries(c.departmentRequests).map(([name, n]) => `${name} ${fixed(n)}`).join(', ') || '-';
}

function badAnswers(t: Record<TargetId, Combined>): Figure {
  const entries = Object.entries(t) as [TargetId, Combined][];
  const total = entries.reduce((sum, [, c]) => sum + c.bad, 0);
  const good = entries.reduce((sum, [, c]) => sum + c.ok, 0);
  if (total === 0) return { value: 0, unit: 'responses', note: `Every measured response (${good}) was HTTP 200 with the citizen and no errors.` };
  const which = entries.filter(([, c]) => c.bad > 0).map(([id, c]) => `${id} ${c.bad} (${c.firstProblem ?? 'no answer / connection error'})`);
  return { value: total, unit: 'responses', note: `!! ${total} requests got no good answer (non-200, GraphQL errors, no citizen, or no answer): ${which.join('; ')}` };
}

/** P5-start, or the reason it is missing (the contract has no place for a figure that was not measured). */
export function startupFigure(outcome: StartupOutcome): { figure?: Figure; skipped?: string } {
  if (outcome.kind === 'skipped') return { skipped: outcome.reason };
  const value = median(outcome.warmSeconds);
  const runs = outcome.warmSeconds.map((s) => s.toFixed(2)).join(', ');
  return {
    figure: {
      value: round(value, 2),
      unit: 's',
      baseline: round(outcome.coldSeconds, 2),
      ratio: round(value / outcome.coldSeconds, 3),
      note:
        `\`govshare up\` from spawn to the gateway's /ready answering 200, on a data dir already initialised and seeded: median of ${outcome.warmSeconds.length} (${runs} s). ` +
        `Baseline: the first (cold) start on a fresh data dir, which also creates the databases and seeds demo data; ratio = warm / cold.` +
        (outcome.notes.length ? ` ${outcome.notes.join('; ')}` : ''),
    },
  };
}
