import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GovshareError } from '../../platform/errors.ts';
import type { ContractName } from './artifacts.ts';
import type { DeployedContract } from './deploy.ts';

/**
 * Starts the embedded ledger in a child process (embedded-main.ts) and waits until it is ready.
 * For tests and tools that need a ledger without `govshare up`; ganache never enters the
 * calling process.
 */
export interface LedgerProcess {
  url: string;
  chainId: number;
  contracts: Record<ContractName, DeployedContract>;
  startMs: number;
  readyMs: number;
  fresh: boolean;
  pid: number;
  /** SIGTERM and wait for exit (the database is closed cleanly). */
  stop(): Promise<void>;
}

export interface SpawnLedgerOptions {
  dataDir: string;
  /** Default 0: a free port. */
  port?: number;
  /** Extra environment (e.g. GOVSHARE_KEYSTORE_PASSPHRASE, GOVSHARE_LOG_LEVEL). */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

const entry = path.join(path.dirname(fileURLToPath(import.meta.url)), 'embedded-main.ts');

interface ReadyMessage {
  type: 'ready';
  url: string;
  chainId: number;
  startMs: number;
  readyMs: number;
  fresh: boolean;
  contracts: Record<ContractName, DeployedContract>;
}

export function spawnEmbeddedLedger(options: SpawnLedgerOptions): Promise<LedgerProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env, GOVSHARE_DATA_DIR: options.dataDir, LEDGER_PORT: String(options.port ?? 0) };
  delete env.LEDGER_RPC_URL;
  delete env.LEDGER_CHAIN_ID;
  delete env.PORT;
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', entry], { env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  return new Promise<LedgerProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new GovshareError('LEDGER_START_FAILED', `the embedded ledger did not start within ${options.timeoutMs ?? 60_000} ms\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new GovshareError('LEDGER_START_FAILED', `the embedded ledger exited (${code ?? signal}) before it was ready\n${stderr}`, { detail: { code, signal } }));
    });
    child.on('message', (message: ReadyMessage | { type: 'error'; code: string; message: string }) => {
      if (message.type === 'error') {
        clearTimeout(timer);
        reject(new GovshareError(message.code, message.message));
        return;
      }
      if (message.type !== 'ready') return;
      clearTimeout(timer);
      resolve({
        url: message.url,
        chainId: message.chainId,
        contracts: message.contracts,
        startMs: message.startMs,
        readyMs: message.readyMs,
        fresh: message.fresh,
        pid: child.pid!,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    });
  });
}
