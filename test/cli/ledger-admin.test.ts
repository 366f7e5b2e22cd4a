import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnchorClient } from '../../anchor/ledger/anchor-client.ts';
import { didForAddress } from '../../anchor/ledger/did.ts';
import { createTrustedIssuersClient } from '../../anchor/ledger/trusted-issuers.ts';
import { startTestLedger, type TestLedger } from '../anchor/ledger-fixture.ts';
import { runCli } from '../support/processes.ts';

/**
 * An operator setting up a consortium on a ledger they run (here an embedded one standing in
 * for a Besu network): `govshare ledger deploy` with their own key, the LEDGER_CONTRACTS line
 * for the other hosts, admitting a new member and accrediting an issuer.
 */
let ledger: TestLedger;
let dataDir: string;
const env = (extra: Record<string, string> = {}) => ({
  GOVSHARE_DATA_DIR: dataDir,
  LEDGER_RPC_URL: ledger.current.url,
  LEDGER_CHAIN_ID: '1337',
  LEDGER_DEPLOYER_KEY: ledger.deployer.privateKey,
  GOVSHARE_LOG_LEVEL: 'warn',
  ...extra,
});
const run = async (args: string[], extra?: Record<string, string>) => {
  const cli = runCli(args, env(extra));
  const { code } = await cli.exited;
  return { code, output: cli.output() };
};

beforeAll(async () => {
  ledger = await startTestLedger();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'govshare-operator-'));
});
afterAll(async () => {
  await ledger?.cleanup();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('govshare ledger deploy / add-member / accredit', () => {
  const department = Wallet.createRandom();
  let contracts: Record<string, string>;

  it('deploys the consortium once with the operator key and prints LEDGER_CONTRACTS', async () => {
    const first = await run(['ledger', 'deploy', '--member', department.address]);
    expect(first.code).toBe(0);
    expect(first.output).toContain('deployed EthereumDIDRegistry, Anchor, TrustedIssuers, SharingAgreements');
    const line = /LEDGER_CONTRACTS=(\S+)/.exec(first.output)![1]!;
    contracts = Object.fromEntries(line.split(',').map((pair) => pair.split('=') as [string, string]));
    expect(Object.keys(contracts)).toEqual(['EthereumDIDRegistry', 'Anchor', 'TrustedIssuers', 'SharingAgreements']);
    const anchor = createAnchorClient({ rpcUrl: ledger.current.url, chainId: 1337, contract: contracts.Anchor! });
    try {
      expect(await anchor.isMember(department.address)).toBe(true);
    } finally {
      anchor.close();
    }
    const again = await run(['ledger', 'deploy', '--member', department.address]);
    expect(again.output).toContain('every contract was already deployed');
    expect(again.output).toContain(`LEDGER_CONTRACTS=${line}`);
  });

  it('admits a new member, once', async () => {
    const newcomer = Wallet.createRandom().address;
    expect((await run(['ledger', 'add-member', didForAddress(newcomer, 1337)])).output).toContain(`admitted ${newcomer}`);
    expect((await run(['ledger', 'add-member', newcomer])).output).toContain('was already a member');
  });

  it('accredits an issuer as the TrustedIssuers root, and a host given only LEDGER_CONTRACTS sees it', async () => {
    const issuer = didForAddress(department.address, 1337);
    const accredited = await run(['ledger', 'accredit', issuer, 'DegreeCredential']);
    expect(accredited.code).toBe(0);
    expect(accredited.output).toMatch(/accredited 0x[0-9a-fA-F]{40} for DegreeCredential/);
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'govshare-elsewhere-'));
    try {
      const status = await run(['ledger', 'status', '--json'], { GOVSHARE_DATA_DIR: elsewhere, LEDGER_CONTRACTS: Object.entries(contracts).map(([n, a]) => `${n}=${a}`).join(',') });
      expect(JSON.parse(status.output.slice(status.output.indexOf('{'))).contracts).toEqual(contracts);
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
    const trusted = createTrustedIssuersClient({ rpcUrl: ledger.current.url, chainId: 1337, contract: contracts.TrustedIssuers! });
    try {
      expect((await trusted.wasAccredited(issuer, 'DegreeCredential', Math.floor(Date.now() / 1000) + 5)).accredited).toBe(true);
    } finally {
      trusted.close();
    }
  });

  it('refuses without the operator key on an external ledger, and a key that is not the root', async () => {
    const noKey = await run(['ledger', 'deploy'], { LEDGER_DEPLOYER_KEY: '' });
    expect(noKey.code).toBe(1);
    expect(noKey.output).toContain('LEDGER_DEPLOYER_KEY');
    const stranger = Wallet.createRandom();
    const notRoot = await run(['ledger', 'accredit', didForAddress(stranger.address, 1337), 'DegreeCredential'], { LEDGER_DEPLOYER_KEY: stranger.privateKey });
    expect(notRoot.code).toBe(1);
    expect(notRoot.output).toMatch(/NOT_ROOT|insufficient funds|LEDGER/);
  });
});
