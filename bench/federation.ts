import path from 'node:path';
import { DEPARTMENTS, type DepartmentName } from '../platform/config.ts';
import { benchAgencyCredentials, type AgencyCredentials } from './agency.ts';
import { staticGatewayHeaders, type StaticHeaders } from './gateway-token.ts';
import type { Endpoint } from './targets.ts';
import { CLI, cleanEnv, firstMessage, freePorts, ROOT, sleep, startChild, stopChild, waitForOk, type Child } from './processes.ts';

/**
 * The servers under test, each in its own process as `govshare up` runs them:
 * the embedded ledger (`govshare serve ledger`), the three departments
 * (`govshare serve <department>`, embedded PGlite under one data dir, their
 * logs anchored on that ledger), our gateway (`govshare serve gateway`) and the
 * bare gateway (bench/bare-gateway.ts), all on free loopback ports. They log
 * as they do in production (JSON lines, here to files).
 */
export interface Federation {
  departments: Record<DepartmentName, Endpoint>;
  ours: Endpoint;
  bare: Endpoint;
  /** The back end both gateways share (departments and ledger), name → pid, for CPU accounting. */
  backEnd: Record<string, number>;
  /** The agency our gateway's requests are authenticated as (bench/agency.ts). */
  agency: AgencyCredentials;
  /** GraphQL requests each department has answered so far (from its /metrics), to count fetches per answer. */
  departmentRequests(): Promise<Record<string, number>>;
  /** What a caller other than our gateway sends a department to be answered (bench/gateway-token.ts). */
  gatewayHeaders: Record<DepartmentName, StaticHeaders>;
  /** Anything that makes the figures less trustworthy (e.g. anchoring still busy). */
  warnings: string[];
  /** Throws, with the end of its output, if a server under test has died: its figures would be meaningless. */
  assertRunning(): void;
  close(): Promise<void>;
}

export interface FederationOptions {
  dataDir: string;
  logDir: string;
  citizens: number;
  log: (line: string) => void;
  /** Our gateway merges concurrent department fetches (its default); false: GOVSHARE_MERGE_FETCHES=off (`--unmerged`). */
  mergeFetches?: boolean;
  /** Run both gateways and the departments under `node --cpu-prof`, writing their profiles here when they stop (bench/profile.ts). */
  profileDir?: string;
}

/**
 * Our gateway's per-agency budget (GOVSHARE_RATE_LIMIT, default 1200/60s):
 * raised so far that the bench never meets it. The limiter still runs on
 * every request (its cost is measured); it just never refuses.
 */
export const BENCH_RATE_LIMIT = '100000000/60s';

/** Seeds the data dir with the CLI, as an operator would (`govshare seed`). */
export async function seed(options: FederationOptions): Promise<void> {
  const child = startChild('govshare seed', CLI, ['seed', '--citizens', String(options.citizens)], {
    env: cleanEnv({ GOVSHARE_DATA_DIR: options.dataDir }),
    logFile: path.join(options.logDir, 'seed.log'),
  });
  const { code, signal } = await child.exited;
  if (code !== 0) throw new Error(`govshare seed failed (${signal ?? `exit ${code}`}):\n${child.tail()}`);
}

