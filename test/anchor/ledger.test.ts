import fs from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { Contract, Wallet, parseEther, type Signer } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnchorClient, logIdFor, logNameOf, type AnchorClient } from '../../anchor/ledger/anchor-client.ts';
import { contractInterface } from '../../anchor/ledger/artifacts.ts';
import { contractsFile, deployedAddresses, ensureContracts } from '../../anchor/ledger/deploy.ts';
import { spawnEmbeddedLedger } from '../../anchor/ledger/embedded-process.ts';
import { contractAddresses, ledgerEndpoint, waitForLedger } from '../../anchor/ledger/endpoint.ts';
import { loadConfig } from '../../platform/config.ts';
import { ensureFunded } from '../../anchor/ledger/funding.ts';
import { createProvider } from '../../anchor/ledger/rpc.ts';
import { ledgerStatus } from '../../anchor/ledger/status.ts';
import { DEFAULT_KEY_NAMES } from '../../anchor/keys/keystore.ts';
import { startTestLedger, type TestLedger } from './ledger-fixture.ts';

const root = (label: string) => createHash('sha256').update(label).digest();
const hex = (bytes: Uint8Array) => `0x${Buffer.from(bytes).toString('hex')}`;

let ledger: TestLedger;
const endpoint = () => ({ rpcUrl: ledger.current.url, chainId: ledger.current.chainId });
const clients: AnchorClient[] = [];
async function clientFor(keyName?: string, signer?: Signer): Promise<AnchorClient> {
  const key = signer ?? (keyName ? await ledger.keystore.loadKey(keyName) : undefined);
  const client = createAnchorClient({ ...endpoint(), contract: ledger.current.contracts.Anchor.address, ...(key && { signer: key }) });
  clients.push(client);
  return client;
}

beforeAll(async () => {
  ledger = await startTestLedger();
});
afterAll(async () => {
  clients.forEach((c) => c.close());
  await ledger?.cleanup();
});

