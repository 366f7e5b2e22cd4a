import { decodeJWT } from 'did-jwt';
import { Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { didForAddress } from '../../anchor/ledger/did.ts';
import { connectAnchoring } from '../../anchor/log/connect-anchoring.ts';
import { issueCommand } from '../../cli/commands/issue.ts';
import type { CredentialProofAnswer } from '../../credentials/proof/credential-proof.ts';
import { requestCredential } from '../../credentials/request/request-credential.ts';
import { startGateway, type GatewayServer } from '../../gateway/server.ts';
import { createLogger } from '../../platform/log.ts';
import { education } from '../../subgraphs/education/index.ts';
import type { EducationStore } from '../../subgraphs/education/store.ts';
import { finance } from '../../subgraphs/finance/index.ts';
import type { FinanceStore } from '../../subgraphs/finance/store.ts';
import { justice } from '../../subgraphs/justice/index.ts';
import type { JusticeStore } from '../../subgraphs/justice/store.ts';
import { startSubgraph, type SubgraphServer } from '../../subgraphs/kit/server.ts';
import { startTestLedger, TEST_PASSPHRASE, type TestLedger } from '../anchor/ledger-fixture.ts';
import { testStorage, type TestStorage } from '../support/storage.ts';
import { freePort, runCli } from '../support/processes.ts';
import { openDatabase } from '../../store/open.ts';
import { signRequest } from '../../credentials/request/sign-request.ts';
import { createLedgerTrust, createVerifier, httpProofSource, httpStatusListSource } from '../../credentials/verify/index.ts';

/**
 * `govshare issue` (cli/commands/issue.ts) as an operator runs it: the officer key of the
 * department accredited for the type, from the keystore under the data dir, through the
 * gateway, which composes the departments' credential mutations at start and publishes their
 * status lists and proofs under its own URL.
 */
const logger = createLogger('test', 'silent');
const did = () => didForAddress(Wallet.createRandom().address, 1337);

describe('govshare issue', () => {
  let ledger: TestLedger;
  let storage: TestStorage;
  let gateway: GatewayServer;
  const servers = {} as { education: SubgraphServer<EducationStore>; finance: SubgraphServer<FinanceStore>; justice: SubgraphServer<JusticeStore> };
  const savedEnv = { ...process.env };
  const graduate = did();

  /** Runs the command in this process, returning what it printed on stdout and stderr. */
  async function run(type: string, options: Parameters<typeof issueCommand>[1]): Promise<{ stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
    try {
      await issueCommand(type, options);
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
    return { stdout, stderr };
  }

  beforeAll(async () => {
    ledger = await startTestLedger();
    storage = testStorage('pglite');
    // The gateway's port is chosen first: credentials name their status lists under its URL.
    const gatewayPort = await freePort();
    const config = { ...storage.config, publicUrl: `http://127.0.0.1:${gatewayPort}` };
    for (const [name, department] of [['education', education], ['finance', finance], ['justice', justice]] as const) {
      (servers as Record<string, SubgraphServer<unknown>>)[name] = await startSubgraph(department as never, { config, port: 0, logger });
      servers[name].log.setAnchoring(
        await connectAnchoring({ config: { dataDir: ledger.dataDir, ledgerRpcUrl: ledger.current.url, ledgerChainId: 1337, ledgerPort: 0 }, keyName: name, logger, passphrase: TEST_PASSPHRASE, intervalMs: 100 }),
      );
    }
    const institution = await servers.education.store.registerInstitution({ name: 'Lake College', code: 'LC9001', kind: 'COLLEGE', city: 'Wuhan', country: 'CN' });
    const enrolment = await servers.education.store.enrolStudent({ studentDid: graduate, institutionId: institution.id, programme: 'Nursing', level: 'DIPLOMA', startDate: '2021-09-01' });
    await servers.education.store.awardDegree({ holderDid: graduate, institutionId: institution.id, enrolmentId: enrolment.id, title: 'Diploma in Nursing', field: 'Nursing', awardedOn: '2024-06-30' });

    gateway = await startGateway({ subgraphs: { education: servers.education.graphqlUrl, finance: servers.finance.graphqlUrl, justice: servers.justice.graphqlUrl }, port: gatewayPort, logger });
    // What `govshare` reads from the environment: the data dir holding the keystore, its passphrase, the gateway's port.
    Object.assign(process.env, { GOVSHARE_DATA_DIR: ledger.dataDir, GOVSHARE_KEYSTORE_PASSPHRASE: TEST_PASSPHRASE, GATEWAY_PORT: String(gateway.port) });
  }, 180_000);

  let stopped = false;
  async function stopServers() {
    if (stopped) return;
    stopped = true;
    await gateway?.close();
    for (const server of Object.values(servers)) await server?.close();
  }

  afterAll(async () => {
    process.env = savedEnv;
    await stopServers();
    await storage?.cleanup();
    await ledger?.cleanup();
  });

  it('issues through the gateway as the accredited department\'s officer, with claims from its records', async () => {
    const { stdout, stderr } = await run('DegreeCredential', { subject: graduate });
    const jwt = stdout.trim();
    const { payload } = decodeJWT(jwt);
    const educationDid = didForAddress(await ledger.keystore.address('education'), 1337);
    expect(payload).toMatchObject({ iss: educationDid, sub: graduate });
    expect(payload.vc.credentialSubject).toMatchObject({ degree: { title: 'Diploma in Nursing', level: 'DIPLOMA' }, institution: { name: 'Lake College' } });
    expect(stderr).toContain(`issued DegreeCredential ${payload.jti} by education`);
    const [row] = await servers.education.store.db.query('SELECT requested_by, claims_source FROM issued_credentials WHERE id = $1', [payload.jti]);
    expect(row).toEqual({ requested_by: educationDid, claims_source: 'RECORDS' });

    // The gateway publishes the department's list and the credential's proof under its own URL.
    const statusUrl = (payload.vc.credentialStatus as { statusListCredential: string }[])[0]!.statusListCredential;
    const listPath = new URL(statusUrl).pathname;
    expect(listPath).toMatch(/^\/status\/education\/revocation-1$/);
    const list = await fetch(`${gateway.url}${listPath}`);
    expect(list.status).toBe(200);
    expect(list.headers.get('content-type')).toBe('application/jwt');
    expect(decodeJWT(await list.text()).payload.iss).toBe(educationDid);
    await servers.education.log.flush();
    const proof = await fetch(`${gateway.url}/credentials/${payload.jti}/proof?issuer=${encodeURIComponent(educationDid)}`);
    expect(proof.status).toBe(200);
    expect(((await proof.json()) as CredentialProofAnswer).status).toBe('ANCHORED');
  });

  it('issues credentials the verifier accepts, and that it refuses once revoked', async () => {
    const { stdout } = await run('TranscriptCredential', { subject: graduate });
    const jwt = stdout.trim();
    await servers.education.log.flush();
    const contracts = ledger.current.contracts;
    const trust = createLedgerTrust({
      rpcUrl: ledger.current.url,
      chainId: 1337,
      contracts: { EthereumDIDRegistry: contracts.EthereumDIDRegistry.address, Anchor: contracts.Anchor.address, TrustedIssuers: contracts.TrustedIssuers.address },
    });
    try {
      const verifier = () => createVerifier({ ...trust, proofs: httpProofSource(gateway.url), statusLists: httpStatusListSource() });
      const report = await verifier().verifyCredential(jwt);
      expect(report.checks.filter((c) => !c.ok)).toEqual([]);
      expect(report.valid).toBe(true);

      const { payload } = decodeJWT(jwt);
      const educationKey = await ledger.keystore.loadKey('education');
      const officer = { did: didForAddress(educationKey.address, 1337), privateKey: educationKey.privateKey };
      const authorization = await signRequest({ caller: officer, audience: officer.did, subject: graduate, purpose: 'revoke-credential', credentialId: payload.jti! });
      const revoked = await fetch(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: 'mutation($input: ChangeCredentialStatusInput!) { revokeEducationCredential(input: $input) { status } }',
          variables: { input: { jti: payload.jti, reason: 'issued in error', authorization } },
        }),
      });
      expect(((await revoked.json()) as { data: unknown }).data).toEqual({ revokeEducationCredential: { status: 'REVOKED' } });
      // A fresh verifier (no cached list) sees the revocation at once.
      const after = await verifier().verifyCredential(jwt);
      expect(after.valid).toBe(false);
      expect(after.checks.find((c) => !c.ok)).toMatchObject({ code: 'REVOKED' });
    } finally {
      trust.close();
    }
  });

  it('takes --claims for a subject the department has no records about', async () => {
    const subject = did();
    const claims = { taxClearance: { status: 'CLEARED', assessedOn: '2026-03-01' } };
    const { stdout } = await run('TaxClearanceCredential', { subject, claims: JSON.stringify(claims) });
    const { payload } = decodeJWT(stdout.trim());
    expect(payload.sub).toBe(subject);
    expect(payload.vc.credentialSubject).toEqual(claims);
  });

  it('falls back to the type\'s demo claims when there are neither records nor --claims (asking the department directly)', async () => {
    const subject = did();
    const { stdout, stderr } = await run('NoCriminalRecordCredential', { subject, url: servers.justice.graphqlUrl });
    // A clean record is what the justice records say about anyone never convicted: no demo needed.
    expect(decodeJWT(stdout.trim()).payload.vc.credentialSubject).toMatchObject({ criminalRecord: { clean: true } });
    expect(stderr).not.toContain('demo claims');

    const receipt = await run('EvidenceReceiptCredential', { subject, url: servers.justice.graphqlUrl });
    expect(receipt.stderr).toContain('demo claims');
    expect(decodeJWT(receipt.stdout.trim()).payload.vc.credentialSubject).toMatchObject({ demo: true, evidence: { title: 'Demo evidence' } });
  });

  it('refuses a type no department is accredited for, before asking anyone', async () => {
    await expect(run('PassportCredential', { subject: graduate })).rejects.toMatchObject({ code: 'CREDENTIAL_TYPE_UNKNOWN' });
    await expect(run('DegreeCredential', { subject: graduate, claims: '{not json' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('gives a citizen\'s wallet the same client: requestCredential signs as the subject', async () => {
    const key = Wallet.createRandom();
    const subject = didForAddress(key.address, 1337);
    const educationDid = didForAddress(await ledger.keystore.address('education'), 1337);
    const refused = requestCredential({
      graphqlUrl: servers.education.graphqlUrl,
      department: 'education',
      audience: educationDid,
      caller: { did: subject, privateKey: key.privateKey },
      type: 'DegreeCredential',
      subject,
    });
    await expect(refused).rejects.toMatchObject({ code: 'NO_RECORDS' });
    const other = requestCredential({
      graphqlUrl: servers.education.graphqlUrl,
      department: 'education',
      audience: educationDid,
      caller: { did: subject, privateKey: key.privateKey },
      type: 'DegreeCredential',
      subject: graduate,
    });
    await expect(other).rejects.toMatchObject({ code: 'NOT_AUTHORIZED' });
  });
  it('leaves `govshare audit` clean with credentials issued, and has it name an issued credential altered by SQL', async () => {
    for (const server of Object.values(servers)) await server.log.flush();
    const [issued] = await servers.education.store.db.query<{ id: string }>('SELECT id FROM issued_credentials ORDER BY issued_at LIMIT 1');
    await stopServers();
    const contracts = ledger.current.contracts;
    const env = {
      GOVSHARE_DATA_DIR: storage.config.dataDir,
      LEDGER_RPC_URL: ledger.current.url,
      LEDGER_CHAIN_ID: '1337',
      LEDGER_CONTRACTS: Object.entries(contracts).map(([name, contract]) => `${name}=${contract.address}`).join(','),
      GOVSHARE_LOG_LEVEL: 'silent',
    };
    const report = async () => {
      const audit = runCli(['audit', '--json'], env);
      const { code } = await audit.exited;
      return { code, report: JSON.parse(audit.output().slice(audit.output().indexOf('{'))) };
    };
    const clean = await report();
    expect(clean.report.departments.map((d: { findings: unknown[] }) => d.findings)).toEqual([[], [], [], []]);
    expect(clean.code).toBe(0);

    const db = await openDatabase(storage.config, 'education');
    await db.transaction(async (tx) => {
      await tx.query('SET LOCAL session_replication_role = replica');
      await tx.query("UPDATE issued_credentials SET type = 'TranscriptCredential' WHERE id = $1", [issued!.id]);
    });
    await db.close();
    const tampered = await report();
    expect(tampered.code).toBe(1);
    expect(tampered.report.departments.find((d: { department: string }) => d.department === 'education').findings).toEqual([
      { table: 'issued_credentials', id: issued!.id, problem: 'ALTERED' },
    ]);
  });
});
