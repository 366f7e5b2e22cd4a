import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSPHRASE, openKeystore } from '../../anchor/keys/keystore.ts';
import { didForAddress } from '../../anchor/ledger/did.ts';
import { agencyKeyName } from '../../demo/agencies.ts';
import { demoCitizens } from '../../demo/citizens.ts';
import { createAgencyToken } from '../../gateway/auth/agency-token.ts';
import { gql } from '../support/graphql.ts';
import { freePort, isPortFree, runCli, type CliProcess } from '../support/processes.ts';

/**
 * `npm start` as a user runs it: first start seeds and serves the federation,
 * Ctrl-C stops every component, a second start reuses the data without
 * seeding again. Uses the fixed department ports 4101-4103.
 */
// A first start seeds, creates every key and sets up the ledger: minutes on a loaded 2-core machine.
describe('govshare up', () => {
  let dataDir: string;
  let gatewayPort: number;
  let ledgerPort: number;
  let running: CliProcess | undefined;

  beforeAll(async () => {
    for (const port of [4101, 4102, 4103]) {
      if (!(await isPortFree(port))) throw new Error(`port ${port} is in use: stop the running govshare before the tests`);
    }
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'govshare-up-'));
    gatewayPort = await freePort();
    ledgerPort = await freePort();
  });

  afterAll(async () => {
    if (running && running.child.exitCode === null) {
      running.child.kill('SIGKILL');
      await running.exited;
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  // NODE_ENV as a user's shell has it, not vitest's 'test': Apollo Server behaves differently
  // under 'test' (it leaves SIGTERM alone), and every component must still stop cleanly.
  const env = () => ({ GOVSHARE_DATA_DIR: dataDir, GATEWAY_PORT: String(gatewayPort), LEDGER_PORT: String(ledgerPort), GOVSHARE_LOG_LEVEL: 'warn', GOVSHARE_CHECKPOINT_SECONDS: '1', NODE_ENV: 'production' });
  /** Starts `up`, first taking down one a failed test may have left running. */
  const start = async () => {
    if (running && running.child.exitCode === null) {
      running.child.kill('SIGKILL');
      await running.exited;
      for (let i = 0; i < 60 && !(await Promise.all([4101, 4102, 4103, gatewayPort, ledgerPort].map(isPortFree))).every(Boolean); i++) await new Promise((r) => setTimeout(r, 250));
    }
    return runCli(['up', '--citizens', '4'], env());
  };
  const gateway = () => `http://127.0.0.1:${gatewayPort}/graphql`;
  /** A fresh bearer token of the demo audit office (statutory access to every category for `audit`). */
  const auditOffice = async () => {
    const keystore = openKeystore({ dataDir, passphrase: DEMO_PASSPHRASE });
    const key = await keystore.loadKey(agencyKeyName('audit-office'));
    const token = await createAgencyToken({ agencyDid: didForAddress(key.address, 1337), privateKey: key.privateKey, gatewayDid: didForAddress(keystore.address('gateway'), 1337), purpose: 'audit' });
    return { authorization: `Bearer ${token}` };
  };
  const JOINED = '{ citizens(first: 100) { edges { node { did name degrees { title } } } } payments(first: 100) { edges { node { id } } } }';
  const snapshot = async () => {
    const response = await gql(gateway(), JOINED, undefined, await auditOffice());
    expect(response.errors).toBeUndefined();
    return response.data!;
  };

  async function stop(process: CliProcess) {
    process.child.kill('SIGINT');
    const { code } = await process.exited;
    expect(code).toBe(0);
    for (const port of [4101, 4102, 4103, gatewayPort, ledgerPort]) expect(await isPortFree(port)).toBe(true);
  }

  it('seeds on first start, serves the joined graph and stops cleanly on Ctrl-C', async () => {
    running = await start();
    await running.waitFor(/govshare is up\./, 180_000);
    expect(running.output()).toMatch(/seeding demo data/);
    expect(running.output()).toContain(`http://127.0.0.1:${gatewayPort}/graphql`);
    const citizens = demoCitizens(4);
    for (const c of citizens) expect(running.output()).toContain(c.did);

    const data = await snapshot();
    expect(data.citizens.edges.map((e: { node: { did: string } }) => e.node.did).sort()).toEqual(citizens.map((c) => c.did).sort());
    expect(data.payments.edges.length).toBeGreaterThan(0);
    fs.writeFileSync(path.join(dataDir, 'first.json'), JSON.stringify(data));
    // Policy is on under npm start: an anonymous caller gets the public payments, not the register.
    const anonymous = await gql(gateway(), JOINED);
    expect(anonymous.data).toMatchObject({ citizens: null, payments: { edges: data.payments.edges } });
    expect(anonymous.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHORIZED_FIELD']);

    // Every department's seeded records, and the audit entries of the requests above, reach the ledger.
    let status: { reachable: boolean; contracts: Record<string, string>; checkpoints: { logName: string; treeSize: number }[] } | undefined;
    for (let i = 0; i < 60; i++) {
      const cli = runCli(['ledger', 'status', '--json'], env());
      await cli.exited;
      status = JSON.parse(cli.output().slice(cli.output().indexOf('{')));
      if (['education', 'finance', 'justice', 'gateway-audit'].every((d) => status!.checkpoints.some((c) => c.logName === d && c.treeSize > 0))) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(status!.reachable).toBe(true);
    expect(Object.keys(status!.contracts).sort()).toEqual(['Anchor', 'EthereumDIDRegistry', 'SharingAgreements', 'TrustedIssuers']);
    // The departments' logs, and the gateway's audit trail of the requests above.
    expect(status!.checkpoints.map((c) => c.logName).sort()).toEqual(['education', 'finance', 'gateway-audit', 'justice']);

    // A demo agency's token works once, then is refused as a replay.
    const tokenCli = runCli(['agency', 'token', 'civil-affairs'], env());
    expect((await tokenCli.exited).code).toBe(0);
    const bearer = `Bearer ${tokenCli.output().trim().split('\n').at(-1)}`;
    const first = await gql(gateway(), '{ citizens(first: 1) { edges { node { did } } } }', undefined, { authorization: bearer });
    expect(first.errors).toBeUndefined();
    const replay = await gql(gateway(), '{ citizens(first: 1) { edges { node { did } } } }', undefined, { authorization: bearer });
    expect(replay.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'NONCE_REPLAYED' });
    await stop(running);
  }, 300_000);

  it('reuses the stored data on the second start without seeding again', async () => {
    running = await start();
    await running.waitFor(/govshare is up\./, 180_000);
    expect(running.output()).not.toMatch(/seeding/);
    const before = JSON.parse(fs.readFileSync(path.join(dataDir, 'first.json'), 'utf8'));
    expect(await snapshot()).toEqual(before);
    await stop(running);
  }, 300_000);

  it('takes every component down with it when the supervisor itself is killed', async () => {
    running = await start();
    await running.waitFor(/govshare is up\./, 180_000);
    running.child.kill('SIGKILL');
    await running.exited;
    // No orphans: each child sees its IPC channel close and stops.
    let free = false;
    for (let i = 0; i < 60 && !free; i++) {
      free = (await Promise.all([4101, 4102, 4103, gatewayPort, ledgerPort].map(isPortFree))).every(Boolean);
      if (!free) await new Promise((r) => setTimeout(r, 250));
    }
    expect(free).toBe(true);
  }, 300_000);
});
