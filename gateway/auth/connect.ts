import type { Config } from '../../platform/config.ts';
import type { Logger } from '../../platform/log.ts';
import { openKeystore, keystorePassphrase } from '../../anchor/keys/keystore.ts';
import { createDidResolver, didForAddress } from '../../anchor/ledger/did.ts';
import { createDidVersionReader } from '../../anchor/ledger/did-version.ts';
import { ledgerEndpoint, waitForLedgerPatiently } from '../../anchor/ledger/endpoint.ts';
import { createAgencyAuthenticator, type AgencyAuthenticator } from './authenticate-agency.ts';
import { memoryReplayGuard, redisReplayGuard, type ReplayGuard } from './replay-guard.ts';
import { createLedgerTrust, type LedgerTrust } from '../../credentials/verify/ledger-trust.ts';
import type { NonceStore } from '../../credentials/verify/trust.ts';
import { createSubgraphTokenSigner, type SubgraphTokenSigner } from '../subgraph-client/subgraph-token.ts';

/** The key name of the gateway's own identity in the keystore: its DID is the tokens' audience. */
export const GATEWAY_KEY = 'gateway';

export interface ConnectedAuthenticator {
  authenticate: AgencyAuthenticator;
  gatewayDid: string;
  /** Single use of presentation nonces for POST /verify, in the same store as token ids. */
  nonces: NonceStore;
  /** The ledger half of the verifier's trust (DID history, anchors, accreditations). */
  verifierTrust: LedgerTrust;
  /** Signs the token every department request carries, with the gateway's DID key. */
  subgraphTokens: SubgraphTokenSigner;
  /** The replay store answers (Redis when configured). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Builds the agency authenticator once the ledger answers (DID resolution
 * needs it): the gateway's DID from its key in the keystore, a resolver and
 * a version reader over the ERC-1056 registry, and the replay guard (Redis
 * when REDIS_URL is set; in memory otherwise, which is right for one gateway
 * instance only — `govshare up` says so in its log).
 */
export async function connectAuthenticator(options: {
  config: Pick<Config, 'dataDir' | 'ledgerRpcUrl' | 'ledgerChainId' | 'ledgerPort' | 'redisUrl'>;
  logger: Logger;
  signal?: AbortSignal;
  passphrase?: string;
}): Promise<ConnectedAuthenticator> {
  const endpoint = ledgerEndpoint(options.config);
  const contracts = await waitForLedgerPatiently({
    ...endpoint,
    dataDir: options.config.dataDir,
    logger: options.logger,
    waiting: 'waiting for the ledger; agency tokens are refused with 503 until it answers',
    ...(options.signal && { signal: options.signal }),
  });
  const keystore = openKeystore({ dataDir: options.config.dataDir, passphrase: options.passphrase ?? keystorePassphrase(process.env) });
  const gatewayKey = await keystore.ensureKey(GATEWAY_KEY);
  const gatewayDid = didForAddress(gatewayKey.address, endpoint.chainId);
  const resolver = createDidResolver({ ...endpoint, registry: contracts.EthereumDIDRegistry });
  const versions = createDidVersionReader({ ...endpoint, registry: contracts.EthereumDIDRegistry });
  let replay: ReplayGuard;
  if (options.config.redisUrl) {
    replay = redisReplayGuard(options.config.redisUrl);
  } else {
    replay = memoryReplayGuard();
    options.logger.warn('REDIS_URL is unset: used token ids are kept in this process, so run one gateway instance only');
  }
  options.logger.info({ gatewayDid, replay: options.config.redisUrl ? 'redis' : 'memory' }, 'agency authentication on');
  const verifierTrust = createLedgerTrust({ ...endpoint, contracts });
  return {
    gatewayDid,
    authenticate: createAgencyAuthenticator({ gatewayDid, resolver, versions, replay }),
    // Presentation nonces and token ids share the store, under their own prefix.
    nonces: { consume: (nonce, ttlSeconds) => replay.claim(`vp|${nonce}`, Date.now() + ttlSeconds * 1000) },
    verifierTrust,
    subgraphTokens: createSubgraphTokenSigner({ gatewayDid, privateKey: gatewayKey.privateKey }),
    ready: () => replay.ping(),
    async close() {
      resolver.close();
      versions.close();
      verifierTrust.close();
      await replay.close();
    },
  };
}
