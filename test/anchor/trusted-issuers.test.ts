import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { Contract, Wallet, type HDNodeWallet, keccak256, parseEther, toUtf8Bytes, type Signer } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ACCREDITATIONS, ensureDemoAccreditations } from '../../anchor/ledger/accreditations.ts';
import { contractInterface } from '../../anchor/ledger/artifacts.ts';
import { contractsFile, deployedAddresses, ensureContracts, readDeployment } from '../../anchor/ledger/deploy.ts';
import { didForAddress } from '../../anchor/ledger/did.ts';
import { ensureFunded } from '../../anchor/ledger/funding.ts';
import { createProvider } from '../../anchor/ledger/rpc.ts';
import { ledgerStatus } from '../../anchor/ledger/status.ts';
import { createTrustedIssuersClient, credentialTypeId, credentialTypeName, type TrustedIssuersClient } from '../../anchor/ledger/trusted-issuers.ts';
import { startTestLedger, type TestLedger } from './ledger-fixture.ts';

let ledger: TestLedger;
const endpoint = () => ({ rpcUrl: ledger.current.url, chainId: ledger.current.chainId });
const contract = () => ledger.current.contracts.TrustedIssuers.address;
const clients: TrustedIssuersClient[] = [];
function clientFor(signer?: Signer): TrustedIssuersClient {
  const client = createTrustedIssuersClient({ ...endpoint(), contract: contract(), ...(signer && { signer }) });
  clients.push(client);
  return client;
}
const reader = () => clientFor();
const root = () => clientFor(ledger.deployer);

async function chainTime(): Promise<number> {
  const provider = createProvider(endpoint());
  try {
    return (await provider.getBlock('latest'))!.timestamp;
  } finally {
    provider.destroy();
  }
}

async function fundedWallet(): Promise<HDNodeWallet> {
  const wallet = Wallet.createRandom();
  const provider = createProvider(endpoint());
  await ensureFunded({ provider, endpoint: endpoint(), funder: ledger.deployer, accounts: [wallet.address], topUp: parseEther('1'), minBalance: parseEther('1') });
  provider.destroy();
  return wallet;
}

beforeAll(async () => {
  ledger = await startTestLedger();
});
afterAll(async () => {
  clients.forEach((c) => c.close());
  await ledger?.cleanup();
});

