import { Contract, encodeBytes32String, getAddress, hexlify, isHexString, SigningKey, toUtf8Bytes, type JsonRpcProvider, type Signer } from 'ethers';
import type { Logger } from '../../platform/log.ts';
import { GovshareError } from '../../platform/errors.ts';
import { contractInterface } from './artifacts.ts';
import { assertChainId, createProvider, viaLedger, type LedgerEndpoint } from './rpc.ts';
import { createTxSender, TxRevertedError, type TxSender } from './tx.ts';

/**
 * Writing to the ERC-1056 EthereumDIDRegistry: owner changes, delegates and attributes.
 * The identity's current owner signs its own transaction (on the embedded ledger it needs gas
 * first: see funding.ts; on a free-gas Besu network it does not).
 *
 * Rotation caveats (DESIGN.md, "History"): a published key (`setAttribute`) outlives
 * `changeOwner`, so `rotateKey` also revokes it; a revoked delegate stays valid for the rest of
 * that block's second; old signatures stay verifiable by resolving at their anchoring block.
 */
export const VERIKEY_ATTRIBUTE = 'did/pub/Secp256k1/veriKey/hex';
export type DelegateType = 'veriKey' | 'sigAuth';

export interface RegistryTx {
  txHash: string;
  blockNumber: number;
}

export interface DidRegistryWriterOptions extends LedgerEndpoint {
  registry: string;
  /** The key that signs: the identity's current owner. */
  signer: Signer;
  provider?: JsonRpcProvider;
  logger?: Logger;
}

export interface DidRegistryWriter {
  readonly address: string;
  changeOwner(identity: string, newOwner: string): Promise<RegistryTx>;
  addDelegate(identity: string, delegate: { type: DelegateType; address: string; validitySeconds: number }): Promise<RegistryTx>;
  /** Takes effect after the block's second: ERC-1056 sets the delegate's validity to block.timestamp. */
  revokeDelegate(identity: string, delegate: { type: DelegateType; address: string }): Promise<RegistryTx>;
  /** `value`: 0x-hex is taken as bytes, anything else as UTF-8 text (as ethr-did does). */
  setAttribute(identity: string, attribute: { name: string; value: string | Uint8Array; validitySeconds: number }): Promise<RegistryTx>;
  revokeAttribute(identity: string, attribute: { name: string; value: string | Uint8Array }): Promise<RegistryTx>;
  /** Publishes a secp256k1 public key (compressed by default) as an assertionMethod key. */
  publishKey(identity: string, publicKey: string, validitySeconds?: number): Promise<RegistryTx>;
  close(): void;
}

/** A published key's validity when none is given: 10 years (rotation revokes it explicitly). */
const DEFAULT_KEY_VALIDITY = 10 * 365 * 24 * 3600;

export function createDidRegistryWriter(options: DidRegistryWriterOptions): DidRegistryWriter {
  const endpoint: LedgerEndpoint = { rpcUrl: options.rpcUrl, chainId: options.chainId };
  const provider = options.provider ?? createProvider(endpoint);
  const registry = getAddress(options.registry);
  const iface = contractInterface('EthereumDIDRegistry');
  let sender: Promise<TxSender> | undefined;
  let signerAddress = '';

  async function send(fn: string, args: unknown[]): Promise<RegistryTx> {
    sender ??= assertChainId(provider, endpoint).then(() => createTxSender({ provider, endpoint, signer: options.signer }));
    const txs = await sender.catch((error: unknown) => {
      sender = undefined;
      throw error;
    });
    signerAddress = txs.address;
    try {
      const receipt = await txs.send({ to: registry, data: iface.encodeFunctionData(fn, args), iface });
      options.logger?.info({ fn, identity: args[0], txHash: receipt.hash, blockNumber: receipt.blockNumber }, 'DID registry updated');
      return { txHash: receipt.hash, blockNumber: receipt.blockNumber };
    } catch (error) {
      if (error instanceof TxRevertedError) {
        // ERC-1056 reverts "bad_actor" when the sender is not the identity's owner.
        throw new GovshareError('DID_NOT_CONTROLLER', `${txs.address} does not control ${String(args[0])} (${fn} refused)`, {
          cause: error,
          detail: { identity: args[0], signer: txs.address, fn },
        });
      }
      throw error;
    }
  }

  return {
    get address() {
      return signerAddress;
    },
    changeOwner: (identity, newOwner) => send('changeOwner', [getAddress(identity), getAddress(newOwner)]),
    addDelegate: (identity, d) => send('addDelegate', [getAddress(identity), encodeBytes32String(d.type), getAddress(d.address), validity(d.validitySeconds)]),
    revokeDelegate: (identity, d) => send('revokeDelegate', [getAddress(identity), encodeBytes32String(d.type), getAddress(d.address)]),
    setAttribute: (identity, a) => send('setAttribute', [getAddress(identity), attributeName(a.name), attributeValue(a.value), validity(a.validitySeconds)]),
    revokeAttribute: (identity, a) => send('revokeAttribute', [getAddress(identity), attributeName(a.name), attributeValue(a.value)]),
    publishKey: (identity, publicKey, validitySeconds = DEFAULT_KEY_VALIDITY) =>
      send('setAttribute', [getAddress(identity), attributeName(VERIKEY_ATTRIBUTE), SigningKey.computePublicKey(publicKey, true), validity(validitySeconds)]),
    close() {
      if (!options.provider) provider.destroy();
    },
  };
}

