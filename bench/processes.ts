import { fork, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Child processes of the bench. Every server and the load generator run in a
 * process of their own (as `govshare up` runs the components), so one target's
 * CPU never shares an event loop with another's. Each child is tracked here so
 * that `stopAll()` can end exactly the processes the bench started, even on
 * error or Ctrl-C.
 */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CLI = path.join(ROOT, 'cli', 'govshare.js');

export interface Child {
  name: string;
  process: ChildProcess;
  pid: number;
  /** Resolves once the process has exited (never rejects). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
  /** "exit 1", "SIGKILL" or "running". */
  exitStatus(): string;
  /** Leader of its own process group (see stopChild). */
  detached: boolean;
  /** Where its stdout and stderr go. */
  logFile: string;
  /** The last lines it wrote, for error messages. */
  tail(lines?: number): string;
}

const running = new Set<Child>();

/**
 * The environment for a child: the embedded defaults. Inherited GOVSHARE_*,
 * PORT, GATEWAY_PORT, LEDGER_*, REDIS_URL and NODE_ENV would change what is
 * measured (another database, development mode, silent logs), so they are
 * dropped and only `extra` is set.
 */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(GOVSHARE_|LEDGER_)/.test(key) || ['PORT', 'GATEWAY_PORT', 'REDIS_URL', 'NODE_ENV'].includes(key)) continue;
    env[key] = value;
  }
  // Without it @apollo/gateway starts an exporter that reports to Apollo (DESIGN.md).
  env.APOLLO_TELEMETRY_DISABLED = '1';
  return { ...env, ...extra };
}

export interface StartOptions {
  env: NodeJS.ProcessEnv;
  logFile: string;
  /** A TypeScript module run with `node --import tsx` and an IPC channel. */
  ipc?: boolean;
  /** Its own process group, so a leftover grandchild can be ended with it. */
  detached?: boolean;
  /** Node options before the script (e.g. `--cpu-prof` for a profile of one server). */
  execArgv?: string[];
}

/** Starts `node <script> ...args`; a `.ts` script with `ipc` is forked under tsx. */
export function startChild(name: string, script: string, args: string[], options: StartOptions): Child {
  fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
  const fd = fs.openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = options.ipc
      ? fork(script, args, { cwd: ROOT, env: options.env, execArgv: ['--import', 'tsx', ...(options.execArgv ?? [])], stdio: ['ignore', fd, fd, 'ipc'] })
      : spawn(process.execPath, [...(options.execArgv ?? []), script, ...args], { cwd: ROOT, env: options.env, stdio: ['ignore', fd, fd], detached: options.detached ?? false });
  } finally {
    // The child has its own copy of the descriptor.
    fs.closeSync(fd);
  }
  let done = false;
  let status = 'running';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      status = signal ?? `exit ${code}`;
      resolve({ code, signal });
    });
    child.once('error', (error) => {
      done = true;
      status = `could not start: ${error.message}`;
      resolve({ code: null, signal: null });
    });
  });
  const handle: Child = {
    name,
    process: child,
    pid: child.pid ?? -1,
    exited,
    hasExited: () => done,
    exitStatus: () => status,
    detached: !options.ipc && (options.detached ?? false),
    logFile: options.logFile,
    tail: (lines = 15) => tailOf(options.logFile, lines),
  };
  running.add(handle);
  void exited.then(() => running.delete(handle));
  return handle;
}

function tailOf(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}

/**
 * Ends one child: `signal`, then SIGKILL after `graceMs`. A detached child is
 * killed with its process group at that point, so that components it started
 * itself (`govshare up` starts one process per component) do not outlive it.
 */
export async function stopChild(child: Child, signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<void> {
  if (child.hasExited()) return endGroup(child, graceMs);
  child.process.kill(signal);
  const timer = setTimeout(() => {
    const pid = child.process.pid;
    if (child.hasExited() || pid === undefined) return;
    try {
      if (child.detached) process.kill(-pid, 'SIGKILL');
      else child.process.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }, graceMs);
  await child.exited;
  clearTimeout(timer);
  await endGroup(child, graceMs);
}

/**
 * A detached child's group may outlive its leader (a component `up` started
 * when `up` itself died): end what is left of that group, SIGTERM then SIGKILL.
 */
async function endGroup(child: Child, graceMs: number): Promise<void> {
  const pid = child.process.pid;
  if (!child.detached || pid === undefined) return;
  const signalGroup = (signal: NodeJS.Signals | 0) => {
    try {
      process.kill(-pid, signal);
      return true;
    } catch {
      return false; // ESRCH: nothing left in the group
    }
  };
  if (!signalGroup('SIGTERM')) return;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    await sleep(100);
    if (!signalGroup(0)) return;
  }
  signalGroup('SIGKILL');
}

/** Ends every child still running, in parallel. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((child) => stopChild(child)));
}

/**
 * `count` distinct ports that were free a moment ago on 127.0.0.1 (the OS
 * picks them; all are held open together so that none is handed out twice).
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () =>
      new Promise<net.Server>((resolve, reject) => {
        const server = net.createServer();
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve(server));
      }),
    ),
  );
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** Whether nothing listens on 127.0.0.1:port (binding there would succeed). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Polls `url` until it answers 200. Fails early when `child` exits (with the
 * end of its log), or after `timeoutMs`.
 */
export async function waitForOk(url: string, options: { timeoutMs: number; child?: Child; intervalMs?: number }): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (options.child?.hasExited()) {
      throw new Error(`${options.child.name} exited before ${url} was ready; its last output:\n${options.child.tail()}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(options.intervalMs ?? 250);
  }
  const tail = options.child ? `; ${options.child.name}'s last output:\n${options.child.tail()}` : '';
  throw new Error(`${url} not ready after ${options.timeoutMs / 1000} s (${last})${tail}`);
}

/** Waits for the first IPC message of a forked child, failing if it exits first. */
export function firstMessage<T>(child: Child, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${child.name} sent nothing in ${timeoutMs / 1000} s; its last output:\n${child.tail()}`)), timeoutMs);
    child.process.once('message', (message) => {
      clearTimeout(timer);
      resolve(message as T);
    });
    void child.exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${child.name} exited (${signal ?? code}) before answering; its last output:\n${child.tail()}`));
    });
  });
}

/**
 * CPU time (user + system) a process has used so far, in seconds, from
 * /proc/<pid>/stat; undefined where there is no /proc (not Linux) or the
 * process is gone. Clock ticks are USER_HZ, 100 on every Linux the bench runs on.
 */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), from field 3 (state) on.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[14 - 3]);
    const stime = Number(fields[15 - 3]);
    return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / 100 : undefined;
  } catch {
    return undefined;
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
