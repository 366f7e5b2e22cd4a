import { keystorePassphrase, openKeystore } from '../../anchor/keys/keystore.ts';
import { createDidResolver, didForAddress } from '../../anchor/ledger/did.ts';
import { createDidVersionReader } from '../../anchor/ledger/did-version.ts';
import { ledgerEndpoint, waitForLedgerPatiently } from '../../anchor/ledger/endpoint.ts';
import type { Config } from '../../platform/config.ts';
import type { Logger } from '../../platform/log.ts';
import { createGatewayTrust, type GatewayTrust } from './trust-gateway.ts';

/** The keystore name of the gateway's key on a host (gateway/auth/connect.ts GATEWAY_KEY). */
const GATEWAY_KEY = 'gateway';

export interface ConnectedGatewayTrust {
  verify: GatewayTrust;
  /** The gateway DIDs this department trusts. */
  gatewayDids: readonly string[];
  close(): void;
}

/**
 * What a served department needs to trust only the gateway (DESIGN.md "Trust model"), once the
 * ledger answers (waited for, however long: the department serves meanwhile and refuses
 * GraphQL with 503): the trusted gateway DIDs and a resolver and version reader over the DID
 * registry to check their keys.
 *
 * The trusted gateways: the keystore's `gateway` key on this host (created if missing, as the
 * gateway's own start and `govshare agency token` do, so a department and a gateway sharing a
 * data dir agree on one key whichever starts first), plus GOVSHARE_GATEWAY_DIDS for gateways
 * on other hosts (several gateways behind a load balancer each sign with their own DID).
 */
export async function connectGatewayTrust(options: {
  department: string;
  config: Pick<Config, 'dataDir' | 'ledgerRpcUrl' | 'ledgerChainId' | 'ledgerPort' | 'ledgerContracts' | 'gatewayDids'>;
  logger: Logger;
  passphrase?: string;
  signal?: AbortSignal;
}): Promise<ConnectedGatewayTrust> {
  const endpoint = ledgerEndpoint(options.config);
  const contracts = await waitForLedgerPatiently({
    ...endpoint,
    dataDir: options.config.dataDir,
    logger: options.logger,
    waiting: 'waiting for the ledger; GraphQL requests are refused (503) until gateway tokens can be checked',
    ...(options.signal && { signal: options.signal }),
  });
  const keystore = openKeystore({ dataDir: options.config.dataDir, passphrase: options.passphrase ?? keystorePassphrase(process.env) });
  const local = didForAddress(await keystore.ensureAddress(GATEWAY_KEY), endpoint.chainId);
  const gatewayDids = [...new Set([local, ...(options.config.gatewayDids ?? [])])];
  const resolver = createDidResolver({ ...endpoint, registry: contracts.EthereumDIDRegistry });
  const versions = createDidVersionReader({ ...endpoint, registry: contracts.EthereumDIDRegistry });
  options.logger.info({ gatewayDids }, 'gateway tokens required: this department answers only these gateways');
  return {
    verify: createGatewayTrust({ department: options.department, gatewayDids, resolver, versions }),
    gatewayDids,
    close() {
      resolver.close();
      versions.close();
    },
  };
}
