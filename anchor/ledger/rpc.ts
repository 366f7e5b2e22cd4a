import { FetchRequest, JsonRpcProvider, Network } from 'ethers';
import { GovshareError } from '../../platform/errors.ts';

/**
 * The one way this project talks to a ledger: standard Ethereum JSON-RPC over HTTP through
 * an ethers provider, so the embedded EVM and a Besu consortium are interchangeable by
 * configuration (LEDGER_RPC_URL, LEDGER_CHAIN_ID).
 */
export interface LedgerEndpoint {
  rpcUrl: string;
  chainId: number;
  /** Contract addresses given by configuration (LEDGER_CONTRACTS) instead of the data dir's deployment record. */
  contracts?: Readonly<Record<string, string>>;
}

export interface ProviderOptions {
  /** Per request; ethers' default is 5 minutes, far too long for a health check. */
  timeoutMs?: number;
}

/**
 * An ethers provider tuned as DESIGN.md says: `staticNetwork` (no chain detection loop that
 * retries forever when the node is down), `batchMaxCount: 1` (no 10 ms batching delay; some
 * nodes refuse batches), `cacheTimeout: -1` (ethers otherwise reuses identical answers for
 * 250 ms and handed out a stale nonce). The chain id is asserted separately: see `assertChainId`.
 */
export function createProvider(endpoint: LedgerEndpoint, options: ProviderOptions = {}): JsonRpcProvider {
  const request = new FetchRequest(endpoint.rpcUrl);
  request.timeout = options.timeoutMs ?? 15_000;
  const provider = new JsonRpcProvider(request, Network.from(endpoint.chainId), {
    staticNetwork: true,
    batchMaxCount: 1,
    cacheTimeout: -1,
    pollingInterval: 500,
  });
  return provider;
}

const CONNECTIVITY_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  // ethers' own codes for transport failures
  'TIMEOUT',
  'SERVER_ERROR',
  'NETWORK_ERROR',
]);

/** True when an error means "the node could not be reached", as opposed to an answer. */
export function isConnectivityError(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && CONNECTIVITY_CODES.has(code)) return true;
    if (typeof message === 'string' && /ECONNREFUSED|ECONNRESET|socket hang up|fetch failed/i.test(message)) return true;
    current = (current as { cause?: unknown; error?: unknown }).cause ?? (current as { error?: unknown }).error;
  }
  return false;
}

export function ledgerUnavailable(rpcUrl: string, cause: unknown): GovshareError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new GovshareError('LEDGER_UNAVAILABLE', `the ledger at ${rpcUrl} cannot be reached (${reason})`, {
    cause,
    detail: { rpcUrl },
  });
}

/** Runs an RPC-backed operation, turning transport failures into LEDGER_UNAVAILABLE. */
export async function viaLedger<T>(rpcUrl: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof GovshareError) throw error;
    if (isConnectivityError(error)) throw ledgerUnavailable(rpcUrl, error);
    throw error;
  }
}

/**
 * With `staticNetwork` ethers never asks the node which chain it is; a misconfigured URL
 * would then sign transactions for one chain and send them to another. Ask once.
 */
export async function assertChainId(provider: JsonRpcProvider, endpoint: LedgerEndpoint): Promise<void> {
  const answer = await viaLedger(endpoint.rpcUrl, () => provider.send('eth_chainId', []) as Promise<string>);
  const actual = Number(BigInt(answer));
  if (actual !== endpoint.chainId) {
    throw new GovshareError(
      'CHAIN_ID_MISMATCH',
      `the ledger at ${endpoint.rpcUrl} is chain ${actual}, but chain ${endpoint.chainId} is configured (LEDGER_CHAIN_ID)`,
      { detail: { rpcUrl: endpoint.rpcUrl, expected: endpoint.chainId, actual } },
    );
  }
}
