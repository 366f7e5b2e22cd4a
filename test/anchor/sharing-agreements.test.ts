import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { Wallet, parseEther, type HDNodeWallet, type Signer } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { didForAddress } from '../../anchor/ledger/did.ts';
import { ensureFunded } from '../../anchor/ledger/funding.ts';
import { createProvider } from '../../anchor/ledger/rpc.ts';
import {
  createSharingAgreementsClient,
  isAgreementActive,
  termsDigest,
  type ProposeInput,
  type SharingAgreementsClient,
} from '../../anchor/ledger/sharing-agreements.ts';
import { DEMO_AGREEMENTS, ensureDemoAgreements } from '../../anchor/ledger/demo-agreements.ts';
import { agencyKeyName } from '../../demo/agencies.ts';
import { CATEGORIES } from '../../gateway/access/categories.ts';
import { startTestLedger, type TestLedger } from './ledger-fixture.ts';

/**
 * The agreement life cycle on a real EVM: only a consortium member (a department) proposes,
 * only the named consumer accepts, either party terminates (final), and every change moves
 * `version` so a gateway polling one slot sees it.
 */
let ledger: TestLedger;
let agency: HDNodeWallet;
let stranger: HDNodeWallet;
const clients: SharingAgreementsClient[] = [];
const endpoint = () => ({ rpcUrl: ledger.current.url, chainId: ledger.current.chainId });
function clientFor(signer?: Signer): SharingAgreementsClient {
  const client = createSharingAgreementsClient({ ...endpoint(), contract: ledger.current.contracts.SharingAgreements.address, ...(signer && { signer }) });
  clients.push(client);
  return client;
}
async function chainTime(): Promise<number> {
  const provider = createProvider(endpoint());
  try {
    return (await provider.getBlock('latest'))!.timestamp;
  } finally {
    provider.destroy();
  }
}

beforeAll(async () => {
  ledger = await startTestLedger();
  [agency, stranger] = [Wallet.createRandom(), Wallet.createRandom()];
  const provider = createProvider(endpoint());
  await ensureFunded({ provider, endpoint: endpoint(), funder: ledger.deployer, accounts: [agency.address, stranger.address], topUp: parseEther('1'), minBalance: parseEther('1') });
  provider.destroy();
});
afterAll(async () => {
  clients.forEach((c) => c.close());
  await ledger?.cleanup();
});

const proposal = async (overrides: Partial<ProposeInput> = {}): Promise<ProposeInput> => {
  const now = await chainTime();
  return {
    consumer: didForAddress(agency.address, 1337),
    categories: ['education.degree', 'education.results'],
    purposes: ['degree-verification'],
    legalBasis: 'consent',
    validFrom: now - 10,
    validUntil: now + 3600,
    terms: 'The Human Resources Bureau may read degrees to verify job applications, with the applicant\'s consent.',
    ...overrides,
  };
};

