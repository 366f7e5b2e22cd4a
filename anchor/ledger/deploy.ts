import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Contract, ContractFactory, getAddress, keccak256, type JsonRpcProvider, type Signer } from 'ethers';
import type { Logger } from '../../platform/log.ts';
import { GovshareError } from '../../platform/errors.ts';
import { acquireDirectoryLock } from '../../store/lock.ts';
import { artifact, contractInterface, CONTRACT_NAMES, type ContractName } from './artifacts.ts';
import { ensureFunded } from './funding.ts';
import { assertChainId, createProvider, viaLedger, type LedgerEndpoint } from './rpc.ts';
import { ledgerDir } from './seed.ts';
import { createTxSender } from './tx.ts';

/**
 * Idempotent deployment. `<dataDir>/ledger/contracts.json` records, per chain id, where each
 * contract lives and from which block; a start trusts a record only if code is actually there
 * on the chain it talks to (a wiped embedded chain, or another node with the same chain id,
 * gets fresh contracts). Works against any EVM node: transactions are signed locally by the
 * deployer, which also administers the Anchor consortium and is the TrustedIssuers root.
 */
export interface DeployedContract {
  address: string;
  blockNumber: number;
  txHash: string;
  /** keccak256 of the runtime code found at the address. */
  codeHash: string;
}

export interface ChainDeployment {
  chainId: number;
  deployer: string;
  contracts: Partial<Record<ContractName, DeployedContract>>;
  /** Every contract deployed and every member admitted and funded (see waitForLedger). */
  ready?: boolean;
  updatedAt: string;
}

interface ContractsFile {
  format: 'govshare-contracts/1';
  chains: Record<string, ChainDeployment>;
}

export interface EnsureContractsOptions extends LedgerEndpoint {
  /** Signs deployments and consortium administration (Anchor owner). */
  deployer: Signer;
  dataDir: string;
  /** Consortium members allowed to anchor (department and gateway addresses). */
  members: readonly string[];
  /** Top members up with gas from the deployer when gas is not free. Default true. */
  fundMembers?: boolean;
  logger?: Logger;
  provider?: JsonRpcProvider;
  /**
   * Set-up that must be done before the deployment is marked ready (e.g. the demo
   * accreditations): components waiting in waitForLedger must not see a half-set-up ledger.
   * Runs on every call, under the deployment lock, so it must be idempotent.
   */
  beforeReady?: (contracts: Record<ContractName, DeployedContract>) => Promise<void>;
}

export interface EnsureContractsResult {
  chainId: number;
  contracts: Record<ContractName, DeployedContract>;
  /** What this call deployed (empty on every start after the first). */
  deployed: ContractName[];
  membersAdded: string[];
  funded: string[];
}

const CONTRACTS_FILE = 'contracts.json';

export function contractsFile(dataDir: string): string {
  return path.join(ledgerDir(dataDir), CONTRACTS_FILE);
}

/** The recorded deployment for a chain, or undefined; does not ask the chain. */
export function readDeployment(dataDir: string, chainId: number): ChainDeployment | undefined {
  return readFile(dataDir).chains[String(chainId)];
}

/** The recorded address of each contract on this chain; CONTRACTS_NOT_DEPLOYED if any is missing. */
export function deployedAddresses(dataDir: string, chainId: number): Record<ContractName, string> {
  const deployment = readDeployment(dataDir, chainId);
  const missing = CONTRACT_NAMES.filter((name) => !deployment?.contracts[name]);
  if (!deployment || missing.length) {
    throw new GovshareError('CONTRACTS_NOT_DEPLOYED', `no ${missing.join(', ')} recorded for chain ${chainId} in ${contractsFile(dataDir)}; start the ledger first`, {
      detail: { chainId, missing },
    });
  }
  return Object.fromEntries(CONTRACT_NAMES.map((name) => [name, deployment.contracts[name]!.address])) as Record<ContractName, string>;
}

export async function ensureContracts(options: EnsureContractsOptions): Promise<EnsureContractsResult> {
  const endpoint: LedgerEndpoint = { rpcUrl: options.rpcUrl, chainId: options.chainId };
  const provider = options.provider ?? createProvider(endpoint);
  try {
    await assertChainId(provider, endpoint);
    // Two processes starting together must not both deploy.
    const release = await lockDeployment(options.dataDir);
    try {
      return await ensureLocked(options, endpoint, provider);
    } finally {
      release();
    }
  } finally {
    if (!options.provider) provider.destroy();
  }
}

