import { createHash } from 'node:crypto';
import { encodeBytes32String, getAddress, isAddress, type JsonRpcProvider, type Signer } from 'ethers';
import type { Logger } from '../../platform/log.ts';
import { GovshareError } from '../../platform/errors.ts';
import { bytes32Name, contractAccess } from './contract-access.ts';
import { addressOfDid, networkName } from './did.ts';
import type { LedgerEndpoint } from './rpc.ts';
import { TxRevertedError } from './tx.ts';

/**
 * The SharingAgreements contract (issue 6): a providing department proposes an agreement to
 * a consuming agency (categories, purposes, legal basis, validity window, digest of the full
 * terms); it is active once the agency accepts, until its window ends or either side
 * terminates. Every read comes from contract storage; `version()` moves on every change, so a
 * reader polls one slot and reloads only when it moved.
 *
 * Times are seconds of chain time (block timestamps), which is what `isActive` compares with.
 */
export type LegalBasis = 'consent' | 'statute';
export type AgreementState = 'PROPOSED' | 'ACTIVE' | 'TERMINATED';

export interface Agreement {
  id: number;
  /** Identity address of the providing department. */
  provider: string;
  /** Identity address of the consuming agency. */
  consumer: string;
  legalBasis: LegalBasis;
  state: AgreementState;
  validFrom: number;
  /** Exclusive. */
  validUntil: number;
  proposedAt: number;
  acceptedAt: number | null;
  terminatedAt: number | null;
  terminatedBy: string | null;
  /** Hex SHA-256 of the full terms (0x-prefixed). */
  termsDigest: string;
  categories: string[];
  purposes: string[];
}

export interface ProposeInput {
  /** The consuming agency: its did:ethr on this chain, or its identity address. */
  consumer: string;
  categories: readonly string[];
  purposes: readonly string[];
  legalBasis: LegalBasis;
  /** Seconds (chain time) from which the agreement counts once accepted. */
  validFrom: number;
  /** Seconds, exclusive. */
  validUntil: number;
  /** The full terms as text; its SHA-256 goes on chain. */
  terms: string;
}

export interface AgreementTx {
  txHash: string;
  blockNumber: number;
}

export interface SharingAgreementsClient {
  readonly chainId: number;
  readonly contract: string;
  /** Proposes as the signer (a consortium member: the providing department). */
  propose(input: ProposeInput): Promise<Agreement & AgreementTx>;
  /** Accepts as the signer, who must be the agreement's consumer. */
  accept(id: number): Promise<Agreement & AgreementTx>;
  /** Terminates as the signer, who must be a party. */
  terminate(id: number): Promise<Agreement & AgreementTx>;
  /** Moves on every proposal, acceptance and termination. */
  version(): Promise<number>;
  count(): Promise<number>;
  agreementAt(id: number): Promise<Agreement>;
  /** Every agreement ever made, oldest first. */
  all(): Promise<Agreement[]>;
  agreementsOfConsumer(consumer: string): Promise<Agreement[]>;
  close(): void;
}

const BASIS: Record<LegalBasis, number> = { consent: 1, statute: 2 };
const STATES: Record<number, AgreementState> = { 1: 'PROPOSED', 2: 'ACTIVE', 3: 'TERMINATED' };

/** SHA-256 of the terms text (UTF-8), the digest both parties can later show they agreed on. */
export function termsDigest(terms: string): string {
  return `0x${createHash('sha256').update(terms, 'utf8').digest('hex')}`;
}

/** Whether an agreement counts at `atSeconds` (chain time): accepted, not terminated, inside its window. */
export function isAgreementActive(agreement: Agreement, atSeconds: number): boolean {
  return agreement.state === 'ACTIVE' && agreement.validFrom <= atSeconds && atSeconds < agreement.validUntil;
}

