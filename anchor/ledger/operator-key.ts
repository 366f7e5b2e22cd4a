import { Wallet, type HDNodeWallet } from 'ethers';
import type { Config } from '../../platform/config.ts';
import { ConfigError } from '../../platform/errors.ts';
import { embeddedDeployer } from './seed.ts';

/**
 * The consortium operator's key: it deploys the contracts, administers the Anchor consortium and
 * is the TrustedIssuers root. On an external ledger it is the operator's own key, given as
 * LEDGER_DEPLOYER_KEY (hex; keep it out of shell history, e.g. from a secrets manager); on the
 * embedded ledger it is the account the ledger generated under the data dir.
 */
export function operatorKey(config: Pick<Config, 'ledgerRpcUrl' | 'dataDir'>, env: Record<string, string | undefined> = process.env): Wallet | HDNodeWallet {
  const given = env.LEDGER_DEPLOYER_KEY;
  if (given) {
    try {
      return new Wallet(given.startsWith('0x') ? given : `0x${given}`);
    } catch {
      throw new ConfigError('LEDGER_DEPLOYER_KEY is not a secp256k1 private key (64 hex digits)');
    }
  }
  if (config.ledgerRpcUrl) throw new ConfigError('LEDGER_RPC_URL is set: give the operator\'s key as LEDGER_DEPLOYER_KEY');
  return embeddedDeployer(config.dataDir);
}
