import { encodeBytes32String, getAddress, isAddress, isHexString, type JsonRpcProvider, type Signer } from 'ethers';
import type { Logger } from '../../platform/log.ts';
import { GovshareError } from '../../platform/errors.ts';
import { bytes32Name, contractAccess } from './contract-access.ts';
import { addressOfDid, networkName } from './did.ts';
import type { LedgerEndpoint } from './rpc.ts';
import { TxRevertedError } from './tx.ts';

/**
 * The TrustedIssuers contract: which issuer (the identity address of its did:ethr) the
 * consortium root accredited for which credential type, over which period. Reads come from
 * contract storage, never from events (consortium nodes cap eth_getLogs ranges), so a
 * verifier can ask "was this issuer accredited for this type when it issued?" of any node.
 * Writes are the root's (the deployer on the embedded ledger) and are signed locally.
 *
 * Times are seconds of CHAIN time (block timestamps), which is what the contract compares
 * with: "now" is the block time of the transaction, not this machine's clock.
 */
export interface TrustedIssuersClientOptions extends LedgerEndpoint {
  /** Address of the TrustedIssuers contract (from ensureContracts / deployedAddresses). */
  contract: string;
  /** The consortium root's key; needed only to accredit, end an accreditation or hand over the root. */
  signer?: Signer;
  provider?: JsonRpcProvider;
  logger?: Logger;
}

/** One entry of the accreditation history, as stored on chain. */
export interface Accreditation {
  index: number;
  issuer: string;
  /** bytes32 hex; see credentialTypeId(). */
  credentialType: string;
  /** The name inside a credentialTypeId() id, or null for an opaque (e.g. keccak) id. */
  credentialTypeName: string | null;
  validFrom: number;
  /** Exclusive; null when granted open-ended. */
  validUntil: number | null;
  /** When the root ended it early; null when it was not. */
  endedAt: number | null;
  /** The first second it no longer counts (the earlier of validUntil and endedAt); null: open-ended. */
  effectiveUntil: number | null;
  /** The root that granted it. */
  accreditedBy: string;
  /** Block time and block of the accreditation (validFrom earlier than recordedAt = back-dated). */
  recordedAt: number;
  recordedBlock: number;
}

export interface AccreditInput {
  /** did:ethr on this chain, or its identity address. */
  issuer: string;
  /** A type name (e.g. 'DegreeCredential') or a bytes32 id. */
  credentialType: string;
  /** Seconds; default (and 0) the block time of the accreditation. */
  validFrom?: number;
  /** Seconds, exclusive; default open-ended. */
  validUntil?: number;
}

export interface AccreditationAnswer {
  accredited: boolean;
  /** The entry that covers the time (the latest one, if several do); null when not accredited. */
  index: number | null;
}

export interface TrustedIssuersTx {
  txHash: string;
  blockNumber: number;
}

export interface TrustedIssuersClient {
  readonly chainId: number;
  readonly contract: string;
  /** Appends an accreditation; NOT_ROOT unless the signer is the consortium root. */
  accredit(input: AccreditInput): Promise<Accreditation & TrustedIssuersTx>;
  /**
   * Ends accreditation `index` at `atSeconds` (default: the block time of the transaction).
   * Never before now (ACCREDITATION_END_RETROACTIVE) and only earlier than its current end
   * (ACCREDITATION_ALREADY_ENDED); the entry stays in the history.
   */
  endAccreditation(index: number, atSeconds?: number): Promise<Accreditation & TrustedIssuersTx>;
  /** Was `issuer` (did:ethr or address) accredited for `credentialType` at `atSeconds`? */
  wasAccredited(issuer: string, credentialType: string, atSeconds: number): Promise<AccreditationAnswer>;
  /** Every accreditation of an issuer (all types, ended ones too), oldest first. */
  accreditations(issuer: string): Promise<Accreditation[]>;
  accreditationCount(): Promise<number>;
  accreditationAt(index: number): Promise<Accreditation>;
  root(): Promise<string>;
  /** Hands the root role to another key (the root's own transaction). */
  transferRoot(newRoot: string): Promise<TrustedIssuersTx>;
  /** Releases the provider if this client created it. */
  close(): void;
}

/**
 * A credential type's bytes32 id from its name (≤ 31 bytes of UTF-8, packed like logIdFor so
 * it reads on any block explorer), or a bytes32 id passed through (e.g. keccak256 of a long
 * type URI).
 */
export function credentialTypeId(type: string): string {
  if (isHexString(type, 32)) {
    if (/^0x0{64}$/i.test(type)) throw new GovshareError('CREDENTIAL_TYPE_INVALID', 'the zero id names no credential type');
    return type.toLowerCase();
  }
  if (!type) throw new GovshareError('CREDENTIAL_TYPE_INVALID', 'a credential type needs a name');
  try {
    return encodeBytes32String(type);
  } catch (error) {
    throw new GovshareError('CREDENTIAL_TYPE_INVALID', `credential type "${type}" is longer than 31 bytes; pass a bytes32 id (e.g. its keccak256) instead`, { cause: error });
  }
}

