import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from './log.ts';

export interface ChildSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
}

export interface Supervisor {
  /** Resolves when every child has exited after stop(), or when one gave up. */
  done: Promise<number>;
  stop(): Promise<void>;
}

const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 60_000;
const STOP_GRACE_MS = 10_000;

/**
 * Runs components as child processes, each exactly as an operator would run it
 * alone (`govshare serve <component>`), restarts one that dies with backoff,
 * and gives up on the whole set when one keeps dying (more than 5 restarts a
 * minute): a half-running federation that looks healthy is worse than a clear
 * stop. Children's output passes through unchanged (JSON lines).
 */
export function supervise(specs: ChildSpec[], logger: Logger): Supervisor {
  const children = new Map<string, ChildProcess>();
  const restarts = new Map<string, number[]>();
  let stopping = false;
  let uncleanStops = 0;
  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((resolve) => (resolveDone = resolve));

  function start(spec: ChildSpec): void {
    // The IPC channel is a lifeline: a child whose supervisor dies (even by SIGKILL) sees it close and stops.
    const child = spawn(spec.command, spec.args, { env: { ...process.env, ...spec.env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.set(spec.name, child);
    child.on('exit', (code, signal) => {
      children.delete(spec.name);
      if (stopping) {
        // Asked to stop, a component closes what it holds (logs, databases) and exits 0. Dying by
        // a signal instead (its own handler skipped, or killed after the grace period) may have
        // left work unfinished: say so, and make the supervisor's exit status say so too.
        if (code !== 0) {
          uncleanStops++;
          logger.error({ child: spec.name, code, signal }, `${spec.name} did not stop cleanly`);
        }
        if (children.size === 0) resolveDone(uncleanStops ? 1 : 0);
        return;
      }
      const now = Date.now();
      const recent = (restarts.get(spec.name) ?? []).filter((t) => now - t < RESTART_WINDOW_MS);
      if (recent.length >= MAX_RESTARTS) {
        logger.error({ child: spec.name, code, signal }, `${spec.name} keeps failing; stopping everything`);
        void stop().then(() => resolveDone(1));
        return;
      }
      recent.push(now);
      restarts.set(spec.name, recent);
      const delay = 500 * 2 ** (recent.length - 1);
      logger.warn({ child: spec.name, code, signal, restartInMs: delay }, `${spec.name} exited; restarting`);
      setTimeout(() => !stopping && start(spec), delay);
    });
  }

  async function stop(): Promise<void> {
    if (stopping) return;
    stopping = true;
    if (children.size === 0) {
      resolveDone(0);
      return;
    }
    const exits = [...children.values()].map((child) => new Promise<void>((resolve) => child.once('exit', () => resolve())));
    for (const child of children.values()) child.kill('SIGTERM');
    const timer = setTimeout(() => {
      for (const child of children.values()) child.kill('SIGKILL');
    }, STOP_GRACE_MS);
    await Promise.all(exits);
    clearTimeout(timer);
  }

  for (const spec of specs) start(spec);
  return { done, stop };
}
