import { Contract, getAddress, type JsonRpcProvider } from 'ethers';
import { contractInterface } from './artifacts.ts';
import { addressOfDid } from './did.ts';
import { createProvider, viaLedger, type LedgerEndpoint } from './rpc.ts';

/**
 * The current version of a did:ethr document: the block of the identity's last
 * change in the ERC-1056 registry (`changed(identity)`, 0 for a DID never
 * changed). One eth_call instead of a full resolution, so a verifier can cache
 * documents by version and still see a rotation on the very next request.
 */
export function createDidVersionReader(options: LedgerEndpoint & { registry: string; provider?: JsonRpcProvider }) {
  const provider = options.provider ?? createProvider(options);
  const registry = new Contract(getAddress(options.registry), contractInterface('EthereumDIDRegistry'), provider);
  return {
    async currentVersion(did: string): Promise<number> {
      const { address } = addressOfDid(did);
      const block = await viaLedger(options.rpcUrl, () => registry.getFunction('changed').staticCall(address) as Promise<bigint>);
      return Number(block);
    },
    close() {
      if (!options.provider) provider.destroy();
    },
  };
}

export type DidVersionReader = ReturnType<typeof createDidVersionReader>;
