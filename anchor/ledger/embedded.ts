import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import ganache from 'ganache';
import type { Logger } from '../../platform/log.ts';
import { GovshareError } from '../../platform/errors.ts';
import { acquireDirectoryLock } from '../../store/lock.ts';
import { EMBEDDED_CHAIN_ID, ensureLedgerSeed, ledgerDir } from './seed.ts';

/**
 * The embedded ledger: ganache 7.9.2 as a JSON-RPC server on 127.0.0.1, persisted under
 * `<dataDir>/ledger/chain`.
 *
 * This is the ONLY module that imports `ganache`. Ganache is archived upstream, so nothing
 * else may depend on it: everything talks to it over JSON-RPC exactly as to any EVM node.
 * It must run in a process of its own (`govshare serve ledger`, see embedded-main.ts): a
 * second ganache on a dbPath in use emits an unhandled 'error' event that kills the host.
 * The directory lock taken first turns that into a clear DATA_DIR_LOCKED instead.
 */
export { EMBEDDED_CHAIN_ID };
/** What the deployer account holds at genesis, in ether: it funds every member's gas. */
const DEPLOYER_BALANCE_ETHER = 1_000_000;

export interface EmbeddedLedgerOptions {
  dataDir: string;
  /** 0 picks a free port. */
  port: number;
  host?: '127.0.0.1';
  logger: Logger;
}

export interface EmbeddedLedger {
  url: string;
  port: number;
  chainId: number;
  /** Whether this start created the chain (first run) or reopened it. */
  fresh: boolean;
  /** Milliseconds from the call to listening (lock, seed, database open, server). */
  startMs: number;
  close(): Promise<void>;
}

export async function startEmbeddedLedger(options: EmbeddedLedgerOptions): Promise<EmbeddedLedger> {
  const started = performance.now();
  const host = options.host ?? '127.0.0.1';
  const dir = ledgerDir(options.dataDir);
  const release = acquireDirectoryLock(dir);
  try {
    const seed = ensureLedgerSeed(options.dataDir);
    const dbPath = path.join(dir, 'chain');
    const fresh = !fs.existsSync(dbPath) || fs.readdirSync(dbPath).length === 0;
    fs.mkdirSync(dbPath, { recursive: true });

    const server = ganache.server({
      logging: { quiet: true },
      chain: { chainId: EMBEDDED_CHAIN_ID, networkId: EMBEDDED_CHAIN_ID, hardfork: 'shanghai' },
      // The genesis funds one account derived from our own seed. `lock` keeps even that
      // account unusable through eth_sendTransaction: like on Besu, every transaction is
      // signed by its sender locally.
      wallet: { mnemonic: seed.mnemonic, totalAccounts: 1, defaultBalance: DEPLOYER_BALANCE_ETHER, lock: true },
      database: { dbPath },
      miner: { instamine: 'eager', blockTime: 0 },
      server: { ws: false },
    });
    try {
      await server.listen(options.port, host);
    } catch (error) {
      await server.close().catch(() => undefined);
      throw new GovshareError('LEDGER_START_FAILED', `the embedded ledger could not listen on ${host}:${options.port} (${(error as Error).message})`, {
        cause: error,
        detail: { host, port: options.port },
      });
    }
    const address = server.address();
    const url = `http://${host}:${address.port}`;
    const startMs = Math.round(performance.now() - started);
    options.logger.info({ url, chainId: EMBEDDED_CHAIN_ID, dbPath, fresh, startMs }, 'embedded ledger listening');

    let closing: Promise<void> | undefined;
    return {
      url,
      port: address.port,
      chainId: EMBEDDED_CHAIN_ID,
      fresh,
      startMs,
      close() {
        closing ??= server.close().finally(release);
        return closing;
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}
