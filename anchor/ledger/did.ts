import { getAddress, isAddress, type JsonRpcProvider } from 'ethers';
import { Resolver, type DIDCache, type DIDResolutionOptions, type DIDResolutionResult, type DIDDocument, type DIDDocumentMetadata, type Resolvable, type ResolverRegistry } from 'did-resolver';
import { getResolver } from 'ethr-did-resolver';
import { GovshareError } from '../../platform/errors.ts';
import { createProvider, type LedgerEndpoint } from './rpc.ts';

export * from './did-registry.ts';

/**
 * `did:ethr` identifiers on our chain and their resolution.
 *
 * The network part is the hex chain id (`did:ethr:0x539:0x…` for 1337): ethr-did-resolver
 * treats a decimal id as an unknown network and no network part as mainnet. Addresses are
 * written in lower case so that DIDs compare as plain strings across modules.
 */
export function networkName(chainId: number): string {
  return `0x${chainId.toString(16)}`;
}

export function didForAddress(address: string, chainId: number): string {
  if (!isAddress(address)) throw new GovshareError('DID_INVALID', `not an Ethereum address: "${address}"`);
  return `did:ethr:${networkName(chainId)}:${address.toLowerCase()}`;
}

const DID_ETHR = /^did:ethr:(?:([a-z0-9]+):)?(0x[0-9a-fA-F]{40})(?:[?#/].*)?$/;

/** The identity address inside a did:ethr (query and fragment ignored). */
export function addressOfDid(did: string): { address: string; network: string | undefined } {
  const match = DID_ETHR.exec(did);
  if (!match) throw new GovshareError('DID_INVALID', `not a did:ethr with an address: "${did}"`);
  return { address: getAddress(match[2]!), network: match[1] };
}

/** Accepts an address or a did:ethr; returns the checksummed identity address. */
export function identityAddress(identity: string): string {
  return identity.startsWith('did:') ? addressOfDid(identity).address : getAddress(identity);
}

export interface DidResolverOptions extends LedgerEndpoint {
  /** Address of the EthereumDIDRegistry on this chain. */
  registry: string;
  provider?: JsonRpcProvider;
  /**
   * Cache documents resolved with `?versionId=`: a block's state never changes (no reorgs on
   * ganache or QBFT), so they are safe to keep. Latest documents are never cached: a rotation
   * must take effect on the next resolution. Default true.
   */
  cacheVersioned?: boolean;
}

export interface ResolvedDocument {
  document: DIDDocument;
  metadata: DIDDocumentMetadata;
}

/**
 * A did-resolver `Resolvable` (usable by did-jwt and did-jwt-vc) that never mistakes an outage
 * for a missing DID: ethr-did-resolver answers `notFound` when the RPC is down, but every
 * address on a configured network HAS a document (a fresh one), so `notFound` for did:ethr
 * here always means "could not read the chain" and is thrown as RESOLUTION_UNAVAILABLE.
 * Other DID methods pass through unchanged (none are registered here yet).
 */
export interface DidResolver extends Resolvable {
  resolve(didUrl: string, options?: DIDResolutionOptions): Promise<DIDResolutionResult>;
  /** The document (at `versionId` block when given); throws DID_INVALID, DID_UNKNOWN_NETWORK, RESOLUTION_UNAVAILABLE. */
  resolveDocument(did: string, options?: { versionId?: number }): Promise<ResolvedDocument>;
  close(): void;
}

export function createDidResolver(options: DidResolverOptions): DidResolver {
  const endpoint: LedgerEndpoint = { rpcUrl: options.rpcUrl, chainId: options.chainId };
  const provider = options.provider ?? createProvider(endpoint);
  const network = networkName(endpoint.chainId);
  // ethr-did-resolver is typed against did-resolver 5 (its own copy); the shapes we use agree.
  const registry = getResolver({
    // (its ethers types resolve to the CommonJS declarations; same runtime class)
    networks: [{ name: network, chainId: endpoint.chainId, provider: provider as never, registry: options.registry }],
  }) as unknown as ResolverRegistry;
  const inner = new Resolver(registry, { cache: options.cacheVersioned === false ? false : versionedCache() });

  const resolve = async (didUrl: string, resolutionOptions?: DIDResolutionOptions): Promise<DIDResolutionResult> => {
    const result = await inner.resolve(didUrl, resolutionOptions);
    const error = result.didResolutionMetadata.error;
    if (error === 'notFound' && didUrl.startsWith('did:ethr:')) {
      const message = (result.didResolutionMetadata as { message?: string }).message ?? '';
      throw new GovshareError('RESOLUTION_UNAVAILABLE', `cannot resolve ${didUrl}: the ledger at ${endpoint.rpcUrl} did not answer (${message})`, {
        detail: { did: didUrl, rpcUrl: endpoint.rpcUrl, reason: message },
      });
    }
    return result;
  };

  return {
    resolve,
    async resolveDocument(did, opts = {}) {
      const url = opts.versionId === undefined ? did : `${did}?versionId=${opts.versionId}`;
      const result = await resolve(url);
      const error = result.didResolutionMetadata.error;
      if (error === 'unknownNetwork') throw new GovshareError('DID_UNKNOWN_NETWORK', `${did} is not on this ledger (network ${network})`, { detail: { did } });
      if (error || !result.didDocument) {
        throw new GovshareError('DID_INVALID', `cannot resolve ${did}: ${error ?? 'no document'}`, { detail: { did, error } });
      }
      return { document: result.didDocument, metadata: result.didDocumentMetadata };
    },
    close() {
      if (!options.provider) provider.destroy();
    },
  };
}

function versionedCache(): DIDCache {
  const cache = new Map<string, DIDResolutionResult>();
  return async (parsed, resolve) => {
    const versioned = parsed.query !== undefined && new URLSearchParams(parsed.query).has('versionId');
    if (!versioned) return resolve();
    const cached = cache.get(parsed.didUrl);
    if (cached) return cached;
    const result = await resolve();
    if (!result.didResolutionMetadata.error) {
      if (cache.size >= 10_000) cache.delete(cache.keys().next().value!);
      cache.set(parsed.didUrl, result);
    }
    return result;
  };
}