export function createSharingAgreementsClient(
  options: LedgerEndpoint & { contract: string; signer?: Signer; provider?: JsonRpcProvider; logger?: Logger },
): SharingAgreementsClient {
  const endpoint: LedgerEndpoint = { rpcUrl: options.rpcUrl, chainId: options.chainId };
  const access = contractAccess({
    name: 'SharingAgreements',
    endpoint,
    address: options.contract,
    ...(options.provider && { provider: options.provider }),
    ...(options.signer && { signer: options.signer }),
  });
  const { view } = access;
  const iface = access.contract.interface;

  const send = async (fn: string, args: unknown[], detail: Record<string, unknown>) => {
    await access.ready();
    const txs = await access.sender('changing an agreement needs a party\'s key (signer)');
    try {
      return await txs.send({ to: access.address, data: iface.encodeFunctionData(fn, args), iface });
    } catch (error) {
      if (error instanceof TxRevertedError) throw refused(error, { ...detail, sender: txs.address });
      throw error;
    }
  };

  const partyAddress = (party: string): string => {
    if (party.startsWith('did:')) {
      const { address, network } = addressOfDid(party);
      if (network !== networkName(endpoint.chainId)) {
        throw new GovshareError('DID_UNKNOWN_NETWORK', `${party} is not on this ledger (network ${networkName(endpoint.chainId)})`, { detail: { did: party } });
      }
      return address;
    }
    if (!isAddress(party)) throw new GovshareError('AGREEMENT_INVALID', `not a did:ethr or an address: "${party}"`);
    return getAddress(party);
  };

  const client: SharingAgreementsClient = {
    chainId: endpoint.chainId,
    contract: access.address,

    async propose(input) {
      const consumer = partyAddress(input.consumer);
      const categories = input.categories.map((name) => packName(name, 'category'));
      const purposes = input.purposes.map((name) => packName(name, 'purpose'));
      const receipt = await send(
        'propose',
        [consumer, categories, purposes, BASIS[input.legalBasis] ?? 0, input.validFrom, input.validUntil, termsDigest(input.terms)],
        { consumer },
      );
      const event = receipt.logs
        .filter((log) => log.address.toLowerCase() === access.address.toLowerCase())
        .map((log) => iface.parseLog(log))
        .find((parsed) => parsed?.name === 'Proposed');
      if (!event) throw new GovshareError('LEDGER_TX_FAILED', `transaction ${receipt.hash} proposed nothing`, { detail: { txHash: receipt.hash } });
      const agreement = await client.agreementAt(Number(event.args.id));
      options.logger?.info({ id: agreement.id, consumer, categories: agreement.categories, purposes: agreement.purposes, txHash: receipt.hash }, 'proposed sharing agreement');
      return { ...agreement, txHash: receipt.hash, blockNumber: receipt.blockNumber };
    },

    async accept(id) {
      const receipt = await send('accept', [checkId(id)], { id });
      options.logger?.info({ id, txHash: receipt.hash }, 'accepted sharing agreement');
      return { ...(await client.agreementAt(id)), txHash: receipt.hash, blockNumber: receipt.blockNumber };
    },

    async terminate(id) {
      const receipt = await send('terminate', [checkId(id)], { id });
      options.logger?.info({ id, txHash: receipt.hash }, 'terminated sharing agreement');
      return { ...(await client.agreementAt(id)), txHash: receipt.hash, blockNumber: receipt.blockNumber };
    },

    async version() {
      return Number(await view<bigint>('version'));
    },

    async count() {
      return Number(await view<bigint>('agreementCount'));
    },

    async agreementAt(id) {
      checkId(id);
      const count = await client.count();
      if (id >= count) throw new GovshareError('AGREEMENT_NOT_FOUND', `there are ${count} agreements; no id ${id}`, { detail: { id, count } });
      return toAgreement(id, await view<AgreementTuple>('agreementAt', id));
    },

    async all() {
      const count = await client.count();
      const found: Agreement[] = [];
      for (let id = 0; id < count; id++) found.push(toAgreement(id, await view<AgreementTuple>('agreementAt', id)));
      return found;
    },

    async agreementsOfConsumer(consumer) {
      const ids = await view<bigint[]>('agreementsOfConsumer', partyAddress(consumer));
      const found: Agreement[] = [];
      for (const id of ids) found.push(toAgreement(Number(id), await view<AgreementTuple>('agreementAt', id)));
      return found;
    },

    close() {
      access.close();
    },
  };
  return client;
}

