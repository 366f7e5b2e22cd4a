import { Interface, type JsonRpcProvider, type Signer, type TransactionReceipt, type TransactionRequest } from 'ethers';
import { GovshareError } from '../../platform/errors.ts';
import { viaLedger, type LedgerEndpoint } from './rpc.ts';

/**
 * Sending transactions signed locally (no unlocked accounts on the node, as on a Besu
 * consortium), with explicit nonces and our own receipt polling.
 *
 * Why not `signer.sendTransaction` + `tx.wait()`: ethers fills the nonce from the node
 * (racy when one key sends two transactions close together) and `wait()` polls on its block
 * subscription every 4 s. Here each key's transactions are serialised, the nonce is tracked
 * locally (re-read from the node after any failure), and receipts are polled quickly at first
 * (instamine answers in milliseconds) then every 500 ms (Besu blocks every 2-5 s).
 */
export interface TxSender {
  readonly address: string;
  /** Sends one transaction and waits for its receipt; throws LEDGER_TX_REVERTED on status 0. */
  send(tx: TxRequest): Promise<TransactionReceipt>;
}

export interface TxRequest {
  to?: string;
  data?: string;
  value?: bigint;
  /** Skips estimation (which also reports a revert before anything is sent). */
  gasLimit?: bigint;
  /** The contract interface, to decode a revert into its custom error name and arguments. */
  iface?: Interface;
}

export interface TxSenderOptions {
  provider: JsonRpcProvider;
  endpoint: LedgerEndpoint;
  /** An ethers signer holding the key locally (Wallet, HDNodeWallet). */
  signer: Signer;
  receiptTimeoutMs?: number;
}

/** A contract call the node refused in simulation or on chain, with the decoded custom error. */
export class TxRevertedError extends GovshareError {
  readonly errorName: string | undefined;
  readonly errorArgs: readonly unknown[];

  constructor(message: string, errorName: string | undefined, errorArgs: readonly unknown[], options: { cause?: unknown; detail?: Record<string, unknown> } = {}) {
    super('LEDGER_TX_REVERTED', message, options);
    this.errorName = errorName;
    this.errorArgs = errorArgs;
  }
}

// One queue per (node, address) in this process: two senders built for the same key must not
// hand out the same nonce.
const queues = new Map<string, { tail: Promise<unknown>; nextNonce: number | undefined }>();

