import type { Config } from '../../platform/config.ts';
import type { Logger } from '../../platform/log.ts';
import { ConfigError, GovshareError } from '../../platform/errors.ts';
import type { ContractName } from './artifacts.ts';
import { deployedAddresses, readDeployment } from './deploy.ts';
import { EMBEDDED_CHAIN_ID } from './seed.ts';
import { assertChainId, createProvider, type LedgerEndpoint } from './rpc.ts';

/**
 * Where components find the ledger: LEDGER_RPC_URL + LEDGER_CHAIN_ID when set (any EVM node),
 * else the embedded ledger on 127.0.0.1:LEDGER_PORT with chain id 1337.
 */
export function ledgerEndpoint(config: Pick<Config, 'ledgerRpcUrl' | 'ledgerChainId' | 'ledgerPort'>): LedgerEndpoint {
  if (config.ledgerRpcUrl) {
    if (config.ledgerChainId === undefined) {
      // Guessing would sign transactions for the wrong chain; asking the node at every start
      // would trust whatever answers at that URL.
      throw new ConfigError('LEDGER_RPC_URL is set but LEDGER_CHAIN_ID is not: give the chain id of that ledger');
    }
    return { rpcUrl: config.ledgerRpcUrl, chainId: config.ledgerChainId };
  }
  return { rpcUrl: `http://127.0.0.1:${config.ledgerPort}`, chainId: config.ledgerChainId ?? EMBEDDED_CHAIN_ID };
}

/**
 * Waits until the ledger answers on the right chain and its contracts are recorded in the data
 * dir: components started together with `govshare serve ledger` (by `govshare up`) must not
 * race its first-run deployment. Throws the last reason (LEDGER_UNAVAILABLE,
 * CONTRACTS_NOT_DEPLOYED, CHAIN_ID_MISMATCH) after the timeout.
 */
export async function waitForLedger(options: LedgerEndpoint & { dataDir: string; timeoutMs?: number }): Promise<Record<ContractName, string>> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const provider = createProvider(options, { timeoutMs: 5_000 });
  try {
    for (;;) {
      try {
        await assertChainId(provider, options);
        const addresses = deployedAddresses(options.dataDir, options.chainId);
        // Members are admitted and funded after the deployments are recorded.
        if (readDeployment(options.dataDir, options.chainId)?.ready) return addresses;
        throw new GovshareError('CONTRACTS_NOT_DEPLOYED', 'the ledger is still setting up its consortium');
      } catch (error) {
        const code = (error as GovshareError).code;
        if (code === 'CHAIN_ID_MISMATCH' || Date.now() > deadline) throw error;
        if (code !== 'LEDGER_UNAVAILABLE' && code !== 'CONTRACTS_NOT_DEPLOYED') throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  } finally {
    provider.destroy();
  }
}

/**
 * waitForLedger without a deadline, for components that serve meanwhile (a
 * department records, a gateway serves anonymous callers): retries while the
 * ledger is down or still deploying, logging `waiting` each round, and stops
 * on any other error or when `signal` aborts.
 */
export async function waitForLedgerPatiently(options: LedgerEndpoint & { dataDir: string; logger: Logger; waiting: string; signal?: AbortSignal }): Promise<Record<ContractName, string>> {
  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted) throw options.signal.reason;
    try {
      return await waitForLedger({ rpcUrl: options.rpcUrl, chainId: options.chainId, dataDir: options.dataDir, timeoutMs: 30_000 });
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== 'LEDGER_UNAVAILABLE' && code !== 'CONTRACTS_NOT_DEPLOYED') throw error;
      options.logger.warn({ rpcUrl: options.rpcUrl, code, attempt }, options.waiting);
    }
  }
}