async function ensureLocked(options: EnsureContractsOptions, endpoint: LedgerEndpoint, provider: JsonRpcProvider): Promise<EnsureContractsResult> {
  const { logger } = options;
  const rpc = <T>(op: () => Promise<T>) => viaLedger(endpoint.rpcUrl, op);
  const deployerAddress = await options.deployer.getAddress();
  const members = [...new Set(options.members.map((m) => getAddress(m)))];
  const file = readFile(options.dataDir);
  const recorded = file.chains[String(endpoint.chainId)];
  const contracts: Partial<Record<ContractName, DeployedContract>> = {};
  const deployed: ContractName[] = [];

  // The deployer pays for everything below; fund nothing before it is known to have gas.
  const sender = await createTxSender({ provider, endpoint, signer: options.deployer });

  for (const name of CONTRACT_NAMES) {
    const previous = recorded?.contracts[name];
    if (previous) {
      const code = await rpc(() => provider.getCode(previous.address));
      if (code !== '0x') {
        const codeHash = keccak256(code);
        if (codeHash !== previous.codeHash) {
          logger?.warn({ contract: name, address: previous.address }, 'code at the recorded address changed since deployment');
        }
        warnIfOutdated(name, code, previous.address, logger);
        contracts[name] = { ...previous, codeHash };
        continue;
      }
      logger?.warn({ contract: name, address: previous.address, chainId: endpoint.chainId }, 'no code at the recorded address (new chain?); deploying again');
    }
    const factory = new ContractFactory(artifact(name).abi as never, artifact(name).bytecode);
    // SharingAgreements asks the Anchor who the consortium members are (one membership list).
    const args = name === 'Anchor' ? [members] : name === 'SharingAgreements' ? [contracts.Anchor!.address] : [];
    const { data } = await factory.getDeployTransaction(...args);
    const receipt = await sender.send({ data, iface: contractInterface(name) });
    if (!receipt.contractAddress) throw new GovshareError('LEDGER_DEPLOY_FAILED', `deploying ${name} produced no contract address (tx ${receipt.hash})`);
    const code = await rpc(() => provider.getCode(receipt.contractAddress!));
    contracts[name] = { address: receipt.contractAddress, blockNumber: receipt.blockNumber, txHash: receipt.hash, codeHash: keccak256(code) };
    deployed.push(name);
    logger?.info({ contract: name, address: receipt.contractAddress, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed.toString() }, 'deployed contract');
    // Record after each deployment: a crash between two must not orphan the first.
    writeDeployment(options.dataDir, { chainId: endpoint.chainId, deployer: deployerAddress, contracts, ready: false, updatedAt: new Date().toISOString() });
  }

  // Members the Anchor does not know yet (a new department, or members passed after deploy).
  const anchor = new Contract(contracts.Anchor!.address, contractInterface('Anchor'), provider);
  const membersAdded: string[] = [];
  for (const member of members) {
    if (await rpc(() => anchor.getFunction('isMember').staticCall(member) as Promise<boolean>)) continue;
    const owner = (await rpc(() => anchor.getFunction('owner').staticCall() as Promise<string>)) as string;
    if (getAddress(owner) !== getAddress(deployerAddress)) {
      throw new GovshareError('NOT_ANCHOR_ADMIN', `${member} is not a consortium member and ${deployerAddress} cannot add it (the Anchor admin is ${owner})`, {
        detail: { member, admin: owner },
      });
    }
    await sender.send({ to: contracts.Anchor!.address, data: anchor.interface.encodeFunctionData('addMember', [member]), iface: anchor.interface });
    membersAdded.push(member);
    logger?.info({ member }, 'added consortium member');
  }

  const funded = options.fundMembers === false ? [] : await ensureFunded({ provider, endpoint, funder: options.deployer, accounts: members, ...(logger && { logger }) });

  const complete = contracts as Record<ContractName, DeployedContract>;
  await options.beforeReady?.(complete);
  writeDeployment(options.dataDir, { chainId: endpoint.chainId, deployer: recorded?.deployer ?? deployerAddress, contracts: complete, ready: true, updatedAt: new Date().toISOString() });
  return { chainId: endpoint.chainId, contracts: complete, deployed, membersAdded, funded };
}

/**
 * A changed Anchor.sol (or TrustedIssuers.sol) is NOT redeployed automatically: the anchored
 * (or accreditation) history lives at the old address, and moving silently would orphan it.
 * Say so, and let an operator decide.
 */
function warnIfOutdated(name: ContractName, code: string, address: string, logger?: Logger): void {
  if (code.toLowerCase() !== artifact(name).deployedBytecode.toLowerCase()) {
    logger?.warn({ contract: name, address }, 'deployed code differs from this build\'s artifact; keeping the deployed contract (its history lives there)');
  }
}

function readFile(dataDir: string): ContractsFile {
  const file = contractsFile(dataDir);
  if (!fs.existsSync(file)) return { format: 'govshare-contracts/1', chains: {} };
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as ContractsFile;
    if (parsed.format !== 'govshare-contracts/1' || typeof parsed.chains !== 'object') throw new Error('unknown format');
    return parsed;
  } catch (error) {
    throw new GovshareError('CONTRACTS_FILE_INVALID', `cannot read ${file}`, { cause: error });
  }
}

function writeDeployment(dataDir: string, deployment: ChainDeployment): void {
  const file = contractsFile(dataDir);
  const current = readFile(dataDir);
  current.chains[String(deployment.chainId)] = deployment;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // Write-then-rename: a reader never sees half a file.
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(current, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

async function lockDeployment(dataDir: string): Promise<() => void> {
  const dir = path.join(ledgerDir(dataDir), 'deploy');
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      return acquireDirectoryLock(dir);
    } catch (error) {
      if ((error as GovshareError).code !== 'DATA_DIR_LOCKED' || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
