import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { didForAddress } from '../../anchor/ledger/did.ts';
import { connectAnchoring } from '../../anchor/log/connect-anchoring.ts';
import { createWallet, type Wallet } from '../../credentials/wallet/index.ts';
import { agencyKeyName } from '../../demo/agencies.ts';
import { startGateway, type GatewayServer } from '../../gateway/server.ts';
import { createLogger } from '../../platform/log.ts';
import { education } from '../../subgraphs/education/index.ts';
import { finance } from '../../subgraphs/finance/index.ts';
import { justice } from '../../subgraphs/justice/index.ts';
import type { Department } from '../../subgraphs/kit/department.ts';
import { startSubgraph, type SubgraphServer } from '../../subgraphs/kit/server.ts';
import { CHEAP_SCRYPT, startTestLedger, TEST_PASSPHRASE, type TestLedger } from '../anchor/ledger-fixture.ts';
import { freePort, runCli } from '../support/processes.ts';
import { testStorage, type TestStorage } from '../support/storage.ts';

/**
 * `govshare wallet consent --register`, `wallet consents` and `wallet revoke-consent` as a
 * citizen runs them (cli/commands/wallet-consent.ts): a wallet file and its passphrase in the
 * environment, the gateway named by GOVSHARE_GATEWAY_URL, real departments (anchored, so they
 * check the citizen's signatures against the ledger) behind a real gateway. The servers start
 * once; the last test stops justice, to see a department that is down reported while the
 * others are still listed.
 */
const logger = createLogger('test', 'silent');
const PASSPHRASE = 'citizen consent passphrase';
const PURPOSE = 'degree-verification';
type Listing = { holder: string; departments: ({ department: string; consents: { jti: string; status: string; revokedAt: string | null; agency: string; categories: string[] }[] } | { department: string; error: { code: string; message: string } })[] };

