import { GovshareError } from '../../platform/errors.ts';
import { createAnchorClient, logNameOf, type AnchoredCheckpoint } from './anchor-client.ts';
import { CONTRACT_NAMES, type ContractName } from './artifacts.ts';
import { readDeployment } from './deploy.ts';
import { assertChainId, createProvider, viaLedger, type LedgerEndpoint } from './rpc.ts';

/**
 * What `govshare ledger status [--json]` shows: the chain, where the contracts are, and the
 * latest anchored checkpoint of every log. An unreachable ledger is a status, not a crash:
 * the recorded addresses are still shown, with `reachable: false` and the error.
 */
export interface LedgerStatus {
  rpcUrl: string;
  chainId: number;
  reachable: boolean;
  blockNumber: number | null;
  contracts: Record<ContractName, string | null>;
  /** Block each contract was deployed at (where a verifier may start looking). */
  deployedAt: Record<ContractName, number | null>;
  checkpoints: (AnchoredCheckpoint & { logName: string | null })[];
  error?: { code: string; message: string };
}

export interface LedgerStatusOptions extends LedgerEndpoint {
  dataDir: string;
  timeoutMs?: number;
}

export async function ledgerStatus(options: LedgerStatusOptions): Promise<LedgerStatus> {
  const endpoint: LedgerEndpoint = { rpcUrl: options.rpcUrl, chainId: options.chainId };
  const deployment = readDeployment(options.dataDir, options.chainId);
  // Configured addresses (LEDGER_CONTRACTS) win: this host may never have deployed anything.
  const contracts = Object.fromEntries(CONTRACT_NAMES.map((n) => [n, options.contracts?.[n] ?? deployment?.contracts[n]?.address ?? null])) as Record<ContractName, string | null>;
  const deployedAt = Object.fromEntries(CONTRACT_NAMES.map((n) => [n, deployment?.contracts[n]?.blockNumber ?? null])) as Record<ContractName, number | null>;
  const status: LedgerStatus = { rpcUrl: options.rpcUrl, chainId: options.chainId, reachable: false, blockNumber: null, contracts, deployedAt, checkpoints: [] };

  const provider = createProvider(endpoint, { timeoutMs: options.timeoutMs ?? 5_000 });
  try {
    await assertChainId(provider, endpoint);
    status.blockNumber = await viaLedger(endpoint.rpcUrl, () => provider.getBlockNumber());
    status.reachable = true;
    if (contracts.Anchor) {
      const client = createAnchorClient({ ...endpoint, contract: contracts.Anchor, provider });
      for (const logId of await client.logIds()) {
        const latest = await client.latestCheckpoint(logId);
        if (latest) status.checkpoints.push({ ...latest, logName: logNameOf(logId) ?? null });
      }
    }
  } catch (error) {
    const code = error instanceof GovshareError ? error.code : 'LEDGER_ERROR';
    status.error = { code, message: (error as Error).message };
  } finally {
    provider.destroy();
  }
  return status;
}