describe('embedded ledger and contracts', () => {
  it('deploys the registry and Anchor on first start and records them', async () => {
    expect(ledger.current.fresh).toBe(true);
    expect(ledger.current.chainId).toBe(1337);
    const recorded = JSON.parse(fs.readFileSync(contractsFile(ledger.dataDir), 'utf8'));
    const addresses = deployedAddresses(ledger.dataDir, 1337);
    expect(recorded.chains['1337'].contracts.Anchor.address).toBe(addresses.Anchor);
    expect(addresses.Anchor).toBe(ledger.current.contracts.Anchor.address);

    const provider = createProvider(endpoint());
    try {
      for (const address of Object.values(addresses)) expect(await provider.getCode(address)).not.toBe('0x');
      // Our own seed, not ganache's well-known mnemonic (whose account 0 is 0x90F8bf6A…).
      expect(ledger.deployer.address).not.toBe('0x90F8bf6A479f320ead074411a4B0e7944Ea8c9C1');
      // Every member key got gas from the deployer.
      for (const name of ledger.keystore.list()) expect(await provider.getBalance(ledger.keystore.address(name))).toBeGreaterThan(0n);
      // No unlocked accounts: the node refuses to sign for anyone.
      await expect(provider.send('eth_sendTransaction', [{ from: ledger.deployer.address, to: ledger.deployer.address, value: '0x1' }])).rejects.toThrow();
    } finally {
      provider.destroy();
    }
    const reader = await clientFor();
    for (const name of ['education', 'finance', 'justice', 'gateway']) expect(await reader.isMember(ledger.keystore.address(name))).toBe(true);
  });

  it('anchors checkpoints with one transaction each and reads them back from storage', async () => {
    const education = await clientFor('education');
    const logId = logIdFor('education');
    expect(logNameOf(logId)).toBe('education');
    const signer = ledger.keystore.address('education');
    const provider = createProvider(endpoint());
    const nonceBefore = await provider.getTransactionCount(signer);

    const first = await education.anchorCheckpoint({ logId, treeSize: 5, root: root('five') });
    expect(first).toMatchObject({ chainId: 1337, contract: ledger.current.contracts.Anchor.address, index: 0, treeSize: 5, root: hex(root('five')), alreadyAnchored: false, member: signer });
    expect(first.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(first.blockNumber).toBeGreaterThan(0);
    expect(Math.abs(first.blockTimestamp - Date.now() / 1000)).toBeLessThan(120);
    const second = await education.anchorCheckpoint({ logId, treeSize: 9, root: hex(root('nine')) });
    expect(second.index).toBe(1);
    await education.anchorCheckpoint({ logId, treeSize: 20, root: root('twenty') });
    expect((await provider.getTransactionCount(signer)) - nonceBefore).toBe(3);
    provider.destroy();

    const reader = await clientFor();
    expect(await reader.checkpointCount(logId)).toBe(3);
    expect(await reader.latestCheckpoint(logId)).toMatchObject({ index: 2, treeSize: 20, root: hex(root('twenty')), member: signer });
    expect(await reader.readCheckpoint(logId, 9)).toMatchObject({ index: 1, treeSize: 9, blockNumber: second.blockNumber, blockTimestamp: second.blockTimestamp });
    expect(await reader.readCheckpoint(logId, 7)).toBeNull();
    // Earliest checkpoint covering leaf 6 (tree size 7) is the one of size 9; past the end, none.
    expect(await reader.findCheckpoint(logId, 7)).toMatchObject({ treeSize: 9, index: 1 });
    expect(await reader.findCheckpoint(logId, 1)).toMatchObject({ treeSize: 5, index: 0 });
    expect(await reader.findCheckpoint(logId, 21)).toBeNull();
    expect(await reader.checkpointAt(logId, 0)).toMatchObject({ treeSize: 5, blockNumber: first.blockNumber });
    await expect(reader.checkpointAt(logId, 3)).rejects.toMatchObject({ code: 'CHECKPOINT_NOT_FOUND' });
    expect(await reader.anchorTxHash((await reader.readCheckpoint(logId, 9))!)).toBe(second.txHash);
    expect(await reader.logIds()).toEqual([logId]);
    expect(await reader.logOwner(logId)).toBe(signer);
    expect(await reader.latestCheckpoint(logIdFor('never-anchored'))).toBeNull();
  });

  it('refuses a checkpoint that is not newer, and treats an exact retry as already anchored', async () => {
    const education = await clientFor('education');
    const logId = logIdFor('education');
    await expect(education.anchorCheckpoint({ logId, treeSize: 12, root: root('twelve') })).rejects.toMatchObject({
      code: 'CHECKPOINT_NOT_NEWER',
      detail: expect.objectContaining({ latestTreeSize: 20 }),
    });
    await expect(education.anchorCheckpoint({ logId, treeSize: 9, root: root('another nine') })).rejects.toMatchObject({ code: 'CHECKPOINT_CONFLICT' });
    const original = await (await clientFor()).readCheckpoint(logId, 9);
    const retry = await education.anchorCheckpoint({ logId, treeSize: 9, root: root('nine') });
    expect(retry).toMatchObject({ alreadyAnchored: true, index: 1, blockNumber: original!.blockNumber });
    expect(await (await clientFor()).checkpointCount(logId)).toBe(3);
    await expect(education.anchorCheckpoint({ logId, treeSize: 0, root: root('x') })).rejects.toMatchObject({ code: 'TREE_SIZE_INVALID' });
  });

  it('refuses a non-member, and a member anchoring a log it does not own', async () => {
    const outsider = Wallet.createRandom();
    const provider = createProvider(endpoint());
    await ensureFunded({ provider, endpoint: endpoint(), funder: ledger.deployer, accounts: [outsider.address], topUp: parseEther('1'), minBalance: parseEther('1') });
    provider.destroy();
    const stranger = await clientFor(undefined, outsider);
    await expect(stranger.anchorCheckpoint({ logId: logIdFor('rogue'), treeSize: 1, root: root('r') })).rejects.toMatchObject({ code: 'NOT_CONSORTIUM_MEMBER' });

    const finance = await clientFor('finance');
    await expect(finance.anchorCheckpoint({ logId: logIdFor('education'), treeSize: 2 ** 40, root: root('freeze') })).rejects.toMatchObject({
      code: 'NOT_LOG_OWNER',
    });
    const own = await finance.anchorCheckpoint({ logId: logIdFor('finance'), treeSize: 1, root: root('f1') });
    expect(own.index).toBe(0);
  });

  it('reports status for `govshare ledger status --json`', async () => {
    const status = await ledgerStatus({ ...endpoint(), dataDir: ledger.dataDir });
    expect(status).toMatchObject({
      rpcUrl: ledger.current.url,
      chainId: 1337,
      reachable: true,
      contracts: { EthereumDIDRegistry: ledger.current.contracts.EthereumDIDRegistry.address, Anchor: ledger.current.contracts.Anchor.address },
    });
    expect(status.blockNumber).toBeGreaterThan(0);
    expect(status.checkpoints.map((c) => [c.logName, c.treeSize])).toEqual([
      ['education', 20],
      ['finance', 1],
    ]);
  });

  it('refuses a second ledger on the same data dir without harming the first', async () => {
    await expect(spawnEmbeddedLedger({ dataDir: ledger.dataDir })).rejects.toMatchObject({ code: 'DATA_DIR_LOCKED' });
    expect((await (await clientFor()).latestCheckpoint(logIdFor('education')))?.treeSize).toBe(20);
  });

  it('keeps contracts and checkpoints across a restart; deployment is idempotent', async () => {
    const before = ledger.current.contracts;
    await ledger.stop();
    const restarted = await ledger.restart();
    expect(restarted.fresh).toBe(false);
    expect(restarted.contracts.Anchor.address).toBe(before.Anchor.address);
    expect(restarted.contracts.EthereumDIDRegistry.address).toBe(before.EthereumDIDRegistry.address);

    const again = await ensureContracts({
      ...endpoint(),
      deployer: ledger.deployer,
      dataDir: ledger.dataDir,
      // The consortium members the ledger admitted (the keystore also holds the demo agencies' keys).
      members: DEFAULT_KEY_NAMES.map((n) => ledger.keystore.address(n)),
    });
    expect(again).toMatchObject({ deployed: [], membersAdded: [], funded: [] });
    expect(again.contracts.Anchor.address).toBe(before.Anchor.address);
    expect(await (await clientFor()).latestCheckpoint(logIdFor('education'))).toMatchObject({ treeSize: 20, root: hex(root('twenty')) });

    // A new member is admitted by the same call.
    const newcomer = Wallet.createRandom().address;
    const admitted = await ensureContracts({ ...endpoint(), deployer: ledger.deployer, dataDir: ledger.dataDir, members: [newcomer] });
    expect(admitted.membersAdded).toEqual([newcomer]);
    expect(await (await clientFor()).isMember(newcomer)).toBe(true);

    // Anchoring continues after the restart (nonces re-read from the chain).
    const education = await clientFor('education');
    expect((await education.anchorCheckpoint({ logId: logIdFor('education'), treeSize: 21, root: root('21') })).index).toBe(3);
  });

  it('hands a log over to a department\'s new key (rotation), refusing the old key afterwards', async () => {
    const logId = logIdFor('education');
    const newKey = Wallet.createRandom();
    const oldClient = await clientFor('education');
    await expect(oldClient.handOverLog(logId, newKey.address)).rejects.toMatchObject({ code: 'NOT_CONSORTIUM_MEMBER' });
    const admitted = await ensureContracts({ ...endpoint(), deployer: ledger.deployer, dataDir: ledger.dataDir, members: [newKey.address] });
    expect(admitted.funded).toEqual([newKey.address]);
    await oldClient.handOverLog(logId, newKey.address);
    const newClient = await clientFor(undefined, newKey);
    expect((await newClient.anchorCheckpoint({ logId, treeSize: 22, root: root('22') })).member).toBe(newKey.address);
    await expect(oldClient.anchorCheckpoint({ logId, treeSize: 23, root: root('23') })).rejects.toMatchObject({ code: 'NOT_LOG_OWNER' });
    await expect((await clientFor('finance')).handOverLog(logId, ledger.keystore.address('finance'))).rejects.toMatchObject({ code: 'NOT_LOG_OWNER' });
  });

  it('answers with a plain ethers call too (any verifier can check an anchor)', async () => {
    const provider = createProvider(endpoint());
    const anchor = new Contract(ledger.current.contracts.Anchor.address, contractInterface('Anchor'), provider);
    const latest = await anchor.getFunction('latest').staticCall(logIdFor('education'));
    expect(Number(latest.treeSize)).toBe(22);
    provider.destroy();
  });

  it('redeploys when the recorded contracts are not on the chain (a wiped chain)', async () => {
    const other = fs.mkdtempSync(path.join(path.dirname(ledger.dataDir), 'govshare-ledger-other-'));
    try {
      fs.mkdirSync(path.join(other, 'ledger'), { recursive: true });
      const fake = { format: 'govshare-contracts/1', chains: { '1337': { chainId: 1337, deployer: ledger.deployer.address, updatedAt: '', contracts: { EthereumDIDRegistry: { address: Wallet.createRandom().address, blockNumber: 1, txHash: '0x', codeHash: '0x' } } } } };
      fs.writeFileSync(contractsFile(other), JSON.stringify(fake));
      const result = await ensureContracts({ ...endpoint(), deployer: ledger.deployer, dataDir: other, members: [], fundMembers: false });
      expect(result.deployed).toEqual(['EthereumDIDRegistry', 'Anchor', 'TrustedIssuers', 'SharingAgreements']);
      expect(deployedAddresses(other, 1337).Anchor).toBe(result.contracts.Anchor.address);
      await expect(ensureContracts({ rpcUrl: ledger.current.url, chainId: 1, deployer: ledger.deployer, dataDir: other, members: [] })).rejects.toMatchObject({ code: 'CHAIN_ID_MISMATCH' });
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });

  it('tells components where the ledger is and waits for it to be set up', async () => {
    expect(ledgerEndpoint({ ledgerPort: 8545 })).toEqual({ rpcUrl: 'http://127.0.0.1:8545', chainId: 1337 });
    expect(ledgerEndpoint({ ledgerPort: 8545, ledgerRpcUrl: 'http://besu:8545', ledgerChainId: 2024 })).toEqual({ rpcUrl: 'http://besu:8545', chainId: 2024 });
    expect(() => ledgerEndpoint({ ledgerPort: 8545, ledgerRpcUrl: 'http://besu:8545' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    const addresses = await waitForLedger({ ...endpoint(), dataDir: ledger.dataDir, timeoutMs: 5_000 });
    expect(addresses.Anchor).toBe(ledger.current.contracts.Anchor.address);
  });

  it('finds the contracts from LEDGER_CONTRACTS on a host that never deployed them, and refuses an address without code', async () => {
    const elsewhere = fs.mkdtempSync(path.join(path.dirname(ledger.dataDir), 'govshare-ledger-elsewhere-'));
    try {
      const deployed = deployedAddresses(ledger.dataDir, 1337);
      const given = `EthereumDIDRegistry=${deployed.EthereumDIDRegistry}, Anchor=${deployed.Anchor},TrustedIssuers=${deployed.TrustedIssuers},SharingAgreements=${deployed.SharingAgreements}`;
      const config = loadConfig({ LEDGER_RPC_URL: ledger.current.url, LEDGER_CHAIN_ID: '1337', LEDGER_CONTRACTS: given });
      const configured = ledgerEndpoint(config);
      expect(await waitForLedger({ ...configured, dataDir: elsewhere, timeoutMs: 5_000 })).toEqual(deployed);
      expect(contractAddresses(configured, elsewhere)).toEqual(deployed);
      expect((await ledgerStatus({ ...configured, dataDir: elsewhere })).contracts).toEqual(deployed);

      const wrong = ledgerEndpoint({ ...config, ledgerContracts: { ...deployed, Anchor: Wallet.createRandom().address } });
      await expect(waitForLedger({ ...wrong, dataDir: elsewhere, timeoutMs: 5_000 })).rejects.toMatchObject({ code: 'CONTRACT_NOT_FOUND' });
      expect(() => ledgerEndpoint({ ...config, ledgerContracts: { Anchor: deployed.Anchor } })).toThrow(/missing EthereumDIDRegistry, TrustedIssuers, SharingAgreements/);
      expect(() => loadConfig({ LEDGER_CONTRACTS: 'Anchor=0x12' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('reports LEDGER_UNAVAILABLE when the RPC is down, and status says unreachable', async () => {
    const education = await clientFor('education');
    const reader = await clientFor();
    await ledger.stop();
    const logId = logIdFor('education');
    await expect(education.anchorCheckpoint({ logId, treeSize: 100, root: randomBytes(32) })).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
    await expect(reader.latestCheckpoint(logId)).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
    const status = await ledgerStatus({ ...endpoint(), dataDir: ledger.dataDir });
    expect(status).toMatchObject({ reachable: false, blockNumber: null, error: { code: 'LEDGER_UNAVAILABLE' } });
    expect(status.contracts.Anchor).toBe(ledger.current.contracts.Anchor.address);
    await expect(waitForLedger({ ...endpoint(), dataDir: ledger.dataDir, timeoutMs: 300 })).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
  });
});

describe('contract build artifacts and the ganache/solc boundary', () => {
  const repo = path.resolve(import.meta.dirname, '../..');

  it('has a fresh, paris-targeted Anchor artifact with 0x-prefixed bytecode', () => {
    const artifact = JSON.parse(fs.readFileSync(path.join(repo, 'anchor/contracts/artifacts/Anchor.json'), 'utf8'));
    const source = fs.readFileSync(path.join(repo, 'anchor/contracts/Anchor.sol'), 'utf8');
    expect(artifact.sourceSha256).toBe(createHash('sha256').update(source).digest('hex'));
    expect(artifact.compiler.version).toMatch(/^0\.8\.37\+/);
    expect(artifact.compiler.settings.evmVersion).toBe('paris');
    expect(artifact.bytecode).toMatch(/^0x[0-9a-f]+$/);
  });

  it('imports ganache only in anchor/ledger/embedded.ts and solc only in the compile script', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        if (entry.name === 'node_modules' || entry.name.startsWith('.') || entry.name === 'data') continue;
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (/\.(ts|js|mjs)$/.test(entry.name)) {
          const text = fs.readFileSync(full, 'utf8');
          const rel = path.relative(repo, full);
          if (/from ['"]ganache['"]|import\(['"]ganache['"]\)|require\(['"]ganache['"]\)/.test(text) && rel !== 'anchor/ledger/embedded.ts') offenders.push(rel);
          if (/from ['"]solc['"]|import\(['"]solc['"]\)|require\(['"]solc['"]\)/.test(text) && rel !== 'anchor/contracts/compile.ts') offenders.push(rel);
        }
      }
    };
    walk(repo);
    expect(offenders).toEqual([]);
  });
});