/** The identity's current owner according to the registry (itself when never changed). */
export async function identityOwner(options: LedgerEndpoint & { registry: string; identity: string; provider?: JsonRpcProvider }): Promise<string> {
  const provider = options.provider ?? createProvider(options);
  try {
    const registry = new Contract(getAddress(options.registry), contractInterface('EthereumDIDRegistry'), provider);
    return getAddress(await viaLedger(options.rpcUrl, () => registry.getFunction('identityOwner').staticCall(getAddress(options.identity)) as Promise<string>));
  } finally {
    if (!options.provider) provider.destroy();
  }
}

export interface RotateKeyOptions extends LedgerEndpoint {
  registry: string;
  identity: string;
  /** The current owner's key. */
  from: Signer & { signingKey?: SigningKey };
  /** The new owner's key (needs gas to publish its key, when `publish`). */
  to: Signer & { signingKey?: SigningKey };
  /** Revoke the old key's published attribute and publish the new one. Default true. */
  publish?: boolean;
  provider?: JsonRpcProvider;
  logger?: Logger;
}

/**
 * Hands a DID to a new key: revokes the old published key (it would otherwise outlive the
 * owner change), changes the owner, and publishes the new key. Returns the owner-change
 * transaction: resolving at a block before it still shows the old key (old signatures verify).
 */
export async function rotateKey(options: RotateKeyOptions): Promise<{ changeOwner: RegistryTx; steps: RegistryTx[] }> {
  const base = { rpcUrl: options.rpcUrl, chainId: options.chainId, registry: options.registry, ...(options.provider && { provider: options.provider }), ...(options.logger && { logger: options.logger }) };
  const oldWriter = createDidRegistryWriter({ ...base, signer: options.from });
  const newWriter = createDidRegistryWriter({ ...base, signer: options.to });
  const publish = options.publish ?? true;
  const steps: RegistryTx[] = [];
  try {
    if (publish && options.from.signingKey) {
      steps.push(await oldWriter.revokeAttribute(options.identity, { name: VERIKEY_ATTRIBUTE, value: SigningKey.computePublicKey(options.from.signingKey.publicKey, true) }));
    }
    const changeOwner = await oldWriter.changeOwner(options.identity, await options.to.getAddress());
    steps.push(changeOwner);
    if (publish && options.to.signingKey) steps.push(await newWriter.publishKey(options.identity, options.to.signingKey.publicKey));
    return { changeOwner, steps };
  } finally {
    oldWriter.close();
    newWriter.close();
  }
}

function attributeName(name: string): string {
  try {
    return encodeBytes32String(name);
  } catch (error) {
    throw new GovshareError('DID_ATTRIBUTE_INVALID', `attribute name "${name}" is longer than 31 bytes`, { cause: error });
  }
}

function attributeValue(value: string | Uint8Array): string {
  if (typeof value !== 'string') return hexlify(value);
  return isHexString(value) ? value : hexlify(toUtf8Bytes(value));
}

function validity(seconds: number): bigint {
  if (!Number.isSafeInteger(seconds) || seconds <= 0) throw new GovshareError('DID_VALIDITY_INVALID', `validity must be a positive number of seconds, got ${seconds}`);
  return BigInt(seconds);
}
