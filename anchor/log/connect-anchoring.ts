import type { Config } from '../../platform/config.ts';
import type { Logger } from '../../platform/log.ts';
import { openKeystore, keystorePassphrase } from '../keys/keystore.ts';
import { createAnchorClient } from '../ledger/anchor-client.ts';
import { createDidResolver, didForAddress } from '../ledger/did.ts';
import { ledgerEndpoint, waitForLedgerPatiently } from '../ledger/endpoint.ts';
import type { Anchoring } from './log-worker.ts';

/**
 * Everything a log owner needs to anchor: the ledger (waited for, however
 * long it takes: the department serves meanwhile and its backlog grows), the
 * Anchor contract's address and the owner's key from the keystore under the
 * data dir, plus a DID resolver on the same ledger (a department checks signed
 * credential requests with it). Resolves once; the caller hands the result to
 * its log worker.
 */
export async function connectAnchoring(options: {
  config: Pick<Config, 'dataDir' | 'ledgerRpcUrl' | 'ledgerChainId' | 'ledgerPort'>;
  keyName: string;
  logger: Logger;
  /** Keystore passphrase; default GOVSHARE_KEYSTORE_PASSPHRASE or the demo one. */
  passphrase?: string;
  intervalMs?: number;
  maxLeaves?: number;
  signal?: AbortSignal;
}): Promise<Anchoring> {
  const endpoint = ledgerEndpoint(options.config);
  const contracts = await waitForLedgerPatiently({
    ...endpoint,
    dataDir: options.config.dataDir,
    logger: options.logger,
    waiting: 'waiting for the ledger; records are logged and will be anchored once it answers',
    ...(options.signal && { signal: options.signal }),
  });
  const keystore = openKeystore({ dataDir: options.config.dataDir, passphrase: options.passphrase ?? keystorePassphrase(process.env) });
  const wallet = await keystore.loadKey(options.keyName);
  return {
    client: createAnchorClient({ ...endpoint, contract: contracts.Anchor, signer: wallet, logger: options.logger }),
    did: didForAddress(wallet.address, endpoint.chainId),
    privateKey: wallet.privateKey,
    resolver: createDidResolver({ ...endpoint, registry: contracts.EthereumDIDRegistry }),
    ...(options.intervalMs !== undefined && { intervalMs: options.intervalMs }),
    ...(options.maxLeaves !== undefined && { maxLeaves: options.maxLeaves }),
  };
}
