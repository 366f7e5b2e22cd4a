/**
 * Build step: compile every Solidity source in anchor/contracts/ with solc 0.8.37 and write
 * one artifact per contract to anchor/contracts/artifacts/<Name>.json (ABI, 0x-prefixed
 * bytecode, the source's SHA-256). The artifacts are committed; runtime code only reads them.
 *
 *   npm run compile:contracts            (node --import tsx anchor/contracts/compile.ts)
 *   npm run compile:contracts -- --check (exit 1 when an artifact is stale; no write)
 *
 * This is the ONLY module that may import solc: requiring it installs a process-wide
 * unhandledRejection handler that rethrows, which would turn any stray rejection in a server
 * into a crash. So it runs here, at build time, in its own process.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const artifactsDir = path.join(here, 'artifacts');
const EXPECTED_SOLC = '0.8.37';

// Besu and ganache (hardfork shanghai) both run paris code; 0.8.37's default (prague/osaka)
// emits opcodes such as PUSH0/MCOPY that older or differently configured nodes refuse.
const SETTINGS = {
  evmVersion: 'paris',
  optimizer: { enabled: true, runs: 200 },
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
} as const;

interface SolcOutput {
  errors?: { severity: 'error' | 'warning' | 'info'; formattedMessage: string }[];
  contracts?: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>>;
}

function sources(): Map<string, string> {
  const found = new Map<string, string>();
  for (const name of fs.readdirSync(here).sort()) {
    if (name.endsWith('.sol')) found.set(name, fs.readFileSync(path.join(here, name), 'utf8'));
  }
  return found;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function staleArtifacts(all: Map<string, string>): string[] {
  const stale: string[] = [];
  for (const [file, text] of all) {
    const artifact = path.join(artifactsDir, file.replace(/\.sol$/, '.json'));
    if (!fs.existsSync(artifact)) {
      stale.push(file);
      continue;
    }
    const recorded = JSON.parse(fs.readFileSync(artifact, 'utf8')) as { sourceSha256?: string };
    if (recorded.sourceSha256 !== sha256(text)) stale.push(file);
  }
  return stale;
}

async function main(): Promise<void> {
  const all = sources();
  if (process.argv.includes('--check')) {
    const stale = staleArtifacts(all);
    if (stale.length) {
      process.stderr.write(`stale contract artifacts: ${stale.join(', ')} (run npm run compile:contracts)\n`);
      process.exitCode = 1;
    } else process.stdout.write(`contract artifacts up to date (${all.size})\n`);
    return;
  }

  const { default: solc } = await import('solc');
  const version: string = solc.version();
  if (!version.startsWith(`${EXPECTED_SOLC}+`)) throw new Error(`expected solc ${EXPECTED_SOLC}, found ${version}`);

  const input = {
    language: 'Solidity',
    sources: Object.fromEntries([...all].map(([file, content]) => [file, { content }])),
    settings: SETTINGS,
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput;
  const problems = output.errors ?? [];
  for (const p of problems) process.stderr.write(`${p.formattedMessage}\n`);
  if (problems.some((p) => p.severity === 'error')) throw new Error('solc reported errors');

  fs.mkdirSync(artifactsDir, { recursive: true });
  for (const [file, contracts] of Object.entries(output.contracts ?? {})) {
    for (const [contractName, compiled] of Object.entries(contracts)) {
      // One contract per file, named after it; anything else (libraries, interfaces) is not
      // deployed by us and gets no artifact.
      if (`${contractName}.sol` !== file) continue;
      const artifact = {
        contractName,
        sourceName: `anchor/contracts/${file}`,
        sourceSha256: sha256(all.get(file)!),
        compiler: { name: 'solc', version, settings: { evmVersion: SETTINGS.evmVersion, optimizer: SETTINGS.optimizer } },
        abi: compiled.abi,
        bytecode: `0x${compiled.evm.bytecode.object}`,
        deployedBytecode: `0x${compiled.evm.deployedBytecode.object}`,
      };
      fs.writeFileSync(path.join(artifactsDir, `${contractName}.json`), `${JSON.stringify(artifact, null, 2)}\n`);
      process.stdout.write(`${contractName}: ${(compiled.evm.bytecode.object.length / 2).toLocaleString()} bytes\n`);
    }
  }
}

await main();