export async function startFederation(options: FederationOptions): Promise<Federation> {
  const children: Child[] = [];
  const close = async () => {
    // Gateways first, so that no department sees a fetch while it is closing.
    for (const child of [...children].reverse()) await stopChild(child);
  };
  try {
    const ports = await freePorts(DEPARTMENTS.length + 2);
    // Every component finds the ledger here; the departments wait for it as under `up`.
    const ledgerPort = String(ports[DEPARTMENTS.length + 1]!);
    const ledger = startChild('ledger', CLI, ['serve', 'ledger'], {
      env: cleanEnv({ GOVSHARE_DATA_DIR: options.dataDir, PORT: ledgerPort, LEDGER_PORT: ledgerPort }),
      logFile: path.join(options.logDir, 'ledger.log'),
    });
    children.push(ledger);

    const departments = {} as Record<DepartmentName, Endpoint>;
    await Promise.all(
      DEPARTMENTS.map(async (name, i) => {
        const port = ports[i]!;
        const child = startChild(name, CLI, ['serve', name], {
          env: cleanEnv({ GOVSHARE_DATA_DIR: options.dataDir, PORT: String(port), LEDGER_PORT: ledgerPort }),
          logFile: path.join(options.logDir, `${name}.log`),
          ...(options.profileDir && { execArgv: ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] }),
        });
        children.push(child);
        await waitForOk(`http://127.0.0.1:${port}/ready`, { timeoutMs: 120_000, child });
        departments[name] = { url: `http://127.0.0.1:${port}/graphql`, pid: child.pid };
      }),
    );
    options.log(`departments ready: ${DEPARTMENTS.map((d) => `${d} ${departments[d].url}`).join(', ')}`);

    const subgraphs = DEPARTMENTS.map((d) => `${d}=${departments[d].url}`).join(',');
    const gatewayPort = ports[DEPARTMENTS.length]!;
    const ours = startChild('our gateway', CLI, ['serve', 'gateway'], {
      env: cleanEnv({ GOVSHARE_DATA_DIR: options.dataDir, GOVSHARE_SUBGRAPHS: subgraphs, PORT: String(gatewayPort), LEDGER_PORT: ledgerPort, GOVSHARE_RATE_LIMIT: BENCH_RATE_LIMIT, ...(options.mergeFetches === false && { GOVSHARE_MERGE_FETCHES: 'off' }) }),
      logFile: path.join(options.logDir, 'gateway.log'),
      ...(options.profileDir && { execArgv: ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] }),
    });
    children.push(ours);
    await waitForOk(`http://127.0.0.1:${gatewayPort}/ready`, { timeoutMs: 120_000, child: ours });

    // Our gateway is ready: the ledger has set up the demo agencies' keys and agreements, and the gateway key exists.
    const agency = await benchAgencyCredentials(options.dataDir);
    const gatewayHeaders = await staticGatewayHeaders(options.dataDir, DEPARTMENTS, agency);
    const urls = Object.fromEntries(DEPARTMENTS.map((d) => [d, departments[d].url]));
    const bare = startChild('bare gateway', path.join(ROOT, 'bench', 'bare-gateway.ts'), [JSON.stringify(urls), JSON.stringify(gatewayHeaders)], {
      env: cleanEnv({}),
      logFile: path.join(options.logDir, 'bare-gateway.log'),
      ipc: true,
      ...(options.profileDir && { execArgv: ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] }),
    });
    children.push(bare);
    const { url: bareUrl } = await firstMessage<{ url: string }>(bare, 120_000);
    options.log(`gateways ready: ours http://127.0.0.1:${gatewayPort}/graphql, bare ${bareUrl}`);

    const warnings = await waitForAnchoring(departments, ledger, options.log);
    const assertRunning = () => {
      const dead = children.find((child) => child.hasExited());
      if (dead) throw new Error(`${dead.name} exited during the bench (${dead.exitStatus()}); its last output:\n${dead.tail(30)}`);
    };
    return {
      departments,
      ours: { url: `http://127.0.0.1:${gatewayPort}/graphql`, pid: ours.pid },
      bare: { url: bareUrl, pid: bare.pid },
      agency,
      gatewayHeaders,
      departmentRequests: () => departmentRequests(departments),
      backEnd: { ...Object.fromEntries(DEPARTMENTS.map((d) => [d, departments[d].pid])), ledger: ledger.pid },
      warnings,
      assertRunning,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Sum of govshare_http_requests_total on /graphql, per department (0 when /metrics cannot be read). */
async function departmentRequests(departments: Record<DepartmentName, Endpoint>): Promise<Record<string, number>> {
  const counts = await Promise.all(
    DEPARTMENTS.map(async (name) => {
      const text = await fetch(new URL('/metrics', departments[name].url))
        .then((r) => r.text())
        .catch(() => '');
      let total = 0;
      for (const line of text.split('\n')) {
        if (line.startsWith('govshare_http_requests_total{') && line.includes('route="/graphql"')) total += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
      }
      return [name, total] as const;
    }),
  );
  return Object.fromEntries(counts);
}

interface DepartmentReady {
  log?: { anchoring?: string; backlog?: number };
}

/**
 * The seeded records reach the ledger in the background once the departments
 * find it. Load measured while that runs would be charged for it, so wait until
 * every department's /ready reports its log anchored with nothing waiting (a
 * department whose /ready says nothing about its log is taken as settled).
 * Not settling in time is reported, not fatal.
 */
async function waitForAnchoring(departments: Record<DepartmentName, Endpoint>, ledger: Child, log: (line: string) => void): Promise<string[]> {
  const deadline = Date.now() + 180_000;
  let waiting: string[] = [];
  while (Date.now() < deadline && !ledger.hasExited()) {
    waiting = [];
    for (const name of DEPARTMENTS) {
      const body = (await fetch(new URL('/ready', departments[name].url))
        .then((r) => r.json())
        .catch(() => ({}))) as DepartmentReady;
      if (body.log && (body.log.anchoring !== 'ok' || body.log.backlog !== 0)) {
        waiting.push(`${name} (anchoring ${body.log.anchoring}, backlog ${body.log.backlog})`);
      }
    }
    if (!waiting.length) {
      log('department logs anchored; nothing waiting');
      return [];
    }
    await sleep(500);
  }
  const why = ledger.hasExited() ? `the ledger exited:\n${ledger.tail()}` : `still waiting after 180 s: ${waiting.join(', ')}`;
  return [`anchoring did not settle before the load (${why}); background anchoring may have competed with the measurements`];
}
