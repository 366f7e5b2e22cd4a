import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { createVerifiableCredentialJwt } from 'did-jwt-vc';
import { getAddress, Wallet as EthersWallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDidResolver, didForAddress } from '../../anchor/ledger/did.ts';
import { createDidVersionReader } from '../../anchor/ledger/did-version.ts';
import { checkRecords } from '../../anchor/log/check-records.ts';
import { connectAnchoring } from '../../anchor/log/connect-anchoring.ts';
import { createConsent } from '../../credentials/consent/create-consent.ts';
import { newConsentId } from '../../credentials/consent/consent-credential.ts';
import { listConsents, type DepartmentConsents } from '../../credentials/consent/list-consents.ts';
import { revokeConsent } from '../../credentials/consent/revoke-consent.ts';
import { signRequest } from '../../credentials/request/sign-request.ts';
import { nodeES256KSigner } from '../../credentials/sign/es256k-signer.ts';
import { createWallet, walletSigner, type Wallet } from '../../credentials/wallet/index.ts';
import { agencyKeyName } from '../../demo/agencies.ts';
import { createAgencyAuthenticator } from '../../gateway/auth/authenticate-agency.ts';
import { createAgencyToken } from '../../gateway/auth/agency-token.ts';
import { memoryReplayGuard } from '../../gateway/auth/replay-guard.ts';
import { createAuditWriter } from '../../gateway/audit/audit-writer.ts';
import { openAuditTrail } from '../../gateway/audit/open-audit-trail.ts';
import { connectAgreements } from '../../gateway/policy/connect.ts';
import type { Database } from '../../store/database.ts';
import { startGateway, type GatewayServer, type StartGatewayOptions } from '../../gateway/server.ts';
import { createSubgraphTokenSigner } from '../../gateway/subgraph-client/subgraph-token.ts';
import { createLogger } from '../../platform/log.ts';
import { education } from '../../subgraphs/education/index.ts';
import type { EducationStore } from '../../subgraphs/education/store.ts';
import { finance } from '../../subgraphs/finance/index.ts';
import { justice } from '../../subgraphs/justice/index.ts';
import type { Department } from '../../subgraphs/kit/department.ts';
import { startSubgraph, type SubgraphServer } from '../../subgraphs/kit/server.ts';
import { createGatewayTrust } from '../../subgraphs/kit/trust-gateway.ts';
import { startTestLedger, TEST_PASSPHRASE, type TestLedger } from '../anchor/ledger-fixture.ts';
import { delayingProxy } from '../support/delaying-proxy.ts';
import { capturingLogger } from '../support/federation.ts';
import { codes, gql, type GraphQLResponse } from '../support/graphql.ts';
import { STORAGES, testStorage, type TestStorage, pgliteTemplate } from '../support/storage.ts';

/**
 * Citizen consent end to end (DESIGN.md "Trust model", issue 6), through a real gateway with
 * the demo `human-resources` agency, whose demo agreement with education is consent-based
 * (education.degree and education.results, purpose degree-verification): the gateway grants
 * the fields and pushes the decision down in its token; education releases them per citizen,
 * only under a consent the citizen signed with their wallet and registered with education,
 * until it expires or is revoked. Without one, the fields are null with CONSENT_REQUIRED and
 * the records are never read (the store's readers are counted). Both storages: consents are
 * records of the department's database, logged and audited like any.
 */
const logger = createLogger('test', 'silent');
const PURPOSE = 'degree-verification';
const CHEAP_SCRYPT = { N: 2 ** 10, r: 8, p: 1 };
const DEGREES = 'query($did: DID!) { citizen(did: $did) { did degrees { title } courseResults { grade } } }';
const REGISTER = 'mutation($c: String!) { registerEducationConsent(credential: $c) { jti citizen agency purpose categories status expiresAt revokedAt } }';
const REVOKE = 'mutation($jti: ID!, $auth: String!) { revokeEducationConsent(jti: $jti, authorization: $auth) { jti status revokedAt } }';
const MINE = 'query($auth: String!) { myEducationConsents(authorization: $auth) { jti citizen status } }';

/** Counts what the education store reads, per reader: the proof that withheld data is never read. */
function countingEducation(reads: Record<string, number>): Department<EducationStore> {
  return {
    ...education,
    createStore(db) {
      const store = education.createStore(db);
      const counted = <K extends 'degreesByHolders' | 'courseResultsByStudents'>(name: K) =>
        (async (keys: readonly string[]) => {
          reads[name] = (reads[name] ?? 0) + keys.length;
          return (store[name] as (keys: readonly string[]) => Promise<unknown>)(keys);
        }) as EducationStore[K];
      return { ...store, degreesByHolders: counted('degreesByHolders'), courseResultsByStudents: counted('courseResultsByStudents') };
    },
  };
}

