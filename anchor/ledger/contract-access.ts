import { Contract, decodeBytes32String, getAddress, type JsonRpcProvider, type Signer } from 'ethers';
import { GovshareError } from '../../platform/errors.ts';
import { contractInterface, type ContractName } from './artifacts.ts';
import { assertChainId, createProvider, viaLedger, type LedgerEndpoint } from './rpc.ts';
import { createTxSender, type TxSender } from './tx.ts';

/**
 * What every contract client shares: a provider, the chain id checked once
 * (again only after a failure to reach the node), view calls with outages and
 * missing deployments turned into stable codes, and a lazily created
 * transaction sender for the one key allowed to write.
 */
export interface ContractAccess {
  readonly endpoint: LedgerEndpoint;
  readonly provider: JsonRpcProvider;
  readonly address: string;
  readonly contract: Contract;
  /** Resolves once the node has confirmed the chain id. */
  ready(): Promise<void>;
  view<T>(name: string, ...args: unknown[]): Promise<T>;
  /** The sender for `signer`; throws SIGNER_REQUIRED with `why` when there is none. */
  sender(why: string): Promise<TxSender>;
  /** Releases the provider if this access created it. */
  close(): void;
}

export function contractAccess(options: {
  name: ContractName;
  endpoint: LedgerEndpoint;
  address: string;
  provider?: JsonRpcProvider;
  signer?: Signer;
}): ContractAccess {
  const { name, endpoint } = options;
  const provider = options.provider ?? createProvider(endpoint);
  const address = getAddress(options.address);
  const contract = new Contract(address, contractInterface(name), provider);

  let chainChecked: Promise<void> | undefined;
  const ready = () => {
    chainChecked ??= assertChainId(provider, endpoint).catch((error: unknown) => {
      chainChecked = undefined;
      throw error;
    });
    return chainChecked;
  };

  let sender: Promise<TxSender> | undefined;
  return {
    endpoint,
    provider,
    address,
    contract,
    ready,
    async view<T>(fn: string, ...args: unknown[]): Promise<T> {
      await ready();
      try {
        return (await viaLedger(endpoint.rpcUrl, () => contract.getFunction(fn).staticCall(...args))) as T;
      } catch (error) {
        // No code at the address decodes as empty data: a wrong or wiped deployment.
        if ((error as { code?: string }).code === 'BAD_DATA' && (error as { value?: string }).value === '0x') {
          throw new GovshareError('CONTRACTS_NOT_DEPLOYED', `no ${name} contract at ${address} on chain ${endpoint.chainId}`, {
            cause: error,
            detail: { contract: address, chainId: endpoint.chainId },
          });
        }
        throw error;
      }
    },
    sender(why) {
      if (!options.signer) throw new GovshareError('SIGNER_REQUIRED', why);
      sender ??= createTxSender({ provider, endpoint, signer: options.signer });
      return sender;
    },
    close() {
      if (!options.provider) provider.destroy();
    },
  };
}

/** The readable name inside a bytes32 packed with encodeBytes32String, or undefined for an opaque id. */
export function bytes32Name(id: string): string | undefined {
  try {
    const name = decodeBytes32String(id);
    return /^[\x20-\x7e]+$/.test(name) ? name : undefined;
  } catch {
    return undefined;
  }
}