/** The name inside a credentialTypeId() id, or undefined for an opaque id. */
export function credentialTypeName(id: string): string | undefined {
  return bytes32Name(id);
}

export function createTrustedIssuersClient(options: TrustedIssuersClientOptions): TrustedIssuersClient {
  const endpoint: LedgerEndpoint = { rpcUrl: options.rpcUrl, chainId: options.chainId };
  const access = contractAccess({
    name: 'TrustedIssuers',
    endpoint,
    address: options.contract,
    ...(options.provider && { provider: options.provider }),
    ...(options.signer && { signer: options.signer }),
  });
  const { view, ready } = access;
  const contractAddress = access.address;
  const iface = access.contract.interface;
  const getSender = () => access.sender('changing accreditations needs the consortium root\'s key (signer)');

  /** Sends a root-only transaction, turning the contract's refusals into stable codes. */
  const send = async (fn: string, args: unknown[], detail: Record<string, unknown>) => {
    await ready();
    const txs = await getSender();
    try {
      return await txs.send({ to: contractAddress, data: iface.encodeFunctionData(fn, args), iface });
    } catch (error) {
      if (error instanceof TxRevertedError) throw await refused(error, { ...detail, sender: txs.address });
      throw error;
    }
  };

  async function refused(error: TxRevertedError, detail: Record<string, unknown>): Promise<GovshareError> {
    const a = error.errorArgs;
    switch (error.errorName) {
      case 'NotRoot': {
        const root = await client.root().catch(() => undefined);
        return new GovshareError('NOT_ROOT', `${String(detail.sender)} is not the TrustedIssuers root${root ? ` (the root is ${root})` : ''}`, { cause: error, detail: { ...detail, root } });
      }
      case 'ZeroAddress':
        return new GovshareError('ISSUER_INVALID', 'the zero address cannot be accredited or be the root', { cause: error, detail });
      case 'InvalidCredentialType':
        return new GovshareError('CREDENTIAL_TYPE_INVALID', 'the zero id names no credential type', { cause: error, detail });
      case 'InvalidPeriod':
        return new GovshareError('ACCREDITATION_PERIOD_INVALID', `validUntil ${String(a[1])} is not after validFrom ${String(a[0])}`, {
          cause: error,
          detail: { ...detail, validFrom: Number(a[0]), validUntil: Number(a[1]) },
        });
      case 'IndexOutOfRange':
        return new GovshareError('ACCREDITATION_NOT_FOUND', `there are ${String(a[1])} accreditations; no index ${String(a[0])}`, { cause: error, detail: { ...detail, count: Number(a[1]) } });
      case 'RetroactiveEnd':
        return new GovshareError('ACCREDITATION_END_RETROACTIVE', `an accreditation cannot end before now (asked ${String(a[1])}, chain time ${String(a[2])}): credentials issued meanwhile must stay valid`, {
          cause: error,
          detail: { ...detail, at: Number(a[1]), chainTime: Number(a[2]) },
        });
      case 'NotShortened':
        return new GovshareError('ACCREDITATION_ALREADY_ENDED', `accreditation ${String(a[0])} already ends at ${String(a[2])}, not after ${String(a[1])}`, {
          cause: error,
          detail: { ...detail, at: Number(a[1]), currentEnd: Number(a[2]) },
        });
      default:
        return error;
    }
  }

  /** The identity address of a did:ethr on THIS chain, or an address. */
  const issuerAddress = (issuer: string): string => {
    if (issuer.startsWith('did:')) {
      const { address, network } = addressOfDid(issuer);
      // Same key, different chain: an accreditation here says nothing about that DID.
      if (network !== networkName(endpoint.chainId)) {
        throw new GovshareError('DID_UNKNOWN_NETWORK', `${issuer} is not on this ledger (network ${networkName(endpoint.chainId)})`, { detail: { did: issuer } });
      }
      return address;
    }
    if (!isAddress(issuer)) throw new GovshareError('ISSUER_INVALID', `not a did:ethr or an address: "${issuer}"`);
    return getAddress(issuer);
  };

  const toAccreditation = (index: number, raw: AccreditationTuple): Accreditation => {
    const validUntil = Number(raw.validUntil) || null;
    const endedAt = Number(raw.endedAt) || null;
    const ends = [validUntil, endedAt].filter((t): t is number => t !== null);
    return {
      index,
      issuer: raw.issuer,
      credentialType: raw.credentialType,
      credentialTypeName: credentialTypeName(raw.credentialType) ?? null,
      validFrom: Number(raw.validFrom),
      validUntil,
      endedAt,
      effectiveUntil: ends.length ? Math.min(...ends) : null,
      accreditedBy: raw.accreditedBy,
      recordedAt: Number(raw.recordedAt),
      recordedBlock: Number(raw.recordedBlock),
    };
  };

  const client: TrustedIssuersClient = {
    chainId: endpoint.chainId,
    contract: contractAddress,

    async accredit(input) {
      const issuer = issuerAddress(input.issuer);
      const type = credentialTypeId(input.credentialType);
      const validFrom = input.validFrom === undefined ? 0 : checkTime(input.validFrom, 'validFrom');
      const validUntil = input.validUntil === undefined ? 0 : checkTime(input.validUntil, 'validUntil');
      if (validUntil !== 0 && validFrom !== 0 && validUntil <= validFrom) {
        throw new GovshareError('ACCREDITATION_PERIOD_INVALID', `validUntil ${validUntil} is not after validFrom ${validFrom}`, { detail: { validFrom, validUntil } });
      }
      const receipt = await send('accredit', [issuer, type, validFrom, validUntil], { issuer, credentialType: type });
      const event = receipt.logs
        .filter((log) => log.address.toLowerCase() === contractAddress.toLowerCase())
        .map((log) => iface.parseLog(log))
        .find((parsed) => parsed?.name === 'Accredited');
      if (!event) throw new GovshareError('LEDGER_TX_FAILED', `transaction ${receipt.hash} accredited nothing`, { detail: { txHash: receipt.hash } });
      const entry = await client.accreditationAt(Number(event.args.index));
      options.logger?.info({ issuer, credentialType: entry.credentialTypeName ?? type, index: entry.index, validFrom: entry.validFrom, validUntil: entry.validUntil, txHash: receipt.hash }, 'accredited issuer');
      return { ...entry, txHash: receipt.hash, blockNumber: receipt.blockNumber };
    },

    async endAccreditation(index, atSeconds) {
      checkIndex(index);
      const at = atSeconds === undefined ? 0 : checkTime(atSeconds, 'end time');
      const receipt = await send('endAccreditation', [index, at], { index });
      const entry = await client.accreditationAt(index);
      options.logger?.info({ issuer: entry.issuer, credentialType: entry.credentialTypeName ?? entry.credentialType, index, endedAt: entry.endedAt, txHash: receipt.hash }, 'ended accreditation');
      return { ...entry, txHash: receipt.hash, blockNumber: receipt.blockNumber };
    },

    async wasAccredited(issuer, credentialType, atSeconds) {
      const address = issuerAddress(issuer);
      const type = credentialTypeId(credentialType);
      const at = checkTime(atSeconds, 'time', 'TIME_INVALID');
      const [accredited, index] = await view<[boolean, bigint]>('wasAccredited', address, type, at);
      return { accredited, index: accredited ? Number(index) : null };
    },

    async accreditations(issuer) {
      const indexes = await view<bigint[]>('accreditationsOf', issuerAddress(issuer));
      const found: Accreditation[] = [];
      for (const index of indexes) found.push(toAccreditation(Number(index), await view<AccreditationTuple>('accreditationAt', index)));
      return found;
    },

    async accreditationCount() {
      return Number(await view<bigint>('accreditationCount'));
    },

    async accreditationAt(index) {
      checkIndex(index);
      const count = await client.accreditationCount();
      if (index >= count) {
        throw new GovshareError('ACCREDITATION_NOT_FOUND', `there are ${count} accreditations; no index ${index}`, { detail: { index, count } });
      }
      return toAccreditation(index, await view<AccreditationTuple>('accreditationAt', index));
    },

    async root() {
      return getAddress(await view<string>('root'));
    },

    async transferRoot(newRoot) {
      const to = issuerAddress(newRoot);
      const receipt = await send('transferRoot', [to], { newRoot: to });
      options.logger?.info({ newRoot: to, txHash: receipt.hash }, 'transferred the TrustedIssuers root');
      return { txHash: receipt.hash, blockNumber: receipt.blockNumber };
    },

    close() {
      access.close();
    },
  };

  return client;
}

interface AccreditationTuple {
  issuer: string;
  validFrom: bigint;
  credentialType: string;
  validUntil: bigint;
  endedAt: bigint;
  recordedAt: bigint;
  recordedBlock: bigint;
  accreditedBy: string;
}

// The contract stores seconds as uint64; JS numbers are exact up to 2^53, far beyond any date.
function checkTime(seconds: number, what: string, code = 'ACCREDITATION_PERIOD_INVALID'): number {
  if (!Number.isSafeInteger(seconds) || seconds < 0) {
    throw new GovshareError(code, `${what} must be a whole number of seconds >= 0, got ${seconds}`, { detail: { [what]: seconds } });
  }
  return seconds;
}

function checkIndex(index: number): void {
  if (!Number.isSafeInteger(index) || index < 0) throw new GovshareError('ACCREDITATION_NOT_FOUND', `no accreditation index ${index}`, { detail: { index } });
}
