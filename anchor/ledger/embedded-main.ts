import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { loadConfig, type Config } from '../../platform/config.ts';
import { ConfigError } from '../../platform/errors.ts';
import { createLogger, type Logger } from '../../platform/log.ts';
import { DEFAULT_KEY_NAMES, keystorePassphrase, openKeystore, type ScryptParams } from '../keys/keystore.ts';
import { agencyKeyName } from '../../demo/agencies.ts';
import { ensureDemoAccreditations } from './accreditations.ts';
import { ensureDemoAgreements } from './demo-agreements.ts';
import type { ContractName } from './artifacts.ts';
import { ensureContracts, type DeployedContract } from './deploy.ts';
import { embeddedDeployer } from './seed.ts';

/**
 * `govshare serve ledger`: the embedded ledger in this process (which must be a process of its
 * own: see embedded.ts), with the contracts deployed on first run, the consortium members
 * (the department and gateway keys, created in the keystore if missing) registered and funded,
 * and the departments accredited in TrustedIssuers for the demo credential types.
 *
 * Run directly (`node --import tsx anchor/ledger/embedded-main.ts`) it serves until SIGINT or
 * SIGTERM and, when spawned with an IPC channel, reports `{ type: 'ready', ... }` to its parent
 * (see embedded-process.ts).
 */
export interface ServedLedger {
  url: string;
  chainId: number;
  contracts: Record<ContractName, DeployedContract>;
  /** Milliseconds to listening, and to contracts ready. */
  startMs: number;
  readyMs: number;
  fresh: boolean;
  close(): Promise<void>;
}

export interface ServeLedgerOptions {
  logger?: Logger;
  /** Keystore passphrase; default GOVSHARE_KEYSTORE_PASSPHRASE or the demo one. */
  passphrase?: string;
  /** Keys to create and admit as consortium members. Default: education, finance, justice, gateway. */
  members?: readonly string[];
  /** Keystore cost for keys created here (tests use a cheap one). */
  scrypt?: ScryptParams;
}

export async function serveLedger(config: Config, options: ServeLedgerOptions = {}): Promise<ServedLedger> {
  const began = performance.now();
  const logger = options.logger ?? createLogger('ledger');
  if (config.ledgerRpcUrl) {
    throw new ConfigError('LEDGER_RPC_URL is set: the ledger is external, so there is no embedded ledger to serve');
  }
  // Loaded here, not at the top: importing this module (e.g. from the CLI) must not load ganache.
  const { startEmbeddedLedger } = await import('./embedded.ts');
  const ledger = await startEmbeddedLedger({ dataDir: config.dataDir, port: config.port ?? config.ledgerPort, host: '127.0.0.1', logger });
  try {
    const passphrase = options.passphrase ?? keystorePassphrase(process.env, logger);
    const keystore = openKeystore({ dataDir: config.dataDir, passphrase, logger, ...(options.scrypt && { scrypt: options.scrypt }) });
    const members = await keystore.ensureKeys(options.members ?? DEFAULT_KEY_NAMES);
    const deployer = embeddedDeployer(config.dataDir);
    const deployment = await ensureContracts({
      rpcUrl: ledger.url,
      chainId: ledger.chainId,
      deployer,
      dataDir: config.dataDir,
      members: Object.values(members),
      logger,
      // Before the deployment is marked ready: a verifier started by `govshare up` waits for
      // that mark and must find the departments accredited. Skips types already granted.
      beforeReady: async (contracts) => {
        await ensureDemoAccreditations({ rpcUrl: ledger.url, chainId: ledger.chainId, contract: contracts.TrustedIssuers, root: deployer, issuers: members, logger });
        // The demo agencies' agreements, so `govshare agency token` gives a caller with rights.
        await ensureDemoAgreements({ rpcUrl: ledger.url, chainId: ledger.chainId, contract: contracts.SharingAgreements, keystore, funder: deployer, agencyKeyName, logger });
      },
    });
    const readyMs = Math.round(performance.now() - began);
    logger.info(
      {
        url: ledger.url,
        chainId: ledger.chainId,
        fresh: ledger.fresh,
        startMs: ledger.startMs,
        readyMs,
        contracts: Object.fromEntries(Object.entries(deployment.contracts).map(([name, c]) => [name, c.address])),
        members,
      },
      'ledger ready',
    );
    return { url: ledger.url, chainId: ledger.chainId, contracts: deployment.contracts, startMs: ledger.startMs, readyMs, fresh: ledger.fresh, close: () => ledger.close() };
  } catch (error) {
    await ledger.close();
    throw error;
  }
}

async function main(): Promise<void> {
  const logger = createLogger('ledger');
  let served: ServedLedger;
  try {
    served = await serveLedger(loadConfig(), { logger });
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'ERROR';
    logger.error({ err: error, code }, 'ledger failed to start');
    process.send?.({ type: 'error', code, message: (error as Error).message });
    process.exitCode = 1;
    // Let the IPC message flush, then leave.
    setTimeout(() => process.exit(1), 50);
    return;
  }
  process.send?.({ type: 'ready', url: served.url, chainId: served.chainId, startMs: served.startMs, readyMs: served.readyMs, fresh: served.fresh, contracts: served.contracts });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await served.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // A parent that dies without signalling (e.g. a killed test worker) must not leave us behind.
  process.once('disconnect', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
