import { encodeBytes32String, getAddress, hexlify, isHexString, type JsonRpcProvider, type Signer } from 'ethers';
import type { Logger } from '../../platform/log.ts';
import { GovshareError } from '../../platform/errors.ts';
import { bytes32Name, contractAccess } from './contract-access.ts';
import { viaLedger, type LedgerEndpoint } from './rpc.ts';
import { TxRevertedError } from './tx.ts';

/**
 * Anchoring checkpoints `(logId, treeSize, root)` in the Anchor contract and reading them back
 * from contract storage (never by scanning events: consortium nodes cap eth_getLogs ranges).
 * One transaction per checkpoint, signed by the log owner's key, which must be a consortium
 * member; the transaction signature is itself the owner's signature over the checkpoint.
 */
export interface AnchorClientOptions extends LedgerEndpoint {
  /** Address of the Anchor contract (from ensureContracts / deployedAddresses). */
  contract: string;
  /** The log owner's key; needed only to anchor. */
  signer?: Signer;
  provider?: JsonRpcProvider;
  logger?: Logger;
}

export interface CheckpointInput {
  /** bytes32 hex; see logIdFor() to derive one from a log name. */
  logId: string;
  treeSize: number;
  /** 32-byte Merkle root, as bytes or 0x hex. */
  root: Uint8Array | string;
}

/** A checkpoint as stored on chain. */
export interface AnchoredCheckpoint {
  logId: string;
  index: number;
  treeSize: number;
  root: string;
  /** The member (log owner) that anchored it. */
  member: string;
  blockNumber: number;
  blockTimestamp: number;
}

export interface AnchorReceipt extends AnchoredCheckpoint {
  chainId: number;
  contract: string;
  txHash: string;
  /** True when this exact checkpoint was already anchored (a retry after a lost receipt). */
  alreadyAnchored: boolean;
}

export interface AnchorClient {
  readonly chainId: number;
  readonly contract: string;
  anchorCheckpoint(checkpoint: CheckpointInput): Promise<AnchorReceipt>;
  latestCheckpoint(logId: string): Promise<AnchoredCheckpoint | null>;
  /** The checkpoint with exactly this tree size, or null. */
  readCheckpoint(logId: string, treeSize: number): Promise<AnchoredCheckpoint | null>;
  /** The earliest checkpoint with tree size >= treeSize (for leaf i: treeSize = i + 1), or null. */
  findCheckpoint(logId: string, treeSize: number): Promise<AnchoredCheckpoint | null>;
  checkpointCount(logId: string): Promise<number>;
  checkpointAt(logId: string, index: number): Promise<AnchoredCheckpoint>;
  /** Every log ever anchored, in order of first anchoring. */
  logIds(): Promise<string[]>;
  isMember(address: string): Promise<boolean>;
  logOwner(logId: string): Promise<string | null>;
  /**
   * Hands this signer's log to another consortium member (key rotation: the department's new
   * key continues its log). Signed by the current log owner; the admin can do it with its own key.
   */
  handOverLog(logId: string, newOwner: string): Promise<{ txHash: string; blockNumber: number }>;
  /** The transaction that anchored a checkpoint (one-block event query at its block). */
  anchorTxHash(checkpoint: AnchoredCheckpoint): Promise<string | null>;
  /** Releases the provider if this client created it. */
  close(): void;
}

/** A log's bytes32 id from its name (≤ 31 bytes of UTF-8), readable on any block explorer. */
export function logIdFor(name: string): string {
  try {
    return encodeBytes32String(name);
  } catch (error) {
    throw new GovshareError('LOG_ID_INVALID', `log name "${name}" is longer than 31 bytes`, { cause: error });
  }
}

/** The name inside a logIdFor() id, or undefined for an opaque id. */
export function logNameOf(logId: string): string | undefined {
  return bytes32Name(logId);
}