export async function createTxSender(options: TxSenderOptions): Promise<TxSender> {
  const { provider, endpoint, signer } = options;
  const address = await signer.getAddress();
  const key = `${endpoint.rpcUrl}|${endpoint.chainId}|${address.toLowerCase()}`;
  let queue = queues.get(key);
  if (!queue) {
    queue = { tail: Promise.resolve(), nextNonce: undefined };
    queues.set(key, queue);
  }
  const state = queue;

  async function sendNow(tx: TxRequest): Promise<TransactionReceipt> {
    const rpc = <T>(op: () => Promise<T>) => viaLedger(endpoint.rpcUrl, op);
    const nonce = state.nextNonce ?? (await rpc(() => provider.getTransactionCount(address, 'pending')));
    const request: TransactionRequest = {
      from: address,
      ...(tx.to !== undefined && { to: tx.to }),
      ...(tx.data !== undefined && { data: tx.data }),
      value: tx.value ?? 0n,
    };
    let gasLimit = tx.gasLimit;
    if (gasLimit === undefined) {
      try {
        const estimate = await rpc(() => provider.estimateGas(request));
        gasLimit = estimate + estimate / 5n; // margin: estimation runs against the current state
      } catch (error) {
        const revert = asRevert(error, tx.iface);
        if (!revert) throw error;
        // Nodes differ in where estimateGas puts revert data; eth_call reports it uniformly.
        if (revert.errorName === undefined && tx.iface) {
          const viaCall = await provider.call(request).then(
            () => undefined,
            (callError: unknown) => asRevert(callError, tx.iface),
          );
          if (viaCall?.errorName !== undefined) throw viaCall;
        }
        throw revert;
      }
    }
    // Legacy (type 0) transactions with the node's gas price: accepted by ganache (shanghai) and
    // by a free-gas Besu network, whose eth_gasPrice is 0.
    const gasPrice = BigInt(await rpc(() => provider.send('eth_gasPrice', []) as Promise<string>));
    const signed = await signer.signTransaction({ ...request, type: 0, nonce, gasLimit, gasPrice, chainId: endpoint.chainId });
    let hash: string;
    try {
      hash = (await rpc(() => provider.send('eth_sendRawTransaction', [signed]))) as string;
    } catch (error) {
      if ((error as { code?: unknown }).code === 'INSUFFICIENT_FUNDS') {
        throw new GovshareError('LEDGER_INSUFFICIENT_FUNDS', `${address} has no gas to pay for its transaction (fund it from the deployer, or run a free-gas network)`, {
          cause: error,
          detail: { address },
        });
      }
      throw error;
    }
    state.nextNonce = nonce + 1;
    const receipt = await waitForReceipt(provider, endpoint, hash, options.receiptTimeoutMs ?? 120_000);
    if (receipt.status !== 1) {
      throw new TxRevertedError(`transaction ${hash} reverted on chain`, undefined, [], { detail: { txHash: hash, blockNumber: receipt.blockNumber } });
    }
    return receipt;
  }

  return {
    address,
    send(tx) {
      const run = state.tail.then(() => sendNow(tx));
      state.tail = run.catch(() => {
        // After any failure the local nonce may be wrong (tx not sent, or sent but unconfirmed):
        // ask the node again next time.
        state.nextNonce = undefined;
      });
      return run;
    },
  };
}

async function waitForReceipt(provider: JsonRpcProvider, endpoint: LedgerEndpoint, hash: string, timeoutMs: number): Promise<TransactionReceipt> {
  const deadline = Date.now() + timeoutMs;
  let delay = 20;
  for (;;) {
    const receipt = await viaLedger(endpoint.rpcUrl, () => provider.getTransactionReceipt(hash));
    if (receipt) return receipt;
    if (Date.now() > deadline) {
      throw new GovshareError('LEDGER_TX_TIMEOUT', `no receipt for transaction ${hash} after ${timeoutMs} ms`, { detail: { txHash: hash } });
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 500);
  }
}

/** Decodes a revert from an estimateGas/call failure; undefined when it was not a revert. */
export function asRevert(error: unknown, iface?: Interface): TxRevertedError | undefined {
  const data = revertData(error);
  if (data === undefined) {
    const code = (error as { code?: unknown })?.code;
    if (code === 'CALL_EXCEPTION') return new TxRevertedError(`contract call reverted: ${(error as Error).message}`, undefined, [], { cause: error });
    return undefined;
  }
  if (iface && data.length >= 10) {
    try {
      const parsed = iface.parseError(data);
      if (parsed) return new TxRevertedError(`contract refused: ${parsed.name}`, parsed.name, [...parsed.args], { cause: error });
    } catch {
      /* not one of this contract's errors */
    }
  }
  return new TxRevertedError('contract call reverted', undefined, [], { cause: error, detail: { data } });
}

function revertData(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const { data } = current as { data?: unknown };
    if (typeof data === 'string' && /^0x[0-9a-f]*$/i.test(data)) return data;
    if (data && typeof data === 'object') {
      // Nested shapes: { data: '0x…' } (some nodes), { result: '0x…' } (ganache's estimateGas).
      const inner = (data as { data?: unknown; result?: unknown }).data ?? (data as { result?: unknown }).result;
      if (typeof inner === 'string' && /^0x[0-9a-f]*$/i.test(inner)) return inner;
    }
    const next = current as { info?: { error?: unknown }; error?: unknown; cause?: unknown };
    current = next.info?.error ?? next.error ?? next.cause;
  }
  return undefined;
}