interface AgreementTuple {
  provider: string;
  consumer: string;
  legalBasis: bigint;
  state: bigint;
  validFrom: bigint;
  validUntil: bigint;
  proposedAt: bigint;
  acceptedAt: bigint;
  terminatedAt: bigint;
  terminatedBy: string;
  termsDigest: string;
  categories: string[];
  purposes: string[];
}

function toAgreement(id: number, raw: AgreementTuple): Agreement {
  return {
    id,
    provider: raw.provider,
    consumer: raw.consumer,
    legalBasis: Number(raw.legalBasis) === BASIS.consent ? 'consent' : 'statute',
    state: STATES[Number(raw.state)] ?? 'TERMINATED',
    validFrom: Number(raw.validFrom),
    validUntil: Number(raw.validUntil),
    proposedAt: Number(raw.proposedAt),
    acceptedAt: Number(raw.acceptedAt) || null,
    terminatedAt: Number(raw.terminatedAt) || null,
    terminatedBy: Number(raw.terminatedAt) ? raw.terminatedBy : null,
    termsDigest: raw.termsDigest,
    // A name we did not pack (another tool's keccak id) is kept as its hex id, never dropped.
    categories: [...raw.categories].map((id) => bytes32Name(id) ?? id),
    purposes: [...raw.purposes].map((id) => bytes32Name(id) ?? id),
  };
}

/** Category and purpose codes go on chain as readable bytes32 (≤ 31 bytes of UTF-8). */
function packName(name: string, what: string): string {
  if (!/^[a-z0-9][a-z0-9.-]{0,30}$/.test(name)) {
    throw new GovshareError('AGREEMENT_INVALID', `a ${what} is 1 to 31 lower-case letters, digits, dots or dashes, got "${name}"`, { detail: { [what]: name } });
  }
  return encodeBytes32String(name);
}

function checkId(id: number): number {
  if (!Number.isSafeInteger(id) || id < 0) throw new GovshareError('AGREEMENT_NOT_FOUND', `no agreement id ${id}`, { detail: { id } });
  return id;
}

function refused(error: TxRevertedError, detail: Record<string, unknown>): GovshareError {
  const a = error.errorArgs;
  switch (error.errorName) {
    case 'NotMember':
      return new GovshareError('NOT_CONSORTIUM_MEMBER', `${String(a[0])} is not a consortium member: only a department may propose an agreement`, { cause: error, detail });
    case 'NotConsumer':
      return new GovshareError('NOT_AGREEMENT_CONSUMER', `only agreement ${String(a[0])}'s consumer may accept it, not ${String(a[1])}`, { cause: error, detail });
    case 'NotParty':
      return new GovshareError('NOT_AGREEMENT_PARTY', `only a party to agreement ${String(a[0])} may terminate it, not ${String(a[1])}`, { cause: error, detail });
    case 'WrongState':
      return new GovshareError('AGREEMENT_WRONG_STATE', `agreement ${String(a[0])} is ${STATES[Number(a[1])] ?? 'in an unknown state'}`, {
        cause: error,
        detail: { ...detail, state: STATES[Number(a[1])] },
      });
    case 'NoSuchAgreement':
      return new GovshareError('AGREEMENT_NOT_FOUND', `there are ${String(a[1])} agreements; no id ${String(a[0])}`, { cause: error, detail });
    case 'InvalidAgreement':
      return new GovshareError('AGREEMENT_INVALID', String(a[0]), { cause: error, detail });
    default:
      return error;
  }
}