export function createAnchorClient(options: AnchorClientOptions): AnchorClient {
  const endpoint: LedgerEndpoint = { rpcUrl: options.rpcUrl, chainId: options.chainId };
  const access = contractAccess({
    name: 'Anchor',
    endpoint,
    address: options.contract,
    ...(options.provider && { provider: options.provider }),
    ...(options.signer && { signer: options.signer }),
  });
  const { provider, view, ready } = access;
  const contractAddress = access.address;
  const iface = access.contract.interface;
  const rpc = <T>(op: () => Promise<T>) => viaLedger(endpoint.rpcUrl, op);
  const getSender = () => access.sender('anchoring needs the log owner\'s key (signer)');

  const toCheckpoint = (logId: string, index: number, raw: CheckpointTuple): AnchoredCheckpoint => ({
    logId,
    index,
    treeSize: Number(raw.treeSize),
    root: raw.root,
    member: raw.member,
    blockNumber: Number(raw.blockNumber),
    blockTimestamp: Number(raw.timestamp),
  });

  const client: AnchorClient = {
    chainId: endpoint.chainId,
    contract: contractAddress,

    async anchorCheckpoint(input) {
      const logId = checkLogId(input.logId);
      const treeSize = checkTreeSize(input.treeSize);
      const root = checkRoot(input.root);
      await ready();
      const txs = await getSender();
      let receipt;
      try {
        receipt = await txs.send({ to: contractAddress, data: iface.encodeFunctionData('anchor', [logId, treeSize, root]), iface });
      } catch (error) {
        if (error instanceof TxRevertedError) return refused(error, { logId, treeSize, root }, txs.address);
        throw error;
      }
      const event = receipt.logs
        .filter((log) => log.address.toLowerCase() === contractAddress.toLowerCase())
        .map((log) => iface.parseLog(log))
        .find((parsed) => parsed?.name === 'Anchored');
      if (!event) throw new GovshareError('LEDGER_TX_FAILED', `transaction ${receipt.hash} anchored nothing`, { detail: { txHash: receipt.hash } });
      const block = await rpc(() => provider.getBlock(receipt.blockNumber));
      const anchored: AnchorReceipt = {
        chainId: endpoint.chainId,
        contract: contractAddress,
        txHash: receipt.hash,
        logId,
        index: Number(event.args.index),
        treeSize,
        root,
        member: txs.address,
        blockNumber: receipt.blockNumber,
        blockTimestamp: block ? block.timestamp : 0,
        alreadyAnchored: false,
      };
      options.logger?.info({ logId, logName: logNameOf(logId), treeSize, index: anchored.index, txHash: anchored.txHash, blockNumber: anchored.blockNumber }, 'anchored checkpoint');
      return anchored;
    },

    async latestCheckpoint(logId) {
      const id = checkLogId(logId);
      const count = await client.checkpointCount(id);
      if (count === 0) return null;
      // By index, not latest(): an anchor landing between the two calls must not mislabel it.
      return toCheckpoint(id, count - 1, await view<CheckpointTuple>('checkpointAt', id, count - 1));
    },

    async readCheckpoint(logId, treeSize) {
      const found = await client.findCheckpoint(logId, treeSize);
      return found && found.treeSize === treeSize ? found : null;
    },

    async findCheckpoint(logId, treeSize) {
      const id = checkLogId(logId);
      const [found, index, raw] = await view<[boolean, bigint, CheckpointTuple]>('findCheckpoint', id, checkTreeSize(treeSize));
      return found ? toCheckpoint(id, Number(index), raw) : null;
    },

    async checkpointCount(logId) {
      return Number(await view<bigint>('checkpointCount', checkLogId(logId)));
    },

    async checkpointAt(logId, index) {
      const id = checkLogId(logId);
      const count = await client.checkpointCount(id);
      if (!Number.isSafeInteger(index) || index < 0 || index >= count) {
        throw new GovshareError('CHECKPOINT_NOT_FOUND', `log ${id} has ${count} checkpoints; no index ${index}`, { detail: { logId: id, index, count } });
      }
      return toCheckpoint(id, index, await view<CheckpointTuple>('checkpointAt', id, index));
    },

    async logIds() {
      const count = Number(await view<bigint>('logCount'));
      const ids: string[] = [];
      for (let i = 0; i < count; i++) ids.push(await view<string>('logAt', i));
      return ids;
    },

    async isMember(address) {
      return view<boolean>('isMember', getAddress(address));
    },

    async logOwner(logId) {
      const owner = await view<string>('logOwner', checkLogId(logId));
      return /^0x0{40}$/i.test(owner) ? null : owner;
    },

    async handOverLog(logId, newOwner) {
      const id = checkLogId(logId);
      await ready();
      const txs = await getSender();
      try {
        const receipt = await txs.send({ to: contractAddress, data: iface.encodeFunctionData('setLogOwner', [id, getAddress(newOwner)]), iface });
        options.logger?.info({ logId: id, logName: logNameOf(id), newOwner, txHash: receipt.hash }, 'handed over log');
        return { txHash: receipt.hash, blockNumber: receipt.blockNumber };
      } catch (error) {
        if (!(error instanceof TxRevertedError)) throw error;
        if (error.errorName === 'NotMember') {
          throw new GovshareError('NOT_CONSORTIUM_MEMBER', `${newOwner} is not a consortium member; the Anchor admin must add it first`, { cause: error, detail: { logId: id, newOwner } });
        }
        if (error.errorName === 'NotLogOwner') {
          throw new GovshareError('NOT_LOG_OWNER', `${txs.address} does not own log ${logNameOf(id) ?? id}`, { cause: error, detail: { logId: id, sender: txs.address } });
        }
        throw error;
      }
    },

    async anchorTxHash(checkpoint) {
      await ready();
      const logs = await rpc(() =>
        provider.getLogs({
          address: contractAddress,
          fromBlock: checkpoint.blockNumber,
          toBlock: checkpoint.blockNumber,
          topics: [iface.getEvent('Anchored')!.topicHash, checkpoint.logId],
        }),
      );
      for (const log of logs) {
        const parsed = iface.parseLog(log);
        if (parsed && Number(parsed.args.index) === checkpoint.index) return log.transactionHash;
      }
      return null;
    },

    close() {
      access.close();
    },
  };

  /**
   * The contract refused. A retry of a checkpoint that did get anchored (receipt lost, process
   * restarted) is not an error: return the existing anchor. Any other refusal has a stable code.
   */
  async function refused(error: TxRevertedError, input: { logId: string; treeSize: number; root: string }, sender: string): Promise<AnchorReceipt> {
    const { logId, treeSize, root } = input;
    const detail = { logId, logName: logNameOf(logId), treeSize, sender };
    switch (error.errorName) {
      case 'NotMember':
        throw new GovshareError('NOT_CONSORTIUM_MEMBER', `${sender} is not a consortium member of the Anchor contract`, { cause: error, detail });
      case 'NotLogOwner':
        throw new GovshareError('NOT_LOG_OWNER', `log ${logNameOf(logId) ?? logId} is anchored by ${String(error.errorArgs[1])}, not ${sender}`, {
          cause: error,
          detail: { ...detail, logOwner: String(error.errorArgs[1]) },
        });
      case 'NotNewer': {
        const latestTreeSize = Number(error.errorArgs[2]);
        const existing = await client.readCheckpoint(logId, treeSize);
        if (existing && existing.root.toLowerCase() === root.toLowerCase()) {
          const txHash = (await client.anchorTxHash(existing)) ?? '';
          return { ...existing, chainId: endpoint.chainId, contract: contractAddress, txHash, alreadyAnchored: true };
        }
        if (existing) {
          // Same size, another root: the log owner signed two different trees of one size.
          throw new GovshareError('CHECKPOINT_CONFLICT', `log ${logNameOf(logId) ?? logId} already has a different root anchored at tree size ${treeSize}`, {
            cause: error,
            detail: { ...detail, anchoredRoot: existing.root, root },
          });
        }
        throw new GovshareError('CHECKPOINT_NOT_NEWER', `tree size ${treeSize} is not newer than the latest anchored ${latestTreeSize} for log ${logNameOf(logId) ?? logId}`, {
          cause: error,
          detail: { ...detail, latestTreeSize },
        });
      }
      default:
        throw error;
    }
  }

  return client;
}

interface CheckpointTuple {
  treeSize: bigint;
  blockNumber: bigint;
  timestamp: bigint;
  member: string;
  root: string;
}

function checkLogId(logId: string): string {
  if (!isHexString(logId, 32)) throw new GovshareError('LOG_ID_INVALID', `log id must be 32 bytes of 0x hex (see logIdFor), got "${logId}"`);
  return logId.toLowerCase();
}

function checkTreeSize(treeSize: number): number {
  if (!Number.isSafeInteger(treeSize) || treeSize < 1) throw new GovshareError('TREE_SIZE_INVALID', `tree size must be a positive integer, got ${treeSize}`);
  return treeSize;
}

function checkRoot(root: Uint8Array | string): string {
  const hex = typeof root === 'string' ? root : hexlify(root);
  if (!isHexString(hex, 32)) throw new GovshareError('ROOT_INVALID', 'a Merkle root is 32 bytes');
  return hex.toLowerCase();
}