describe('SharingAgreements', () => {
  it('has a fresh artifact built by npm run compile:contracts', () => {
    const repo = path.resolve(import.meta.dirname, '../..');
    const artifact = JSON.parse(fs.readFileSync(path.join(repo, 'anchor/contracts/artifacts/SharingAgreements.json'), 'utf8'));
    const source = fs.readFileSync(path.join(repo, 'anchor/contracts/SharingAgreements.sol'), 'utf8');
    expect(artifact.sourceSha256).toBe(createHash('sha256').update(source).digest('hex'));
    expect(artifact.compiler.settings.evmVersion).toBe('paris');
  });

  it('is proposed by the department, active only once the consumer accepts, ended by either party', async () => {
    const education = clientFor(await ledger.keystore.loadKey('education'));
    const consumer = clientFor(agency);
    const reader = clientFor();
    const before = await reader.version();

    const input = await proposal();
    const proposed = await education.propose(input);
    expect(proposed).toMatchObject({
      provider: ledger.keystore.address('education'),
      consumer: agency.address,
      state: 'PROPOSED',
      legalBasis: 'consent',
      categories: ['education.degree', 'education.results'],
      purposes: ['degree-verification'],
      termsDigest: termsDigest(input.terms),
      acceptedAt: null,
    });
    expect(await reader.version()).toBe(before + 1);
    expect(isAgreementActive(proposed, await chainTime())).toBe(false);

    const accepted = await consumer.accept(proposed.id);
    expect(accepted.state).toBe('ACTIVE');
    expect(accepted.acceptedAt).toBeGreaterThan(0);
    expect(isAgreementActive(accepted, await chainTime())).toBe(true);
    expect(await reader.version()).toBe(before + 2);
    await expect(consumer.accept(proposed.id)).rejects.toMatchObject({ code: 'AGREEMENT_WRONG_STATE' });

    const ended = await consumer.terminate(proposed.id);
    expect(ended).toMatchObject({ state: 'TERMINATED', terminatedBy: agency.address });
    expect(isAgreementActive(ended, await chainTime())).toBe(false);
    await expect(education.terminate(proposed.id)).rejects.toMatchObject({ code: 'AGREEMENT_WRONG_STATE' });
    expect((await reader.agreementsOfConsumer(agency.address)).map((a) => a.id)).toContain(proposed.id);
    expect(await reader.version()).toBe(before + 3);
  });

  it('lets the provider terminate too, and keeps the window', async () => {
    const education = clientFor(await ledger.keystore.loadKey('education'));
    const now = await chainTime();
    const future = await education.propose(await proposal({ legalBasis: 'statute', validFrom: now + 3600, validUntil: now + 7200 }));
    const accepted = await clientFor(agency).accept(future.id);
    expect(isAgreementActive(accepted, now)).toBe(false); // not yet inside its window
    expect(isAgreementActive(accepted, now + 3600)).toBe(true);
    expect(isAgreementActive(accepted, now + 7200)).toBe(false); // validUntil is exclusive
    expect((await education.terminate(future.id)).terminatedBy).toBe(ledger.keystore.address('education'));
  });

  it('is set up on the embedded ledger with the demo agreements, once', async () => {
    const reader = clientFor();
    const all = await reader.all();
    const audit = all.filter((a) => a.consumer === ledger.keystore.address(agencyKeyName('audit-office')));
    expect(audit).toHaveLength(3);
    expect(audit.every((a) => a.state === 'ACTIVE' && a.legalBasis === 'statute' && a.purposes.join() === 'audit')).toBe(true);
    // audit-office may read every category there is, and every demo category is a real one.
    expect(new Set(audit.flatMap((a) => a.categories))).toEqual(new Set(Object.keys(CATEGORIES)));
    for (const agreement of DEMO_AGREEMENTS) for (const category of agreement.categories) expect(Object.keys(CATEGORIES)).toContain(category);
    const again = await ensureDemoAgreements({
      ...endpoint(),
      contract: ledger.current.contracts.SharingAgreements,
      keystore: ledger.keystore,
      funder: ledger.deployer,
      agencyKeyName,
    });
    expect(again).toEqual([]);
    expect(await reader.count()).toBe(all.length);
  });

  it.each([
    ['a non-member proposes', 'NOT_CONSORTIUM_MEMBER', async () => clientFor(stranger).propose(await proposal())],
    ['no categories', 'AGREEMENT_INVALID', async () => clientFor(await ledger.keystore.loadKey('education')).propose(await proposal({ categories: [] }))],
    ['an empty window', 'AGREEMENT_INVALID', async () => clientFor(await ledger.keystore.loadKey('education')).propose(await proposal({ validUntil: 5, validFrom: 5 }))],
    ['a malformed category', 'AGREEMENT_INVALID', async () => clientFor(await ledger.keystore.loadKey('education')).propose(await proposal({ categories: ['Education Degree'] }))],
    ['an unknown id', 'AGREEMENT_NOT_FOUND', async () => clientFor().agreementAt(10_000)],
  ])('refuses %s with %s', async (_name, code, act) => {
    await expect(act()).rejects.toMatchObject({ code });
  });

  it('refuses acceptance by anyone but the consumer and termination by a third party', async () => {
    const proposed = await clientFor(await ledger.keystore.loadKey('education')).propose(await proposal());
    await expect(clientFor(stranger).accept(proposed.id)).rejects.toMatchObject({ code: 'NOT_AGREEMENT_CONSUMER' });
    await expect(clientFor(stranger).terminate(proposed.id)).rejects.toMatchObject({ code: 'NOT_AGREEMENT_PARTY' });
    expect((await clientFor().agreementAt(proposed.id)).state).toBe('PROPOSED');
  });
});