describe('govshare wallet consents / revoke-consent', () => {
  let ledger: TestLedger;
  let storage: TestStorage;
  let gateway: GatewayServer;
  let dir: string;
  let citizen: Wallet;
  let other: Wallet;
  let agency: string;
  let consentJti: string;
  const servers: Partial<Record<'education' | 'finance' | 'justice', SubgraphServer<unknown>>> = {};

  async function govshare(args: string[], wallet: Wallet = citizen): Promise<{ code: number | null; stdout: string; output: string }> {
    const cli = runCli(args, {
      GOVSHARE_DATA_DIR: path.join(dir, 'data'),
      GOVSHARE_WALLET: wallet.file,
      GOVSHARE_WALLET_PASSPHRASE: PASSPHRASE,
      GOVSHARE_GATEWAY_URL: gateway.url,
      GOVSHARE_PUBLIC_URL: '',
      GOVSHARE_LOG_LEVEL: 'silent',
    });
    let stdout = '';
    cli.child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const { code } = await cli.exited;
    return { code, stdout, output: cli.output() };
  }
  const listing = async (args: string[] = [], wallet?: Wallet) => {
    const run = await govshare(['wallet', 'consents', '--json', ...args], wallet);
    return { ...run, listed: JSON.parse(run.stdout) as Listing };
  };

  beforeAll(async () => {
    ledger = await startTestLedger();
    storage = testStorage('pglite');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'govshare-cli-consents-'));
    const ledgerConfig = { dataDir: ledger.dataDir, ledgerRpcUrl: ledger.current.url, ledgerChainId: 1337, ledgerPort: 0 };
    for (const [name, department] of [['education', education], ['finance', finance], ['justice', justice]] as const) {
      const server = await startSubgraph(department as Department<unknown>, { config: storage.config, port: 0, logger });
      // Anchored: the department's DID and ledger connection check the citizen's signatures.
      server.log.setAnchoring(await connectAnchoring({ config: ledgerConfig, keyName: name, logger, passphrase: TEST_PASSPHRASE, intervalMs: 3_600_000 }));
      servers[name] = server;
    }
    gateway = await startGateway({ subgraphs: { education: servers.education!.graphqlUrl, finance: servers.finance!.graphqlUrl, justice: servers.justice!.graphqlUrl }, port: 0, logger });
    const wallet = (name: string) => createWallet({ file: path.join(dir, `${name}.json`), passphrase: PASSPHRASE, chainId: 1337, scrypt: CHEAP_SCRYPT });
    [citizen, other] = [await wallet('citizen'), await wallet('other')];
    agency = didForAddress(ledger.keystore.address(agencyKeyName('human-resources')), 1337);
  }, 180_000);

  afterAll(async () => {
    await gateway?.close();
    for (const server of Object.values(servers)) await server?.close();
    await storage?.cleanup();
    await ledger?.cleanup();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lists a consent registered with `wallet consent --register` as ACTIVE, at its department only', async () => {
    const empty = await listing();
    expect(empty.code, empty.output).toBe(0);
    expect(empty.listed).toEqual({ holder: citizen.did, departments: ['education', 'finance', 'justice'].map((department) => ({ department, consents: [] })) });

    const consent = await govshare(['wallet', 'consent', '--agency', agency, '--category', 'education.degree', '--purpose', PURPOSE, '--days', '30', '--register']);
    expect(consent.code, consent.output).toBe(0);
    expect(consent.output).toMatch(/registered with education: ACTIVE/);
    consentJti = /consent (urn:govshare:consent:\S+):/.exec(consent.output)![1]!;

    const { code, listed, output } = await listing();
    expect(code, output).toBe(0);
    expect(listed.departments).toEqual([
      { department: 'education', consents: [expect.objectContaining({ jti: consentJti, status: 'ACTIVE', agency, categories: ['education.degree'], revokedAt: null })] },
      { department: 'finance', consents: [] },
      { department: 'justice', consents: [] },
    ]);
  });

  it('revokes it with `wallet revoke-consent`, after which the listing shows it REVOKED', async () => {
    const revoked = await govshare(['wallet', 'revoke-consent', consentJti, '--department', 'education']);
    expect(revoked.code, revoked.output).toBe(0);
    expect(revoked.stdout).toMatch(new RegExp(`^${consentJti} REVOKED at education since \\d{4}-\\d\\d-\\d\\dT`));

    const text = await govshare(['wallet', 'consents', '--department', 'education']);
    expect(text.code, text.output).toBe(0);
    expect(text.stdout).toContain(`holder ${citizen.did}\neducation: 1 consent\n  ${consentJti}  REVOKED\n    agency      ${agency}\n    purpose     ${PURPOSE}\n    categories  education.degree\n`);
    expect(text.stdout).toMatch(/registered {2}\S+ {3}revoked \S+/);
    // Only the department asked for.
    expect(text.stdout).not.toMatch(/^(finance|justice)/m);
  });

  it('never shows nor revokes another citizen\'s consent', async () => {
    const mine = await listing([], other);
    expect(mine.code, mine.output).toBe(0);
    expect(mine.listed.holder).toBe(other.did);
    expect(mine.listed.departments.flatMap((d) => ('consents' in d ? d.consents : []))).toEqual([]);

    // A fresh consent of the citizen, which the other wallet then tries to revoke.
    const consent = await govshare(['wallet', 'consent', '--agency', agency, '--category', 'education.results', '--purpose', PURPOSE, '--register']);
    const jti = /consent (urn:govshare:consent:\S+):/.exec(consent.output)![1]!;
    const refused = await govshare(['wallet', 'revoke-consent', jti, '--department', 'education'], other);
    expect(refused.code).toBe(1);
    expect(refused.output).toMatch(/^govshare: NOT_AUTHORIZED: /m);
    const still = await listing(['--department', 'education']);
    expect(still.listed.departments[0]).toEqual({ department: 'education', consents: [expect.objectContaining({ jti, status: 'ACTIVE' }), expect.objectContaining({ jti: consentJti, status: 'REVOKED' })] });
  });

  it('refuses a malformed id, an unknown department or consent and an unreachable gateway with stable codes', async () => {
    const badJti = await govshare(['wallet', 'revoke-consent', 'urn:govshare:consent:nope', '--department', 'education']);
    expect(badJti.code).toBe(1);
    expect(badJti.output).toMatch(/^govshare: INVALID_ARGUMENT: not a consent id/m);
    const badDepartment = await govshare(['wallet', 'consents', '--department', 'transport']);
    expect(badDepartment.code).toBe(1);
    expect(badDepartment.output).toMatch(/^govshare: INVALID_ARGUMENT: no department "transport"/m);
    const unknown = await govshare(['wallet', 'revoke-consent', `urn:govshare:consent:${'A'.repeat(43)}`, '--department', 'finance']);
    expect(unknown.code).toBe(1);
    expect(unknown.output).toMatch(/^govshare: CONSENT_NOT_FOUND: /m);
    const noGateway = await govshare(['wallet', 'consents', '--gateway', `http://127.0.0.1:${await freePort()}`]);
    expect(noGateway.code).toBe(1);
    expect(noGateway.output).toMatch(/^govshare: DEPARTMENT_UNREACHABLE: no answer from http:\/\/127\.0\.0\.1:\d+\/departments/m);
  });

  it('leaves `wallet request` finding its department the same way (the shared /departments client)', async () => {
    // The request reached education, signed for its DID: it has no records about this wallet.
    const request = await govshare(['wallet', 'request', 'DegreeCredential']);
    expect(request.code).toBe(1);
    expect(request.output).toMatch(/^govshare: NO_RECORDS: /m);
  });

  it('reports a department that is down and still lists the others (exit 1: the list is incomplete)', async () => {
    await servers.justice!.close();
    delete servers.justice;

    const { code, listed, output } = await listing();
    expect(code).toBe(1);
    expect(listed.departments.map((d) => d.department)).toEqual(['education', 'finance', 'justice']);
    expect(listed.departments[0]).toMatchObject({ department: 'education', consents: [expect.objectContaining({ status: 'ACTIVE' }), expect.objectContaining({ jti: consentJti, status: 'REVOKED' })] });
    expect(listed.departments[1]).toEqual({ department: 'finance', consents: [] });
    expect(listed.departments[2]).toEqual({ department: 'justice', error: { code: 'SUBGRAPH_UNAVAILABLE', message: expect.any(String) } });
    expect(output).toMatch(/^govshare: incomplete: justice could not be asked; the other departments are listed$/m);

    const text = await govshare(['wallet', 'consents']);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^education: 2 consents$/m);
    expect(text.stdout).toMatch(/^finance: no consents$/m);
    expect(text.stdout).toMatch(/^justice: not listed: SUBGRAPH_UNAVAILABLE: /m);
  });

  it('names a department whose DID the gateway does not know yet, and revokes nothing there', async () => {
    // A gateway that has not heard from justice since it started lists it without a DID (GET /departments).
    const stub = http.createServer((req, res) => {
      res.writeHead(req.url === '/departments' ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(req.url === '/departments' ? { departments: [{ department: 'justice', did: null }] } : {}));
    });
    await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
    try {
      const gatewayOption = ['--gateway', `http://127.0.0.1:${(stub.address() as AddressInfo).port}/graphql`];
      const { code, listed } = await listing(['--department', 'justice', ...gatewayOption]);
      expect(code).toBe(1);
      expect(listed.departments).toEqual([{ department: 'justice', error: { code: 'DEPARTMENT_UNAVAILABLE', message: expect.stringMatching(/does not know justice's DID/) } }]);
      const revoke = await govshare(['wallet', 'revoke-consent', consentJti, '--department', 'justice', ...gatewayOption]);
      expect(revoke.code).toBe(1);
      expect(revoke.output).toMatch(/^govshare: DEPARTMENT_UNAVAILABLE: .*nothing was revoked$/m);
    } finally {
      await new Promise((resolve) => stub.close(resolve));
    }
  });
});
