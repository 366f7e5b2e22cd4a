import { createAnchorClient, type AnchorClient } from '../../anchor/ledger/anchor-client.ts';
import { createDidResolver, type DidResolver } from '../../anchor/ledger/did.ts';
import { createDidVersionReader, type DidVersionReader } from '../../anchor/ledger/did-version.ts';
import { createProvider, type LedgerEndpoint } from '../../anchor/ledger/rpc.ts';
import { createTrustedIssuersClient, type TrustedIssuersClient } from '../../anchor/ledger/trusted-issuers.ts';
import type { AccreditationSource, CheckpointSource, DidSource, DidVersionSource } from './trust.ts';

/**
 * The ledger half of a verifier's trust: DID documents (ERC-1056 registry, with history),
 * anchored checkpoints (Anchor contract storage) and accreditations (TrustedIssuers storage),
 * over ONE JSON-RPC provider (tuned as rpc.ts says). Only reads: no key, no transaction.
 *
 * Build it from `govshare ledger status --json` (`{ rpcUrl, chainId, contracts: {
 * EthereumDIDRegistry, Anchor, TrustedIssuers } }`), or from a running component's deployment.
 * The chain id is asserted against the node before the first contract read (contract-access.ts),
 * so a verifier pointed at the wrong chain answers RESOLUTION_UNAVAILABLE, never "valid".
 * The proof and status list sources are HTTP (http-proof-source.ts, http-status-list-source.ts):
 * `{ ...createLedgerTrust(…), proofs, statusLists }` is a VerifierTrust.
 */
export interface LedgerTrustOptions extends LedgerEndpoint {
  contracts: { EthereumDIDRegistry: string; Anchor: string; TrustedIssuers: string };
  /** Per RPC request (default 10 s): an unresponsive node must not hold a verification for minutes. */
  timeoutMs?: number;
}

export interface LedgerTrust {
  dids: DidSource & Pick<DidResolver, 'resolve'>;
  checkpoints: CheckpointSource & Pick<AnchorClient, 'latestCheckpoint'>;
  accreditations: AccreditationSource & Pick<TrustedIssuersClient, 'wasAccredited'>;
  didVersions: DidVersionSource;
  /** Releases the shared provider. */
  close(): void;
}

export function createLedgerTrust(options: LedgerTrustOptions): LedgerTrust {
  const endpoint: LedgerEndpoint = { rpcUrl: options.rpcUrl, chainId: options.chainId };
  const provider = createProvider(endpoint, { timeoutMs: options.timeoutMs ?? 10_000 });
  const dids = createDidResolver({ ...endpoint, registry: options.contracts.EthereumDIDRegistry, provider });
  const checkpoints = createAnchorClient({ ...endpoint, contract: options.contracts.Anchor, provider });
  const accreditations = createTrustedIssuersClient({ ...endpoint, contract: options.contracts.TrustedIssuers, provider });
  const versions: DidVersionReader = createDidVersionReader({ ...endpoint, registry: options.contracts.EthereumDIDRegistry, provider });
  return {
    dids,
    checkpoints,
    accreditations,
    didVersions: versions,
    close() {
      dids.close();
      checkpoints.close();
      accreditations.close();
      versions.close();
      provider.destroy();
    },
  };
}
