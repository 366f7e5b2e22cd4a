import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Interface } from 'ethers';
import registryPackage from 'ethr-did-registry';

/**
 * Compiled contracts, read from committed artifacts (never compiled at run time: see
 * anchor/contracts/compile.ts). The ERC-1056 registry comes compiled in `ethr-did-registry`;
 * that package is CommonJS without named exports under ESM, hence the default import.
 */
export interface ContractArtifact {
  contractName: string;
  abi: readonly unknown[];
  bytecode: string;
  deployedBytecode: string;
}

// Deployment order; a contract added later is deployed on the next start of an existing ledger.
export const CONTRACT_NAMES = ['EthereumDIDRegistry', 'Anchor', 'TrustedIssuers', 'SharingAgreements'] as const;
export type ContractName = (typeof CONTRACT_NAMES)[number];

const artifactsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'contracts', 'artifacts');
const cache = new Map<ContractName, ContractArtifact>();

export function artifact(name: ContractName): ContractArtifact {
  let found = cache.get(name);
  if (!found) {
    found = name === 'EthereumDIDRegistry' ? registryArtifact() : ownArtifact(name);
    cache.set(name, found);
  }
  return found;
}

export function contractInterface(name: ContractName): Interface {
  return new Interface(artifact(name).abi as never);
}

function ownArtifact(name: string): ContractArtifact {
  const file = path.join(artifactsDir, `${name}.json`);
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as ContractArtifact;
  if (!parsed.bytecode?.startsWith('0x')) throw new Error(`${file} has no 0x-prefixed bytecode; run npm run compile:contracts`);
  return parsed;
}

function registryArtifact(): ContractArtifact {
  const compiled = (registryPackage as unknown as { EthereumDIDRegistry: ContractArtifact }).EthereumDIDRegistry;
  return {
    contractName: 'EthereumDIDRegistry',
    abi: compiled.abi,
    bytecode: compiled.bytecode,
    deployedBytecode: compiled.deployedBytecode,
  };
}
