import { parseEther, type JsonRpcProvider, type Signer } from 'ethers';
import type { Logger } from '../../platform/log.ts';
import { createTxSender } from './tx.ts';
import { viaLedger, type LedgerEndpoint } from './rpc.ts';

/**
 * Gas for accounts that must send transactions (consortium members anchoring, DID owners
 * rotating keys). On a free-gas network (Besu with min gas price 0, eth_gasPrice = 0) there is
 * nothing to do; on the embedded ledger the deployer, funded at genesis, tops accounts up.
 */
export interface FundingOptions {
  provider: JsonRpcProvider;
  endpoint: LedgerEndpoint;
  funder: Signer;
  accounts: readonly string[];
  /** Top up when the balance is below this. Default 10 ether. */
  minBalance?: bigint;
  /** Amount sent per top-up. Default 100 ether (hundreds of thousands of anchors at 2 gwei). */
  topUp?: bigint;
  logger?: Logger;
}

export async function isFreeGas(provider: JsonRpcProvider, endpoint: LedgerEndpoint): Promise<boolean> {
  const price = await viaLedger(endpoint.rpcUrl, () => provider.send('eth_gasPrice', []) as Promise<string>);
  return BigInt(price) === 0n;
}

/** Returns the accounts that were topped up. */
export async function ensureFunded(options: FundingOptions): Promise<string[]> {
  const { provider, endpoint } = options;
  if (await isFreeGas(provider, endpoint)) return [];
  const minBalance = options.minBalance ?? parseEther('10');
  const topUp = options.topUp ?? parseEther('100');
  const sender = await createTxSender({ provider, endpoint, signer: options.funder });
  const funded: string[] = [];
  for (const account of options.accounts) {
    const balance = await viaLedger(endpoint.rpcUrl, () => provider.getBalance(account));
    if (balance >= minBalance) continue;
    await sender.send({ to: account, value: topUp, gasLimit: 21_000n });
    funded.push(account);
    options.logger?.info({ account, amountWei: topUp.toString() }, 'funded account for gas');
  }
  return funded;
}
