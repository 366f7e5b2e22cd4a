import type { Config } from '../../platform/config.ts';
import type { Logger } from '../../platform/log.ts';
import { ConfigError, GovshareError } from '../../platform/errors.ts';
import { CONTRACT_NAMES, type ContractName } from './artifacts.ts';
import { deployedAddresses, readDeployment } from './deploy.ts';
import { EMBEDDED_CHAIN_ID } from './seed.ts';
import { assertChainId, createProvider, viaLedger, type LedgerEndpoint } from './rpc.ts';

/**
 * Where components find the ledger: LEDGER_RPC_URL + LEDGER_CHAIN_ID when set (any EVM node),
 * else the embedded ledger on 127.0.0.1:LEDGER_PORT with chain id 1337.
 */
export function ledgerEndpoint(config: Pick<Config, 'ledgerRpcUrl' | 'ledgerChainId' | 'ledgerPort' | 'ledgerContracts'>): LedgerEndpoint {
  const contracts = config.ledgerContracts && configuredContracts(config.ledgerContracts);
  if (config.ledgerRpcUrl) {
    if (config.ledgerChainId === undefined) {
      // Guessing would sign transactions for the wrong chain; asking the node at every start
      // would trust whatever answers at that URL.
      throw new ConfigError('LEDGER_RPC_URL is set but LEDGER_CHAIN_ID is not: give the chain id of that ledger');
    }
    return { rpcUrl: config.ledgerRpcUrl, chainId: config.ledgerChainId, ...(contracts && { contracts }) };
  }
  return { rpcUrl: `http://127.0.0.1:${config.ledgerPort}`, chainId: config.ledgerChainId ?? EMBEDDED_CHAIN_ID, ...(contracts && { contracts }) };
}

/** LEDGER_CONTRACTS must name every contract the components use, and nothing unknown. */
function configuredContracts(given: Readonly<Record<string, string>>): Record<ContractName, string> {
  const unknown = Object.keys(given).filter((name) => !(CONTRACT_NAMES as readonly string[]).includes(name));
  const missing = CONTRACT_NAMES.filter((name) => !given[name]);
  if (unknown.length || missing.length) {
    throw new ConfigError(
      `LEDGER_CONTRACTS must give exactly ${CONTRACT_NAMES.join(', ')}` +
        (missing.length ? `; missing ${missing.join(', ')}` : '') +
        (unknown.length ? `; unknown ${unknown.join(', ')}` : ''),
    );
  }
  return Object.fromEntries(CONTRACT_NAMES.map((name) => [name, given[name]!])) as Record<ContractName, string>;
}

/** The contract addresses for this endpoint: configured ones, else the data dir's deployment record. */
export function contractAddresses(endpoint: LedgerEndpoint, dataDir: string): Record<ContractName, string> {
  return (endpoint.contracts as Record<ContractName, string> | undefined) ?? deployedAddresses(dataDir, endpoint.chainId);
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
        if (options.contracts) return await checkConfiguredContracts(provider, options.rpcUrl, options.contracts as Record<ContractName, string>);
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
      return await waitForLedger({
        rpcUrl: options.rpcUrl,
        chainId: options.chainId,
        ...(options.contracts && { contracts: options.contracts }),
        dataDir: options.dataDir,
        timeoutMs: 30_000,
      });
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== 'LEDGER_UNAVAILABLE' && code !== 'CONTRACTS_NOT_DEPLOYED') throw error;
      options.logger.warn({ rpcUrl: options.rpcUrl, code, attempt }, options.waiting);
    }
  }
}

/**
 * Configured addresses must hold code on this chain: a typo or a wiped chain is refused at start
 * (CONTRACT_NOT_FOUND, not retried) instead of failing on the first anchor or resolution.
 */
async function checkConfiguredContracts(provider: ReturnType<typeof createProvider>, rpcUrl: string, contracts: Record<ContractName, string>): Promise<Record<ContractName, string>> {
  for (const name of CONTRACT_NAMES) {
    const code = await viaLedger(rpcUrl, () => provider.getCode(contracts[name]));
    if (code === '0x') throw new GovshareError('CONTRACT_NOT_FOUND', `LEDGER_CONTRACTS names ${contracts[name]} as ${name}, but there is no contract there on this chain`);
  }
  return contracts;
}