describe.each(STORAGES)('citizen consent through the gateway (%s)', (kind) => {
  let ledger: TestLedger;
  let storage: TestStorage;
  let gateway: GatewayServer;
  /** How `gateway` was started: a test starts a second gateway like it (merged fetches). */
  let gatewayOptions: StartGatewayOptions;
  let walletDir: string;
  let auditDb: Database;
  const servers = {} as { education: SubgraphServer<EducationStore>; finance: SubgraphServer<unknown>; justice: SubgraphServer<unknown> };
  const closers: (() => unknown)[] = [];
  const reads: Record<string, number> = {};
  let institutionId: string;
  let educationDid: string;
  let hr: { did: string; privateKey: string };
  let civilAffairs: string;
  /** Every SQL text the education database ran since the last reset, to count consent look-ups. */
  const statements: string[] = [];

  /** A fresh citizen with a wallet and one degree (and one course result) at education. */
  async function citizenWithDegree(): Promise<Wallet> {
    const wallet = await createWallet({ file: path.join(walletDir, `${randomUUID()}.json`), passphrase: 'test-wallet-passphrase', chainId: 1337, scrypt: CHEAP_SCRYPT });
    const store = servers.education.store;
    const enrolment = await store.enrolStudent({ studentDid: wallet.did, institutionId, programme: 'Civil Engineering', level: 'BACHELOR', startDate: '2018-09-01' });
    await store.recordCourseResult({ enrolmentId: enrolment.id, courseCode: 'CE101', courseTitle: 'Statics', credits: 5, grade: 'A', term: '2018-autumn', completedOn: '2019-01-15' });
    await store.awardDegree({ holderDid: wallet.did, institutionId, enrolmentId: enrolment.id, title: 'Bachelor of Engineering', field: 'Civil Engineering', awardedOn: '2022-07-01' });
    return wallet;
  }

  async function asHr(query: string, variables: Record<string, unknown>, purpose = PURPOSE, url = gateway.graphqlUrl): Promise<GraphQLResponse> {
    const token = await createAgencyToken({ agencyDid: hr.did, privateKey: hr.privateKey, gatewayDid: gatewayDidOf(), purpose });
    return gql(url, query, variables, { authorization: `Bearer ${token}` });
  }
  let gatewayDidOf: () => string;
  let signAsGateway: ReturnType<typeof createSubgraphTokenSigner>;
  const consentFor = (wallet: Wallet, extra: Partial<Parameters<typeof createConsent>[1]> = {}) =>
    createConsent(walletSigner(wallet), { agency: hr.did, categories: ['education.degree'], purpose: PURPOSE, days: 30, ...extra });
  /** Registers through the gateway, anonymously: the citizen's signature is the authority. */
  const register = (jwt: string) => gql(gateway.graphqlUrl, REGISTER, { c: jwt });
  const revokeRequest = (signer: { did: string; signer: ReturnType<typeof nodeES256KSigner> }, subject: string, jti: string) =>
    signRequest({ caller: signer, audience: educationDid, subject, purpose: 'revoke-consent', credentialId: jti });
  const listRequest = (signer: { did: string; signer: ReturnType<typeof nodeES256KSigner> }, subject: string, audience = educationDid) =>
    signRequest({ caller: signer, audience, subject, purpose: 'list-consents' });
  /** The education entry of a wallet client's listing (through the gateway, every department asked). */
  const educationConsentsOf = async (wallet: Wallet) => {
    const listed = await listConsents({ gatewayUrl: gateway.url, citizen: walletSigner(wallet) });
    expect(listed.map((entry) => entry.department)).toEqual(['education', 'finance', 'justice']);
    const education = listed[0] as Extract<DepartmentConsents, { consents: unknown }>;
    expect(education.consents, JSON.stringify(education)).toBeDefined();
    return { education: education.consents, others: listed.slice(1) };
  };
  const consentErrors = (response: GraphQLResponse) =>
    (response.errors ?? []).filter((e) => e.extensions?.code === 'CONSENT_REQUIRED').map((e) => ({ path: e.path, scope: e.extensions?.scope, reason: e.extensions?.reason }));
  const refusal = (response: GraphQLResponse) => response.errors?.[0]?.extensions;

  beforeAll(async () => {
    ledger = await startTestLedger();
    storage = testStorage(kind);
    walletDir = fs.mkdtempSync(path.join(os.tmpdir(), 'govshare-consent-wallets-'));
    auditDb = await openAuditTrail({ dataDir: walletDir, ...pgliteTemplate() });
    closers.push(() => auditDb.close());
    const endpoint = { rpcUrl: ledger.current.url, chainId: 1337 };
    const registry = ledger.current.contracts.EthereumDIDRegistry.address;
    const resolver = createDidResolver({ ...endpoint, registry });
    const versions = createDidVersionReader({ ...endpoint, registry });
    const replay = memoryReplayGuard();
    closers.push(() => resolver.close(), () => versions.close(), () => replay.close());

    const gatewayKey = await ledger.keystore.loadKey('gateway');
    const gatewayDid = didForAddress(gatewayKey.address, 1337);
    gatewayDidOf = () => gatewayDid;
    signAsGateway = createSubgraphTokenSigner({ gatewayDid, privateKey: gatewayKey.privateKey });
    const hrKey = await ledger.keystore.loadKey(agencyKeyName('human-resources'));
    hr = { did: didForAddress(hrKey.address, 1337), privateKey: hrKey.privateKey };
    civilAffairs = didForAddress(ledger.keystore.address(agencyKeyName('civil-affairs')), 1337);
    educationDid = didForAddress(ledger.keystore.address('education'), 1337);

    // The three departments as served: gateway trust on, each anchored (its DID and resolver check signatures).
    const ledgerConfig = { dataDir: ledger.dataDir, ledgerRpcUrl: ledger.current.url, ledgerChainId: 1337, ledgerPort: 0 };
    for (const [name, department] of [['education', countingEducation(reads)], ['finance', finance], ['justice', justice]] as const) {
      const trust = createGatewayTrust({ department: name, gatewayDids: [gatewayDid], resolver, versions });
      (servers as Record<string, SubgraphServer<unknown>>)[name] = await startSubgraph(department as Department<unknown>, { config: storage.config, port: 0, logger, gatewayTrust: () => trust });
      servers[name].log.setAnchoring(await connectAnchoring({ config: ledgerConfig, keyName: name, logger, passphrase: TEST_PASSPHRASE, intervalMs: 3_600_000 }));
    }
    const db = servers.education.store.db;
    const query = db.query.bind(db);
    db.query = ((sql: string, params?: readonly unknown[]) => {
      statements.push(sql);
      return query(sql, params);
    }) as typeof db.query;

    // The gateway as served: agency tokens, the demo agreements from the ledger, tokens to every department.
    const agreements = await connectAgreements({ config: ledgerConfig, logger, passphrase: TEST_PASSPHRASE, pollMs: 200 });
    closers.push(() => agreements.close());
    await agreements.source.ready();
    const authenticate = createAgencyAuthenticator({ gatewayDid, resolver, versions, replay });
    gatewayOptions = {
      subgraphs: { education: servers.education.graphqlUrl, finance: servers.finance.graphqlUrl, justice: servers.justice.graphqlUrl },
      port: 0,
      logger,
      authenticator: () => authenticate,
      policy: { agreements: () => agreements.source },
      subgraphTokens: () => createSubgraphTokenSigner({ gatewayDid, privateKey: gatewayKey.privateKey }),
      audit: { writer: createAuditWriter(auditDb), db: auditDb },
    };
    gateway = await startGateway(gatewayOptions);

    institutionId = (await servers.education.store.registerInstitution({ name: 'Consent Test University', code: `CT${randomUUID().slice(0, 6).toUpperCase()}`, kind: 'UNIVERSITY', city: 'Suzhou', country: 'CN' })).id;
  });

  afterAll(async () => {
    await gateway?.close();
    for (const server of Object.values(servers)) await server?.close();
    for (const close of closers) await close();
    await storage?.cleanup();
    await ledger?.cleanup();
    if (walletDir) fs.rmSync(walletDir, { recursive: true, force: true });
  });

  it('withholds consent-bound fields without consent (CONSENT_REQUIRED at their paths) and never reads them', async () => {
    const citizen = await citizenWithDegree();
    const before = { ...reads };
    const response = await asHr(DEGREES, { did: citizen.did });
    expect(response.status).toBe(200);
    expect(response.data).toEqual({ citizen: { did: citizen.did, degrees: null, courseResults: null } });
    expect(consentErrors(response)).toEqual([
      { path: ['citizen', 'degrees'], scope: 'education.degree', reason: 'NO_CONSENT' },
      { path: ['citizen', 'courseResults'], scope: 'education.results', reason: 'NO_CONSENT' },
    ]);
    // The department was asked, and read neither the degrees nor the results.
    expect(reads.degreesByHolders ?? 0).toBe(before.degreesByHolders ?? 0);
    expect(reads.courseResultsByStudents ?? 0).toBe(before.courseResultsByStudents ?? 0);
  });

  it('releases what the citizen consented to, from the next request, and stops on revocation', async () => {
    const citizen = await citizenWithDegree();
    const consent = await consentFor(citizen);
    const registered = await register(consent.jwt);
    expect(registered.errors).toBeUndefined();
    expect(registered.data!.registerEducationConsent).toMatchObject({ jti: consent.jti, citizen: citizen.did, agency: hr.did, purpose: PURPOSE, categories: ['education.degree'], status: 'ACTIVE', revokedAt: null });
    // Registering it again changes nothing.
    expect((await register(consent.jwt)).data!.registerEducationConsent.jti).toBe(consent.jti);

    const before = reads.degreesByHolders ?? 0;
    const released = await asHr(DEGREES, { did: citizen.did });
    expect(released.data!.citizen.degrees).toEqual([{ title: 'Bachelor of Engineering' }]);
    // Only the category consented to: the results stay withheld.
    expect(released.data!.citizen.courseResults).toBeNull();
    expect(consentErrors(released)).toEqual([{ path: ['citizen', 'courseResults'], scope: 'education.results', reason: 'NO_CONSENT' }]);
    expect(reads.degreesByHolders).toBe(before + 1);

    // Revoked with a signed request of the citizen, through the gateway; effective on the next request.
    const auth = await revokeRequest(walletSigner(citizen), citizen.did, consent.jti);
    const revoked = await gql(gateway.graphqlUrl, REVOKE, { jti: consent.jti, auth });
    expect(revoked.errors).toBeUndefined();
    expect(revoked.data!.revokeEducationConsent).toMatchObject({ jti: consent.jti, status: 'REVOKED', revokedAt: expect.any(String) });
    const after = await asHr(DEGREES, { did: citizen.did });
    expect(after.data!.citizen.degrees).toBeNull();
    expect(consentErrors(after).map((e) => e.scope)).toEqual(['education.degree', 'education.results']);
    // The same signed request again is a replay; re-registering the revoked consent does not revive it.
    expect(codes(await gql(gateway.graphqlUrl, REVOKE, { jti: consent.jti, auth }))).toEqual(['REQUEST_REPLAYED']);
    expect((await register(consent.jwt)).data!.registerEducationConsent.status).toBe('REVOKED');
    expect((await asHr(DEGREES, { did: citizen.did })).data!.citizen.degrees).toBeNull();

    // The consent's two versions are records of education: logged, and they re-hash to their log entries.
    const rows = await servers.education.store.db.query<{ revoked: boolean; credential: string }>('SELECT revoked, credential FROM consents WHERE id = $1', [consent.jti]);
    expect(rows).toEqual([{ revoked: true, credential: consent.jwt }]);
    const logged = await servers.education.store.db.query('SELECT 1 FROM record_log WHERE record_table = $1 AND record_id = $2', ['consents', consent.jti]);
    expect(logged).toHaveLength(2);
    const audit = await checkRecords(servers.education.store.db, ['consents']);
    expect(audit.findings).toEqual([]);
    // Never deleted.
    await expect(servers.education.store.db.query('DELETE FROM consents WHERE id = $1', [consent.jti])).rejects.toThrow(/never deleted/);
  });

  it('tells the gateway which consent each release relied on (response extensions, for the audit trail)', async () => {
    const citizen = await citizenWithDegree();
    const consent = await consentFor(citizen, { categories: ['education.degree', 'education.results'] });
    expect((await register(consent.jwt)).errors).toBeUndefined();
    const other = await citizenWithDegree();
    // The entity fetch the gateway makes, with the decision it signs for HR.
    const rid = randomUUID();
    const token = signAsGateway('education', rid, { agency: hr.did, purpose: PURPOSE, agreements: [1], consentCategories: ['education.degree', 'education.results'], decision: 'test' });
    const response = await fetch(servers.education.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': rid, 'x-govshare-gateway-token': token },
      body: JSON.stringify({
        query: 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Citizen { degrees { title } } } }',
        variables: { r: [citizen, other].map((w) => ({ __typename: 'Citizen', did: w.did })) },
      }),
    });
    const body = (await response.json()) as { data: { _entities: { degrees: unknown }[] }; extensions?: { consents?: unknown } };
    expect(body.data._entities.map((e) => e.degrees)).toEqual([[{ title: 'Bachelor of Engineering' }], null]);
    // `root`: the root field the release was under, with which the gateway splits a merged fetch.
    expect(body.extensions?.consents).toEqual([{ citizen: citizen.did, consent: consent.jti, categories: ['education.degree'], root: '_entities' }]);
  });

  it('puts the consent each release relied on into the gateway\'s audit trail', async () => {
    const citizen = await citizenWithDegree();
    const consent = await consentFor(citizen);
    expect((await register(consent.jwt)).errors).toBeUndefined();
    expect((await asHr(DEGREES, { did: citizen.did })).data!.citizen.degrees).toHaveLength(1);
    const [release] = await auditDb.query<{ citizen_did: string; consent: string | null; categories: string[]; fields: string[] }>(
      'SELECT r.* FROM audit_releases r JOIN audit_entries e ON e.id = r.entry_id WHERE r.citizen_did = $1 ORDER BY e.at DESC LIMIT 1',
      [citizen.did],
    );
    expect(release).toMatchObject({ citizen_did: citizen.did, consent: consent.jti });
    expect(release!.categories).toContain('education.degree');
    expect(release!.fields).toContain('Citizen.degrees');
  });

  it('answers and audits concurrent requests for different citizens merged into one department fetch as each alone', async () => {
    // Nine citizens: three consented to their degrees, three to their degrees and results, three to nothing.
    const citizens: Wallet[] = [];
    const consentOf = new Map<string, string>();
    for (let i = 0; i < 9; i++) {
      const citizen = await citizenWithDegree();
      citizens.push(citizen);
      if (i % 3 === 2) continue;
      const consent = await consentFor(citizen, { categories: i % 3 === 0 ? ['education.degree'] : ['education.degree', 'education.results'] });
      expect((await register(consent.jwt)).errors).toBeUndefined();
      consentOf.set(citizen.did, consent.jti);
    }
    // A gateway of its own whose fetches to education are held 100 ms on the way: requests sent
    // at once then always find a fetch of theirs in flight, so the merging is not left to timing.
    const proxy = await delayingProxy(servers.education.graphqlUrl, 100);
    const captured = capturingLogger('gateway');
    const merging = await startGateway({ ...gatewayOptions, subgraphs: { ...gatewayOptions.subgraphs, education: proxy.url }, logger: captured.logger });
    try {
      const ask = (citizen: Wallet) => asHr(DEGREES, { did: citizen.did }, PURPOSE, merging.graphqlUrl);
      const batches = () => captured.lines().filter((line) => line.msg === 'merged fetch' && line.department === 'education').map((line) => line.requests as string[]);
      const idOf = (response: GraphQLResponse) => response.headers.get('x-request-id')!;

      // One at a time: what each request gets alone (and nothing merged).
      const alone: GraphQLResponse[] = [];
      for (const citizen of citizens) alone.push(await ask(citizen));
      expect(batches()).toEqual([]);
      const postsBefore = proxy.posts();
      const together = await Promise.all(citizens.map(ask));

      // Merging happened: a fetch served several of these requests, consenting and non-consenting
      // citizens' alike, and each merged fetch was one request to education (none fell back to
      // asking alone), the others one each.
      const ids = together.map(idOf);
      const merged = batches();
      expect(merged.flat().every((id) => ids.includes(id))).toBe(true);
      expect(merged.some((batch) => batch.length >= 2), JSON.stringify(merged)).toBe(true);
      const consenting = (id: string) => consentOf.has(citizens[ids.indexOf(id)]!.did);
      expect(merged.some((batch) => batch.some(consenting) && !batch.every(consenting)), JSON.stringify(merged)).toBe(true);
      const servedAlone = ids.filter((id) => !merged.flat().includes(id)).length;
      expect(proxy.posts() - postsBefore).toBe(merged.length + servedAlone);

      // 1. Each answer is the one it got alone: its citizen's consented fields, CONSENT_REQUIRED at its own paths only.
      const answer = (response: GraphQLResponse) => ({ status: response.status, data: response.data, errors: response.errors });
      expect(together.map(answer)).toEqual(alone.map(answer));
      const withheld = (field: string, scope: string) => ({ path: ['citizen', field], scope, reason: 'NO_CONSENT' });
      for (const [i, citizen] of citizens.entries()) {
        const expected = [
          { citizen: { did: citizen.did, degrees: [{ title: 'Bachelor of Engineering' }], courseResults: null }, errors: [withheld('courseResults', 'education.results')] },
          { citizen: { did: citizen.did, degrees: [{ title: 'Bachelor of Engineering' }], courseResults: [{ grade: 'A' }] }, errors: [] },
          { citizen: { did: citizen.did, degrees: null, courseResults: null }, errors: [withheld('degrees', 'education.degree'), withheld('courseResults', 'education.results')] },
        ][i % 3]!;
        expect({ data: together[i]!.data, errors: consentErrors(together[i]!) }).toEqual({ data: { citizen: expected.citizen }, errors: expected.errors });
      }

      // 2. Each request's audit entry names its own citizen, under its own consent (or none), as alone.
      const releasesOf = (response: GraphQLResponse) =>
        auditDb.query<{ citizen_did: string; consent: string | null; categories: string[]; fields: string[] }>(
          'SELECT r.citizen_did, r.consent, r.categories, r.fields FROM audit_releases r JOIN audit_entries e ON e.id = r.entry_id WHERE e.request_id = $1',
          [idOf(response)],
        );
      for (const [i, citizen] of citizens.entries()) {
        const releases = await releasesOf(together[i]!);
        expect(releases.map((r) => ({ citizen: r.citizen_did, consent: r.consent }))).toEqual([{ citizen: citizen.did, consent: consentOf.get(citizen.did) ?? null }]);
        expect(releases).toEqual(await releasesOf(alone[i]!));
      }
    } finally {
      await merging.close();
      await proxy.close();
    }
  });

  it('looks consent up once per request for a whole page of citizens, per citizen', async () => {
    const [a, b, c] = [await citizenWithDegree(), await citizenWithDegree(), await citizenWithDegree()];
    for (const citizen of [a, c]) expect((await register((await consentFor(citizen)).jwt)).errors).toBeUndefined();
    statements.length = 0;
    const query = `{ ${[a, b, c].map((w, i) => `c${i}: citizen(did: "${w.did}") { degrees { title field level awardedOn } }`).join(' ')} }`;
    const response = await asHr(query, {});
    expect(response.data).toEqual({
      c0: { degrees: [{ title: 'Bachelor of Engineering', field: 'Civil Engineering', level: 'BACHELOR', awardedOn: '2022-07-01' }] },
      c1: { degrees: null },
      c2: { degrees: [{ title: 'Bachelor of Engineering', field: 'Civil Engineering', level: 'BACHELOR', awardedOn: '2022-07-01' }] },
    });
    expect(consentErrors(response)).toEqual([{ path: ['c1', 'degrees'], scope: 'education.degree', reason: 'NO_CONSENT' }]);
    // One look-up for the three citizens (and the four fields of each degree), one read of the two consenting citizens' degrees.
    expect(statements.filter((sql) => /FROM consents/.test(sql))).toHaveLength(1);
    expect(statements.filter((sql) => /FROM degrees/.test(sql))).toHaveLength(1);

    // Through an entity fetch: finance lists the register, education resolves the degrees of the page.
    const financeStore = (servers.finance as SubgraphServer<{ registerTaxpayer(input: { did: string; name: string; taxNumber: string }): Promise<unknown> }>).store;
    for (const [i, citizen] of [a, b, c].entries()) await financeStore.registerTaxpayer({ did: citizen.did, name: `Consent Citizen ${i}`, taxNumber: `CONSENT-${randomUUID().slice(0, 8).toUpperCase()}` });
    statements.length = 0;
    const page = await asHr('{ citizens(first: 100) { edges { node { did degrees { title } } } } }', {});
    const edges = page.data!.citizens.edges as { node: { did: string; degrees: unknown } }[];
    const at = (wallet: Wallet) => edges.findIndex((e) => e.node.did === wallet.did);
    expect(edges[at(a)]!.node.degrees).toEqual([{ title: 'Bachelor of Engineering' }]);
    expect(edges[at(c)]!.node.degrees).toEqual([{ title: 'Bachelor of Engineering' }]);
    expect(edges[at(b)]!.node.degrees).toBeNull();
    // The path is the client's, through the entity fetch; only b is refused.
    expect(consentErrors(page)).toEqual([{ path: ['citizens', 'edges', at(b), 'node', 'degrees'], scope: 'education.degree', reason: 'NO_CONSENT' }]);
    expect(statements.filter((sql) => /FROM consents/.test(sql))).toHaveLength(1);
  });

  it('releases nothing under a consent for another agency, purpose or category, nor after it expires', async () => {
    const otherAgency = await citizenWithDegree();
    const otherPurpose = await citizenWithDegree();
    const otherCategory = await citizenWithDegree();
    const expiring = await citizenWithDegree();
    for (const jwt of [
      (await consentFor(otherAgency, { agency: civilAffairs })).jwt,
      (await consentFor(otherPurpose, { purpose: 'recruitment-marketing' })).jwt,
      (await consentFor(otherCategory, { categories: ['education.results'] })).jwt,
      (await consentFor(expiring, { days: undefined, expiresAt: new Date(Date.now() + 3_000) })).jwt,
    ]) {
      const answer = await register(jwt);
      expect(answer.errors, JSON.stringify(answer.errors)).toBeUndefined();
    }
    for (const citizen of [otherAgency, otherPurpose, otherCategory]) {
      const response = await asHr(DEGREES, { did: citizen.did });
      expect(response.data!.citizen.degrees).toBeNull();
      expect(consentErrors(response).find((e) => e.scope === 'education.degree')).toEqual({ path: ['citizen', 'degrees'], scope: 'education.degree', reason: 'NO_CONSENT' });
    }
    // The results consent releases the results, not the degrees.
    expect((await asHr(DEGREES, { did: otherCategory.did })).data!.citizen.courseResults).toEqual([{ grade: 'A' }]);
    // HR asking under another purpose than the consent's (its agreement grants nothing for it either).
    expect((await asHr(DEGREES, { did: otherPurpose.did }, 'recruitment-marketing')).data!.citizen.degrees).toBeNull();

    expect((await asHr(DEGREES, { did: expiring.did })).data!.citizen.degrees).toEqual([{ title: 'Bachelor of Engineering' }]);
    await new Promise((resolve) => setTimeout(resolve, 3_200));
    const expired = await asHr(DEGREES, { did: expiring.did });
    expect(expired.data!.citizen.degrees).toBeNull();
    expect(consentErrors(expired)[0]).toMatchObject({ scope: 'education.degree', reason: 'NO_CONSENT' });
  });

  it('refuses to register a consent that is expired, forged, not signed by its citizen, or for data education does not hold', async () => {
    const citizen = await citizenWithDegree();
    const stranger = EthersWallet.createRandom();
    const strangerDid = didForAddress(stranger.address, 1337);
    const payload = (sub: string) => ({
      sub,
      jti: newConsentId(),
      nbf: Math.floor(Date.now() / 1000),
      iat: Math.floor(Date.now() / 1000),
      exp: Math.floor(Date.now() / 1000) + 86_400,
      vc: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiableCredential', 'ConsentCredential'], credentialSubject: { agency: hr.did, categories: ['education.degree'], purpose: PURPOSE } },
    });
    const cases: [string, string, string][] = [
      ['expired', (await consentFor(citizen, { now: new Date(Date.now() - 10 * 86_400_000), days: 1 })).jwt, 'EXPIRED'],
      // The citizen's DID, signed by someone else's key.
      ['forged', (await createConsent({ did: citizen.did, signer: nodeES256KSigner(stranger.privateKey), alg: 'ES256K' }, { agency: hr.did, categories: ['education.degree'], purpose: PURPOSE, days: 30 })).jwt, 'SIGNATURE_INVALID'],
      // Someone else consenting for the citizen: signed by them, about the citizen.
      ['by someone else', await createVerifiableCredentialJwt(payload(citizen.did), { did: strangerDid, signer: nodeES256KSigner(stranger.privateKey), alg: 'ES256K' }), 'ISSUER_NOT_SUBJECT'],
      ['for finance data', (await consentFor(citizen, { categories: ['education.degree', 'finance.tax'] })).jwt, 'CATEGORY_NOT_HELD'],
      ['not a JWT', 'consent, trust me', 'MALFORMED'],
    ];
    for (const [what, jwt, reason] of cases) {
      const response = await register(jwt);
      expect({ what, data: response.data?.registerEducationConsent ?? null, refusal: refusal(response) }).toEqual({ what, data: null, refusal: { code: 'CONSENT_INVALID', reason } });
    }
    const stored = await servers.education.store.db.query('SELECT 1 FROM consents WHERE citizen_key = $1', [citizen.did.toLowerCase()]);
    expect(stored).toEqual([]);
    expect((await asHr(DEGREES, { did: citizen.did })).data!.citizen.degrees).toBeNull();
  });

  it('lets only the citizen revoke their consent, and says so for an unknown one', async () => {
    const citizen = await citizenWithDegree();
    const consent = await consentFor(citizen);
    expect((await register(consent.jwt)).errors).toBeUndefined();
    const stranger = EthersWallet.createRandom();
    const strangerSigner = { did: didForAddress(stranger.address, 1337), signer: nodeES256KSigner(stranger.privateKey) };
    const byStranger = await gql(gateway.graphqlUrl, REVOKE, { jti: consent.jti, auth: await revokeRequest(strangerSigner, citizen.did, consent.jti) });
    expect(refusal(byStranger)).toMatchObject({ code: 'NOT_AUTHORIZED' });
    // A request signed for another consent cannot revoke this one.
    const misbound = await gql(gateway.graphqlUrl, REVOKE, { jti: consent.jti, auth: await revokeRequest(walletSigner(citizen), citizen.did, newConsentId()) });
    expect(refusal(misbound)).toMatchObject({ code: 'REQUEST_INVALID', reason: 'CREDENTIAL_MISMATCH' });
    const unknown = newConsentId();
    expect(refusal(await gql(gateway.graphqlUrl, REVOKE, { jti: unknown, auth: await revokeRequest(walletSigner(citizen), citizen.did, unknown) }))).toMatchObject({ code: 'CONSENT_NOT_FOUND' });
    // Still in force.
    expect((await asHr(DEGREES, { did: citizen.did })).data!.citizen.degrees).toEqual([{ title: 'Bachelor of Engineering' }]);
  });

  it('lists a citizen\'s own consents with their status (ACTIVE, REVOKED, EXPIRED), and a revocation made with the wallet client', async () => {
    const citizen = await citizenWithDegree();
    const degree = await consentFor(citizen);
    const results = await consentFor(citizen, { categories: ['education.results'] });
    const brief = await consentFor(citizen, { categories: ['education.results'], days: undefined, expiresAt: new Date(Date.now() + 3_000) });
    for (const consent of [degree, results, brief]) expect((await register(consent.jwt)).errors).toBeUndefined();

    const first = await educationConsentsOf(citizen);
    // Newest registration first; the other departments hold none of this citizen's consents.
    expect(first.education.map((c) => c.jti)).toEqual([brief.jti, results.jti, degree.jti]);
    expect(first.education[2]).toEqual({
      jti: degree.jti,
      citizen: citizen.did,
      agency: hr.did,
      purpose: PURPOSE,
      categories: ['education.degree'],
      validFrom: degree.issuedAt.toISOString(),
      expiresAt: degree.expiresAt.toISOString(),
      registeredAt: expect.any(String),
      status: 'ACTIVE',
      revokedAt: null,
    });
    // (The brief one's status is left alone here: on a slow machine it may already have expired.)
    expect(first.education.slice(1).map((c) => c.status)).toEqual(['ACTIVE', 'ACTIVE']);
    expect(first.others).toEqual([{ department: 'finance', consents: [] }, { department: 'justice', consents: [] }]);

    // Revoked through the gateway by the wallet client (a request signed with the wallet's key); released no more.
    const revoked = await revokeConsent({ gatewayUrl: gateway.url, department: 'education', jti: degree.jti, citizen: walletSigner(citizen) });
    expect(revoked).toMatchObject({ jti: degree.jti, status: 'REVOKED', revokedAt: expect.any(String) });
    expect((await asHr(DEGREES, { did: citizen.did })).data!.citizen.degrees).toBeNull();

    await new Promise((resolve) => setTimeout(resolve, Math.max(0, brief.expiresAt.getTime() - Date.now() + 100)));
    const after = await educationConsentsOf(citizen);
    expect(after.education.map((c) => [c.jti, c.status])).toEqual([
      [brief.jti, 'EXPIRED'],
      [results.jti, 'ACTIVE'],
      [degree.jti, 'REVOKED'],
    ]);
    expect(after.education[2]!.revokedAt).toBe(revoked.revokedAt);
    // The same identity however its did:ethr address is cased (EIP-55 case is only a checksum).
    const address = citizen.did.split(':').at(-1)!;
    const recased = { did: citizen.did.replace(address, address === address.toLowerCase() ? getAddress(address) : address.toLowerCase()), signer: walletSigner(citizen).signer };
    const mine = await gql(gateway.graphqlUrl, MINE, { auth: await listRequest(recased, recased.did) });
    expect(mine.errors).toBeUndefined();
    expect(mine.data!.myEducationConsents.map((c: { jti: string }) => c.jti)).toEqual([brief.jti, results.jti, degree.jti]);
  });

  it('never lists nor revokes another citizen\'s consents', async () => {
    const citizen = await citizenWithDegree();
    const consent = await consentFor(citizen);
    expect((await register(consent.jwt)).errors).toBeUndefined();
    const other = await citizenWithDegree();
    const ownOfOther = await consentFor(other, { categories: ['education.results'] });
    expect((await register(ownOfOther.jwt)).errors).toBeUndefined();

    // Another citizen's listing holds theirs only.
    expect((await educationConsentsOf(other)).education.map((c) => c.jti)).toEqual([ownOfOther.jti]);
    // A request they sign naming the citizen as its subject lists nothing: the signer's own consents or none.
    const asSubject = await gql(gateway.graphqlUrl, MINE, { auth: await listRequest(walletSigner(other), citizen.did) });
    expect(asSubject.data?.myEducationConsents ?? null).toBeNull();
    expect(refusal(asSubject)).toMatchObject({ code: 'NOT_AUTHORIZED' });
    // A stranger with no consents at all, and an agency, likewise.
    const stranger = EthersWallet.createRandom();
    const strangerSigner = { did: didForAddress(stranger.address, 1337), signer: nodeES256KSigner(stranger.privateKey) };
    expect(refusal(await gql(gateway.graphqlUrl, MINE, { auth: await listRequest(strangerSigner, citizen.did) }))).toMatchObject({ code: 'NOT_AUTHORIZED' });
    const hrSigner = { did: hr.did, signer: nodeES256KSigner(hr.privateKey) };
    expect(refusal(await gql(gateway.graphqlUrl, MINE, { auth: await listRequest(hrSigner, citizen.did) }))).toMatchObject({ code: 'NOT_AUTHORIZED' });
    const strangers = await gql(gateway.graphqlUrl, MINE, { auth: await listRequest(strangerSigner, strangerSigner.did) });
    expect(strangers.data).toEqual({ myEducationConsents: [] });

    // The wallet client of the other citizen cannot revoke the citizen's consent.
    await expect(revokeConsent({ gatewayUrl: gateway.url, department: 'education', jti: consent.jti, citizen: walletSigner(other) })).rejects.toMatchObject({ code: 'NOT_AUTHORIZED' });
    expect((await educationConsentsOf(citizen)).education).toEqual([expect.objectContaining({ jti: consent.jti, status: 'ACTIVE' })]);
    expect((await asHr(DEGREES, { did: citizen.did })).data!.citizen.degrees).toEqual([{ title: 'Bachelor of Engineering' }]);
  });

  it('refuses a replayed listing request, one signed for another purpose, and one addressed to another department', async () => {
    const citizen = await citizenWithDegree();
    const consent = await consentFor(citizen);
    expect((await register(consent.jwt)).errors).toBeUndefined();
    const signer = walletSigner(citizen);

    const auth = await listRequest(signer, citizen.did);
    const listed = await gql(gateway.graphqlUrl, MINE, { auth });
    expect(listed.data).toEqual({ myEducationConsents: [{ jti: consent.jti, citizen: citizen.did, status: 'ACTIVE' }] });
    const replayed = await gql(gateway.graphqlUrl, MINE, { auth });
    expect(replayed.data?.myEducationConsents ?? null).toBeNull();
    expect(refusal(replayed)).toMatchObject({ code: 'REQUEST_REPLAYED' });

    // A revocation request is not a listing request, nor the other way round.
    const forRevocation = await gql(gateway.graphqlUrl, MINE, { auth: await revokeRequest(signer, citizen.did, consent.jti) });
    expect(refusal(forRevocation)).toMatchObject({ code: 'REQUEST_INVALID', reason: 'PURPOSE_MISMATCH' });
    const listingAsRevocation = await gql(gateway.graphqlUrl, REVOKE, { jti: consent.jti, auth: await listRequest(signer, citizen.did) });
    expect(refusal(listingAsRevocation)).toMatchObject({ code: 'REQUEST_INVALID', reason: 'PURPOSE_MISMATCH' });
    // Signed for finance: useless at education.
    const financeDid = didForAddress(ledger.keystore.address('finance'), 1337);
    expect(refusal(await gql(gateway.graphqlUrl, MINE, { auth: await listRequest(signer, citizen.did, financeDid) }))).toMatchObject({ code: 'REQUEST_INVALID', reason: 'AUDIENCE_MISMATCH' });
    // Someone else's key under the citizen's DID.
    const forged = { did: citizen.did, signer: nodeES256KSigner(EthersWallet.createRandom().privateKey) };
    expect(refusal(await gql(gateway.graphqlUrl, MINE, { auth: await listRequest(forged, citizen.did) }))).toMatchObject({ code: 'REQUEST_INVALID', reason: 'SIGNATURE_INVALID' });
    // None of it touched the consent.
    expect((await educationConsentsOf(citizen)).education).toEqual([expect.objectContaining({ jti: consent.jti, status: 'ACTIVE' })]);
  });

  it('releases records reached through the citizen, and never writes or releases what is not about one citizen under consent', async () => {
    const citizen = await citizenWithDegree();
    expect((await register((await consentFor(citizen, { categories: ['education.degree', 'education.results'] })).jwt)).errors).toBeUndefined();
    // Reached through the citizen's own records: released, down to the degree's enrolment results.
    const deep = await asHr('query($did: DID!) { citizen(did: $did) { degrees { title holder { did } } courseResults { grade courseTitle } } }', { did: citizen.did });
    expect(deep.errors).toBeUndefined();
    expect(deep.data!.citizen).toEqual({ degrees: [{ title: 'Bachelor of Engineering', holder: { did: citizen.did } }], courseResults: [{ grade: 'A', courseTitle: 'Statics' }] });

    // A mutation in a consent-bound category is about no one citizen's consent: refused before it writes.
    const store = servers.education.store;
    const enrolment = await store.enrolStudent({ studentDid: citizen.did, institutionId, programme: 'Architecture', level: 'MASTER', startDate: '2022-09-01' });
    const award = await asHr('mutation($input: AwardDegreeInput!) { awardDegree(input: $input) { degree { id } } }', {
      input: { holderDid: citizen.did, institutionId, enrolmentId: enrolment.id, title: 'Master of Architecture', field: 'Architecture', awardedOn: '2024-07-01' },
    });
    expect(award.data?.awardDegree ?? null).toBeNull();
    expect(consentErrors(award)).toEqual([{ path: ['awardDegree'], scope: 'education.degree', reason: 'NO_CITIZEN' }]);
    expect((await store.degreesByHolders([citizen.did]))[0]).toHaveLength(1);
  });
});
