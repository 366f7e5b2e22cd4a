import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DEFAULT_PORTS } from '../platform/config.ts';
import { CLI, cleanEnv, portIsFree, sleep, startChild, stopChild, waitForOk } from './processes.ts';

/**
 * P5-start: how long `govshare up` (what `npm start` runs) takes from spawn to
 * the gateway's /ready answering 200, on a data dir that already exists.
 *
 * The first start on a fresh data dir (create the databases, migrate, seed the
 * demo data) is measured too and serves as the baseline; then `warmRuns`
 * starts on the same dir. `up` listens on its fixed default ports, so nothing
 * else may hold them: if one is taken the figure is skipped, not faked.
 */
export type StartupOutcome =
  | { kind: 'measured'; coldSeconds: number; warmSeconds: number[]; notes: string[] }
  | { kind: 'skipped'; reason: string };

/** The ports `up` binds: the gateway, the departments and the embedded ledger. */
const UP_PORTS = [DEFAULT_PORTS.gateway, DEFAULT_PORTS.education, DEFAULT_PORTS.finance, DEFAULT_PORTS.justice, DEFAULT_PORTS.ledger];
const READY_URL = `http://127.0.0.1:${DEFAULT_PORTS.gateway}/ready`;

export async function measureStartup(options: { dataDir: string; logDir: string; warmRuns: number; log: (line: string) => void }): Promise<StartupOutcome> {
  const busy = await busyPorts();
  if (busy.length) return { kind: 'skipped', reason: `port(s) ${busy.join(', ')} in use on 127.0.0.1 (another govshare up?)` };

  const notes: string[] = [];
  async function timedStart(label: string, timeoutMs: number): Promise<number> {
    const started = performance.now();
    const child = startChild(`govshare up (${label})`, CLI, ['up'], {
      env: cleanEnv({ GOVSHARE_DATA_DIR: options.dataDir }),
      logFile: path.join(options.logDir, `up-${label}.log`),
      // Its own process group: if `up` dies, the components it started can still be ended.
      detached: true,
    });
    try {
      // Polled every 50 ms: the figure is read to about that.
      await waitForOk(READY_URL, { timeoutMs, child, intervalMs: 50 });
      return (performance.now() - started) / 1000;
    } finally {
      // Ctrl-C, as an operator stops it; `up` stops its components and exits.
      await stopChild(child, 'SIGINT', 30_000);
      const { code, signal } = await child.exited;
      if (code !== 0) notes.push(`${label} start: up exited with ${signal ?? code} after SIGINT`);
      await waitForPortsFree(15_000);
    }
  }

  try {
    const coldSeconds = await timedStart('cold', 300_000);
    options.log(`P5: first (cold) start ${coldSeconds.toFixed(2)} s`);
    const warmSeconds: number[] = [];
    for (let i = 1; i <= options.warmRuns; i++) {
      warmSeconds.push(await timedStart(`warm-${i}`, 180_000));
      options.log(`P5: start ${i} on the existing data dir ${warmSeconds.at(-1)!.toFixed(2)} s`);
    }
    return { kind: 'measured', coldSeconds, warmSeconds, notes };
  } catch (error) {
    return { kind: 'skipped', reason: `govshare up did not become ready: ${(error as Error).message}` };
  }
}

async function busyPorts(): Promise<number[]> {
  const free = await Promise.all(UP_PORTS.map(portIsFree));
  return UP_PORTS.filter((_, i) => !free[i]);
}

/** The next start must not find the previous one's sockets still bound. */
async function waitForPortsFree(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await busyPorts()).length && Date.now() < deadline) await sleep(100);
}