describe('TrustedIssuers', () => {
  it('has a fresh, paris-targeted artifact built by npm run compile:contracts', () => {
    const repo = path.resolve(import.meta.dirname, '../..');
    const artifact = JSON.parse(fs.readFileSync(path.join(repo, 'anchor/contracts/artifacts/TrustedIssuers.json'), 'utf8'));
    const source = fs.readFileSync(path.join(repo, 'anchor/contracts/TrustedIssuers.sol'), 'utf8');
    expect(artifact.sourceSha256).toBe(createHash('sha256').update(source).digest('hex'));
    expect(artifact.compiler.version).toMatch(/^0\.8\.37\+/);
    expect(artifact.compiler.settings.evmVersion).toBe('paris');
    expect(artifact.bytecode).toMatch(/^0x[0-9a-f]+$/);
  });

  it('is deployed with the other contracts, rooted at the deployer, and listed by ledger status', async () => {
    expect(deployedAddresses(ledger.dataDir, 1337).TrustedIssuers).toBe(contract());
    expect(readDeployment(ledger.dataDir, 1337)?.ready).toBe(true);
    expect(await reader().root()).toBe(ledger.deployer.address);
    const status = await ledgerStatus({ ...endpoint(), dataDir: ledger.dataDir });
    expect(status.reachable).toBe(true);
    expect(Object.keys(status.contracts).sort()).toEqual(['Anchor', 'EthereumDIDRegistry', 'SharingAgreements', 'TrustedIssuers']);
    expect(status.contracts.TrustedIssuers).toBe(contract());
    expect(status.deployedAt.TrustedIssuers).toBe(ledger.current.contracts.TrustedIssuers.blockNumber);
  });

  it('has the demo departments accredited for their credential types from the deployment block on', async () => {
    const provider = createProvider(endpoint());
    const deployedAt = (await provider.getBlock(ledger.current.contracts.TrustedIssuers.blockNumber))!.timestamp;
    provider.destroy();
    const now = await chainTime();
    const client = reader();
    expect(await client.accreditationCount()).toBe(5);
    for (const [department, types] of Object.entries(DEMO_ACCREDITATIONS)) {
      const did = didForAddress(ledger.keystore.address(department), 1337);
      const held = await client.accreditations(did);
      expect(held.map((a) => a.credentialTypeName)).toEqual(types);
      for (const entry of held) {
        expect(entry).toMatchObject({ issuer: ledger.keystore.address(department), validFrom: deployedAt, validUntil: null, endedAt: null, effectiveUntil: null, accreditedBy: ledger.deployer.address });
        expect(await client.wasAccredited(did, entry.credentialTypeName!, now)).toEqual({ accredited: true, index: entry.index });
        expect((await client.wasAccredited(did, entry.credentialTypeName!, deployedAt - 1)).accredited).toBe(false);
      }
    }
    // Only for their own types; the gateway for none.
    expect((await client.wasAccredited(ledger.keystore.address('finance'), 'DegreeCredential', now)).accredited).toBe(false);
    expect((await client.wasAccredited(ledger.keystore.address('education'), 'TaxClearanceCredential', now)).accredited).toBe(false);
    expect(await client.accreditations(ledger.keystore.address('gateway'))).toEqual([]);
  });

  it('accredits an issuer for a window [validFrom, validUntil) and answers inside and outside it', async () => {
    const issuer = Wallet.createRandom().address;
    const did = didForAddress(issuer, 1337);
    const t = await chainTime();
    const countBefore = await reader().accreditationCount();
    const granted = await root().accredit({ issuer: did, credentialType: 'DegreeCredential', validFrom: t + 100, validUntil: t + 200 });
    expect(granted).toMatchObject({ index: countBefore, issuer, credentialType: credentialTypeId('DegreeCredential'), credentialTypeName: 'DegreeCredential', validFrom: t + 100, validUntil: t + 200, effectiveUntil: t + 200, endedAt: null });
    expect(granted.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(granted.recordedAt).toBeGreaterThanOrEqual(t);

    const client = reader();
    expect(await client.accreditationCount()).toBe(countBefore + 1);
    expect(await client.accreditationAt(granted.index)).toMatchObject({ issuer, validFrom: t + 100, validUntil: t + 200 });
    const at = async (s: number) => (await client.wasAccredited(did, 'DegreeCredential', s)).accredited;
    expect([await at(t + 99), await at(t + 100), await at(t + 199), await at(t + 200)]).toEqual([false, true, true, false]);
    // An address answers like its DID; another type is not covered.
    expect(await client.wasAccredited(issuer.toLowerCase(), 'DegreeCredential', t + 150)).toEqual({ accredited: true, index: granted.index });
    expect((await client.wasAccredited(did, 'TranscriptCredential', t + 150)).accredited).toBe(false);

    // validFrom defaults to the chain time of the accreditation; long type names go by a bytes32 id.
    const longType = keccak256(toUtf8Bytes('https://example.gov/credentials/v1#SomeVeryLongCredentialTypeName'));
    const open = await root().accredit({ issuer, credentialType: longType });
    expect(open.validFrom).toBe(open.recordedAt);
    expect(open).toMatchObject({ credentialType: longType, credentialTypeName: null, validUntil: null });
    expect((await client.wasAccredited(issuer, longType, open.recordedAt + 10 ** 9)).accredited).toBe(true);
    expect((await client.accreditations(issuer)).map((a) => a.index)).toEqual([granted.index, open.index]);
  });

  it('ends an accreditation early, keeping its history: times before the end still count', async () => {
    const issuer = Wallet.createRandom().address;
    const client = reader();
    const t = await chainTime();
    // Back-dated (the root may do that; recordedAt shows it) and open-ended.
    const granted = await root().accredit({ issuer, credentialType: 'TaxClearanceCredential', validFrom: t - 1000 });
    expect(granted.recordedAt).toBeGreaterThan(granted.validFrom);

    // Never retroactively.
    await expect(root().endAccreditation(granted.index, t - 10)).rejects.toMatchObject({ code: 'ACCREDITATION_END_RETROACTIVE' });

    // A scheduled end, then ending now (earlier) is allowed; the entry keeps its granted period.
    const scheduled = await root().endAccreditation(granted.index, t + 10_000);
    expect(scheduled).toMatchObject({ endedAt: t + 10_000, effectiveUntil: t + 10_000, validUntil: null });
    await expect(root().endAccreditation(granted.index, t + 20_000)).rejects.toMatchObject({ code: 'ACCREDITATION_ALREADY_ENDED' });
    const ended = await root().endAccreditation(granted.index);
    const end = ended.endedAt!;
    expect(end).toBeGreaterThanOrEqual(t);
    expect(end).toBeLessThan(t + 10_000);
    expect(ended).toMatchObject({ index: granted.index, validFrom: t - 1000, validUntil: null, effectiveUntil: end });

    expect(await client.wasAccredited(issuer, 'TaxClearanceCredential', end - 1)).toEqual({ accredited: true, index: granted.index });
    expect(await client.wasAccredited(issuer, 'TaxClearanceCredential', t - 1000)).toEqual({ accredited: true, index: granted.index });
    expect((await client.wasAccredited(issuer, 'TaxClearanceCredential', end)).accredited).toBe(false);
    expect((await client.wasAccredited(issuer, 'TaxClearanceCredential', end + 5000)).accredited).toBe(false);
    await expect(root().endAccreditation(granted.index)).rejects.toMatchObject({ code: 'ACCREDITATION_ALREADY_ENDED' });

    // Accredited again later: a new entry; the old one is untouched and still answers for its time.
    const again = await root().accredit({ issuer, credentialType: 'TaxClearanceCredential', validFrom: end + 100 });
    expect(again.index).toBeGreaterThan(granted.index);
    expect(await client.wasAccredited(issuer, 'TaxClearanceCredential', end - 1)).toEqual({ accredited: true, index: granted.index });
    expect((await client.wasAccredited(issuer, 'TaxClearanceCredential', end + 50)).accredited).toBe(false);
    expect(await client.wasAccredited(issuer, 'TaxClearanceCredential', end + 100)).toEqual({ accredited: true, index: again.index });
    expect((await client.accreditations(issuer)).map((a) => [a.index, a.endedAt])).toEqual([
      [granted.index, end],
      [again.index, null],
    ]);
  });

  it('refuses anyone but the root, and hands the root over', async () => {
    const issuer = Wallet.createRandom().address;
    const education = clientFor(await ledger.keystore.loadKey('education'));
    await expect(education.accredit({ issuer, credentialType: 'DegreeCredential' })).rejects.toMatchObject({
      code: 'NOT_ROOT',
      detail: expect.objectContaining({ root: ledger.deployer.address }),
    });
    // Not even for itself, and it cannot end its rivals' accreditations.
    await expect(education.accredit({ issuer: ledger.keystore.address('education'), credentialType: 'TaxClearanceCredential' })).rejects.toMatchObject({ code: 'NOT_ROOT' });
    await expect(education.endAccreditation(0)).rejects.toMatchObject({ code: 'NOT_ROOT' });
    await expect(education.transferRoot(issuer)).rejects.toMatchObject({ code: 'NOT_ROOT' });
    await expect(reader().accredit({ issuer, credentialType: 'DegreeCredential' })).rejects.toMatchObject({ code: 'SIGNER_REQUIRED' });

    const newRoot = await fundedWallet();
    await root().transferRoot(newRoot.address);
    expect(await reader().root()).toBe(newRoot.address);
    await expect(root().accredit({ issuer, credentialType: 'DegreeCredential' })).rejects.toMatchObject({ code: 'NOT_ROOT' });
    const granted = await clientFor(newRoot).accredit({ issuer, credentialType: 'DegreeCredential' });
    expect(granted.accreditedBy).toBe(newRoot.address);
    await clientFor(newRoot).transferRoot(ledger.deployer.address);
    expect(await reader().root()).toBe(ledger.deployer.address);
  });

  it('refuses bad input with stable codes before sending anything', async () => {
    const client = root();
    const t = await chainTime();
    const issuer = Wallet.createRandom().address;
    await expect(client.accredit({ issuer, credentialType: 'DegreeCredential', validFrom: t + 10, validUntil: t + 10 })).rejects.toMatchObject({ code: 'ACCREDITATION_PERIOD_INVALID' });
    await expect(client.accredit({ issuer, credentialType: 'DegreeCredential', validFrom: -1 })).rejects.toMatchObject({ code: 'ACCREDITATION_PERIOD_INVALID' });
    // validUntil already past the chain's "now" default for validFrom: the contract refuses.
    await expect(client.accredit({ issuer, credentialType: 'DegreeCredential', validUntil: 5 })).rejects.toMatchObject({ code: 'ACCREDITATION_PERIOD_INVALID' });
    await expect(client.accredit({ issuer: 'not-an-address', credentialType: 'DegreeCredential' })).rejects.toMatchObject({ code: 'ISSUER_INVALID' });
    await expect(client.accredit({ issuer: '0x0000000000000000000000000000000000000000', credentialType: 'DegreeCredential' })).rejects.toMatchObject({ code: 'ISSUER_INVALID' });
    await expect(client.accredit({ issuer, credentialType: 'x'.repeat(32) })).rejects.toMatchObject({ code: 'CREDENTIAL_TYPE_INVALID' });
    await expect(client.wasAccredited(`did:ethr:0x1:${issuer.toLowerCase()}`, 'DegreeCredential', t)).rejects.toMatchObject({ code: 'DID_UNKNOWN_NETWORK' });
    await expect(client.wasAccredited(`did:ethr:${issuer}`, 'DegreeCredential', t)).rejects.toMatchObject({ code: 'DID_UNKNOWN_NETWORK' });
    await expect(client.wasAccredited(issuer, 'DegreeCredential', 1.5)).rejects.toMatchObject({ code: 'TIME_INVALID' });
    await expect(client.accreditationAt(10_000)).rejects.toMatchObject({ code: 'ACCREDITATION_NOT_FOUND' });
    await expect(client.endAccreditation(10_000)).rejects.toMatchObject({ code: 'ACCREDITATION_NOT_FOUND' });
    expect(credentialTypeName(credentialTypeId('NoCriminalRecordCredential'))).toBe('NoCriminalRecordCredential');
  });

  it('answers a plain ethers call (any verifier can ask)', async () => {
    const provider = createProvider(endpoint());
    const registry = new Contract(contract(), contractInterface('TrustedIssuers'), provider);
    const [accredited, index] = await registry.getFunction('wasAccredited').staticCall(ledger.keystore.address('justice'), credentialTypeId('EvidenceReceiptCredential'), await chainTime());
    expect(accredited).toBe(true);
    expect((await reader().accreditationAt(Number(index))).credentialTypeName).toBe('EvidenceReceiptCredential');
    provider.destroy();
  });

  it('keeps the contract and its history across a restart: no redeployment, no demo accreditation granted twice or restored', async () => {
    // The root ends finance's demo accreditation on purpose; a restart must not grant it again.
    const finance = ledger.keystore.address('finance');
    const [taxClearance] = await reader().accreditations(finance);
    const ended = await root().endAccreditation(taxClearance!.index);
    const count = await reader().accreditationCount();
    const before = ledger.current.contracts.TrustedIssuers.address;

    await ledger.stop();
    const restarted = await ledger.restart();
    expect(restarted.fresh).toBe(false);
    expect(restarted.contracts.TrustedIssuers.address).toBe(before);
    expect(await reader().accreditationCount()).toBe(count);
    expect((await reader().wasAccredited(finance, 'TaxClearanceCredential', ended.endedAt! + 1)).accredited).toBe(false);
    // Its history still answers for the time before the end (when any second of it elapsed).
    expect((await reader().wasAccredited(finance, 'TaxClearanceCredential', ended.endedAt! - 1)).accredited).toBe(ended.endedAt! > taxClearance!.validFrom);

    const again = await ensureContracts({ ...endpoint(), deployer: ledger.deployer, dataDir: ledger.dataDir, members: ledger.keystore.list().map((n) => ledger.keystore.address(n)) });
    expect(again.deployed).toEqual([]);
    expect(again.contracts.TrustedIssuers.address).toBe(before);
    const issuers = Object.fromEntries(ledger.keystore.list().map((n) => [n, ledger.keystore.address(n)]));
    expect(await ensureDemoAccreditations({ ...endpoint(), contract: again.contracts.TrustedIssuers, root: ledger.deployer, issuers })).toEqual([]);
    expect(await reader().accreditationCount()).toBe(count);
  });

  it('deploys TrustedIssuers alone into a data dir recorded before it existed, and accredits there', async () => {
    const other = fs.mkdtempSync(path.join(path.dirname(ledger.dataDir), 'govshare-ledger-upgrade-'));
    try {
      const current = readDeployment(ledger.dataDir, 1337)!;
      const { TrustedIssuers: _, ...older } = current.contracts;
      fs.mkdirSync(path.dirname(contractsFile(other)), { recursive: true });
      fs.writeFileSync(contractsFile(other), JSON.stringify({ format: 'govshare-contracts/1', chains: { '1337': { ...current, contracts: older, ready: true } } }));
      const issuers = { education: ledger.keystore.address('education') };
      const result = await ensureContracts({
        ...endpoint(),
        deployer: ledger.deployer,
        dataDir: other,
        members: [],
        fundMembers: false,
        beforeReady: async (contracts) => {
          // Not marked ready until the accreditations are in.
          expect(readDeployment(other, 1337)?.ready).toBe(false);
          await ensureDemoAccreditations({ ...endpoint(), contract: contracts.TrustedIssuers, root: ledger.deployer, issuers });
        },
      });
      expect(result.deployed).toEqual(['TrustedIssuers']);
      expect(result.contracts.Anchor.address).toBe(current.contracts.Anchor!.address);
      expect(readDeployment(other, 1337)?.ready).toBe(true);
      const fresh = createTrustedIssuersClient({ ...endpoint(), contract: result.contracts.TrustedIssuers.address });
      clients.push(fresh);
      expect((await fresh.accreditations(issuers.education)).map((a) => a.credentialTypeName)).toEqual(['DegreeCredential', 'TranscriptCredential']);
      expect(await fresh.accreditationCount()).toBe(2);
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });

  it('reports LEDGER_UNAVAILABLE when the RPC is down (never "not accredited")', async () => {
    const client = reader();
    const writer = root();
    await ledger.stop();
    await expect(client.wasAccredited(ledger.keystore.address('education'), 'DegreeCredential', 1)).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
    await expect(writer.accredit({ issuer: Wallet.createRandom().address, credentialType: 'DegreeCredential' })).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
  });
});
