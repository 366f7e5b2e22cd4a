import { Wallet, parseEther } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDidResolver, didForAddress } from '../../anchor/ledger/did.ts';
import { createDidVersionReader } from '../../anchor/ledger/did-version.ts';
import { ensureFunded } from '../../anchor/ledger/funding.ts';
import { createProvider } from '../../anchor/ledger/rpc.ts';
import { createSharingAgreementsClient, type LegalBasis, type SharingAgreementsClient } from '../../anchor/ledger/sharing-agreements.ts';
import { seedDemo } from '../../demo/seed.ts';
import { demoCitizens } from '../../demo/citizens.ts';
import { createAgencyAuthenticator } from '../../gateway/auth/authenticate-agency.ts';
import { createAgencyToken } from '../../gateway/auth/agency-token.ts';
import { memoryReplayGuard } from '../../gateway/auth/replay-guard.ts';
import { connectAgreements } from '../../gateway/policy/connect.ts';
import type { PolicyMode } from '../../gateway/policy/mode.ts';
import { startGateway, type GatewayServer } from '../../gateway/server.ts';
import { codes, gql, type GraphQLResponse } from '../support/graphql.ts';
import { capturingLogger, startDepartments, type RunningDepartments } from '../support/federation.ts';
import { testStorage, type TestStorage } from '../support/storage.ts';
import { startTestLedger, TEST_PASSPHRASE, type TestLedger } from '../anchor/ledger-fixture.ts';

/**
 * Field-level enforcement end to end: agreements on a real ledger, agency tokens, three
 * departments and the gateway in each mode. A denied field must come back null with an
 * UNAUTHORIZED_FIELD error at its exact path AND never be fetched: fetches are counted per
 * department from the gateway's /metrics.
 */
const CITIZENS = 6;
const silent = capturingLogger('gateway').logger;
const EDUCATION = ['education.enrolment', 'education.results', 'education.degree', 'education.transfer', 'education.authorship'];
const FINANCE = ['finance.identity', 'finance.tax', 'finance.payments'];
const JUSTICE = ['justice.case', 'justice.party', 'justice.judgment', 'justice.criminal-record', 'justice.evidence'];

type Department = 'education' | 'finance' | 'justice';

describe('field-level policy at the gateway', () => {
  let ledger: TestLedger;
  let storage: TestStorage;
  let departments: RunningDepartments;
  const gateways = {} as Record<PolicyMode, GatewayServer>;
  const closers: (() => unknown)[] = [];
  const gatewayDid = didForAddress(Wallet.createRandom().address, 1337);
  const agency = (label: string) => Object.assign(new Wallet(Wallet.createRandom().privateKey), { label });
  type Agency = ReturnType<typeof agency>;
  const hr = agency('human-resources');
  const auditor = agency('audit-office');
  const stranger = agency('stranger');
  const proposedOnly = agency('proposed-only');
  const expired = agency('expired');
  const terminated = agency('terminated');
  const leaving = agency('leaving');
  let leavingAgreement: number;
  let did: string; // a citizen with a degree

  const endpoint = () => ({ rpcUrl: ledger.current.url, chainId: 1337 });
  const agreementsClient = (signer?: Wallet): SharingAgreementsClient => {
    const client = createSharingAgreementsClient({ ...endpoint(), contract: ledger.current.contracts.SharingAgreements.address, ...(signer && { signer }) });
    closers.push(() => client.close());
    return client;
  };
  const chainTime = async () => {
    const provider = createProvider(endpoint());
    try {
      return (await provider.getBlock('latest'))!.timestamp;
    } finally {
      provider.destroy();
    }
  };
  async function agree(
    provider: Department,
    consumer: Agency,
    categories: string[],
    purpose: string,
    options: { legalBasis?: LegalBasis; accept?: boolean; window?: [number, number] } = {},
  ): Promise<number> {
    const now = await chainTime();
    const [validFrom, validUntil] = options.window ?? [now - 10, now + 3600];
    const proposed = await agreementsClient(await ledger.keystore.loadKey(provider)).propose({
      consumer: consumer.address,
      categories,
      purposes: [purpose],
      legalBasis: options.legalBasis ?? 'statute',
      validFrom,
      validUntil,
      terms: `${consumer.label} may read ${categories.join(', ')} for ${purpose}. Test terms.`,
    });
    if (options.accept !== false) await agreementsClient(consumer).accept(proposed.id);
    return proposed.id;
  }

  /** A GraphQL call as `who` (anonymous when undefined), with a fresh single-use token. */
  async function ask(query: string, variables: Record<string, unknown> = {}, who?: Wallet, purpose?: string, mode: PolicyMode = 'filter'): Promise<GraphQLResponse> {
    const headers: Record<string, string> = {};
    if (who) {
      const token = await createAgencyToken({ agencyDid: didForAddress(who.address, 1337), privateKey: who.privateKey, gatewayDid, purpose: purpose ?? PURPOSES.get(who)! });
      headers.authorization = `Bearer ${token}`;
    }
    return gql(gateways[mode].graphqlUrl, query, variables, headers);
  }
  const PURPOSES = new Map<Wallet, string>();

  async function metric(mode: PolicyMode, name: string): Promise<{ labels: string; value: number }[]> {
    const text = await (await fetch(`${gateways[mode].url}/metrics`)).text();
    return [...text.matchAll(new RegExp(`^${name}\\{([^}]*)\\} ([0-9.e+]+)$`, 'gm'))].map((m) => ({ labels: m[1]!, value: Number(m[2]) }));
  }
  async function fetchCounts(mode: PolicyMode = 'filter'): Promise<Record<Department, number>> {
    const counts: Record<Department, number> = { education: 0, finance: 0, justice: 0 };
    for (const { labels, value } of await metric(mode, 'govshare_subgraph_fetches_total')) {
      const subgraph = /subgraph="(\w+)"/.exec(labels)?.[1] as Department;
      counts[subgraph] += value;
    }
    return counts;
  }
  /** Department fetches made while `act` ran. */
  async function fetchesDuring<T>(act: () => Promise<T>, mode: PolicyMode = 'filter'): Promise<{ result: T; fetched: Record<Department, number> }> {
    const before = await fetchCounts(mode);
    const result = await act();
    const after = await fetchCounts(mode);
    return { result, fetched: { education: after.education - before.education, finance: after.finance - before.finance, justice: after.justice - before.justice } };
  }
  const denials = (response: GraphQLResponse) =>
    (response.errors ?? []).filter((e) => e.extensions?.code === 'UNAUTHORIZED_FIELD').map((e) => ({ path: e.path, scope: e.extensions?.scope }));

  beforeAll(async () => {
    ledger = await startTestLedger();
    storage = testStorage('pglite');
    await seedDemo(storage.config, CITIZENS);
    departments = await startDepartments(storage);

    const provider = createProvider(endpoint());
    const all = [hr, auditor, stranger, proposedOnly, expired, terminated, leaving];
    await ensureFunded({ provider, endpoint: endpoint(), funder: ledger.deployer, accounts: all.map((a) => a.address), topUp: parseEther('1'), minBalance: parseEther('1') });
    provider.destroy();
    for (const a of all) PURPOSES.set(a, a === auditor ? 'audit' : 'degree-verification');

    await agree('education', hr, ['education.degree', 'education.results'], 'degree-verification', { legalBasis: 'consent' });
    await agree('education', auditor, EDUCATION, 'audit');
    await agree('finance', auditor, FINANCE, 'audit');
    await agree('justice', auditor, JUSTICE, 'audit');
    await agree('education', proposedOnly, ['education.degree'], 'degree-verification', { accept: false });
    const now = await chainTime();
    await agree('education', expired, ['education.degree'], 'degree-verification', { window: [now - 100, now - 50] });
    await agreementsClient(terminated).terminate(await agree('education', terminated, ['education.degree'], 'degree-verification'));
    leavingAgreement = await agree('education', leaving, ['education.degree'], 'degree-verification');

    const registry = ledger.current.contracts.EthereumDIDRegistry.address;
    const resolver = createDidResolver({ ...endpoint(), registry });
    const versions = createDidVersionReader({ ...endpoint(), registry });
    const replay = memoryReplayGuard();
    // As `govshare serve gateway` connects it: the contract from the ledger's data dir, the departments from the keystore.
    const connected = await connectAgreements({
      config: { dataDir: ledger.dataDir, ledgerRpcUrl: ledger.current.url, ledgerChainId: 1337, ledgerPort: 0 },
      logger: silent,
      passphrase: TEST_PASSPHRASE,
      pollMs: 200,
    });
    const agreements = connected.source;
    closers.push(() => resolver.close(), () => versions.close(), () => replay.close(), () => connected.close());
    await agreements.ready();
    const authenticate = createAgencyAuthenticator({ gatewayDid, resolver, versions, replay });
    for (const mode of ['filter', 'reject', 'dry-run'] as const) {
      gateways[mode] = await startGateway({ subgraphs: departments.urls, port: 0, authenticator: () => authenticate, policy: { mode, agreements: () => agreements } });
    }

    const withDegree = await Promise.all(
      demoCitizens(CITIZENS).map(async (c) => {
        const r = await gql(departments.education.graphqlUrl, 'query($d: DID!) { citizen(did: $d) { degrees { title } } }', { d: c.did });
        return r.data?.citizen?.degrees?.length ? c.did : undefined;
      }),
    );
    did = withDegree.find(Boolean)!;
    expect(did).toBeDefined();
  });

  afterAll(async () => {
    for (const gateway of Object.values(gateways)) await gateway?.close();
    for (const close of closers) await close();
    await departments?.close();
    await storage?.cleanup();
    await ledger?.cleanup();
  });

  const CITIZEN = 'query($did: DID!) { citizen(did: $did) { did name degrees { title } criminalRecord { clean } } }';

  it('shows an anonymous caller public fields only: null and UNAUTHORIZED_FIELD at each restricted path, and fetches nothing restricted', async () => {
    const { result, fetched } = await fetchesDuring(() => ask(CITIZEN, { did }));
    expect(result.status).toBe(200);
    expect(result.data).toEqual({ citizen: { did, name: null, degrees: null, criminalRecord: null } });
    expect(denials(result)).toEqual([
      { path: ['citizen', 'name'], scope: 'finance.identity' },
      { path: ['citizen', 'degrees'], scope: 'education.degree' },
      { path: ['citizen', 'criminalRecord'], scope: 'justice.criminal-record' },
    ]);
    // Locations point into the client's document (where it asked for name), not a department's.
    expect((result.errors![0] as { locations?: unknown }).locations).toEqual([{ line: 1, column: CITIZEN.indexOf('name') + 1 }]);
    // Only the one department answering citizen(did) is asked, for the DID alone.
    expect(fetched.education + fetched.finance + fetched.justice).toBe(1);

    const list = await fetchesDuring(() => ask('{ citizens(first: 2) { edges { node { did } } } }'));
    expect(list.result.data).toEqual({ citizens: null });
    expect(denials(list.result)).toEqual([{ path: ['citizens'], scope: 'agency' }]);
    expect(list.fetched).toEqual({ education: 0, finance: 0, justice: 0 });
  });

  it('shows an agency the categories of its active agreement for the declared purpose, and no others', async () => {
    const { result, fetched } = await fetchesDuring(() => ask(CITIZEN, { did }, hr));
    expect(result.data!.citizen.degrees.length).toBeGreaterThan(0);
    expect(result.data!.citizen).toMatchObject({ did, name: null, criminalRecord: null });
    expect(denials(result)).toEqual([
      { path: ['citizen', 'name'], scope: 'finance.identity' },
      { path: ['citizen', 'criminalRecord'], scope: 'justice.criminal-record' },
    ]);
    expect(fetched).toMatchObject({ finance: 0, justice: 0 });

    const wrongPurpose = await ask(CITIZEN, { did }, hr, 'audit');
    expect(wrongPurpose.data!.citizen.degrees).toBeNull();
    expect(denials(wrongPurpose).map((d) => d.scope)).toContain('education.degree');

    const everything = await ask(CITIZEN, { did }, auditor);
    expect(everything.errors).toBeUndefined();
    expect(everything.data!.citizen.name).toEqual(expect.any(String));
    expect(everything.data!.citizen.criminalRecord).toEqual({ clean: expect.any(Boolean) });
  });

  it.each([
    ['no agreement', () => stranger],
    ['a proposed agreement it never accepted', () => proposedOnly],
    ['an expired agreement', () => expired],
    ['a terminated agreement', () => terminated],
  ])('grants nothing to an agency with %s', async (_what, who) => {
    const response = await ask('query($did: DID!) { citizen(did: $did) { degrees { title } } }', { did }, who());
    expect(response.data).toEqual({ citizen: { degrees: null } });
    expect(denials(response)).toEqual([{ path: ['citizen', 'degrees'], scope: 'education.degree' }]);
  });

  it('applies a termination on the ledger within seconds, on the next request', async () => {
    const query = 'query($did: DID!) { citizen(did: $did) { degrees { title } } }';
    expect((await ask(query, { did }, leaving)).data!.citizen.degrees.length).toBeGreaterThan(0);
    await agreementsClient(leaving).terminate(leavingAgreement);
    const terminatedAt = Date.now();
    let response: GraphQLResponse;
    do {
      response = await ask(query, { did }, leaving);
    } while (response.data!.citizen.degrees !== null && Date.now() - terminatedAt < 10_000);
    expect(response.data!.citizen.degrees).toBeNull();
    expect(Date.now() - terminatedAt).toBeLessThan(3_000);
  });

  it('filters through aliases, named fragments, __typename and @skip/@include with variables', async () => {
    const query = `
      query Constructs($did: DID!, $skipFirst: Boolean!, $withRecord: Boolean!) {
        citizen(did: $did) {
          __typename
          did
          first: name @skip(if: $skipFirst)
          second: name
          ...Studies
          criminalRecord @include(if: $withRecord) { clean }
        }
      }
      fragment Studies on Citizen { degrees { title } totalCredits taxClearance { status } }
    `;
    const all = await ask(query, { did, skipFirst: false, withRecord: true }, hr);
    expect(Object.keys(all.data!.citizen)).toEqual(['__typename', 'did', 'first', 'second', 'degrees', 'totalCredits', 'taxClearance', 'criminalRecord']);
    expect(all.data!.citizen).toMatchObject({ __typename: 'Citizen', did, first: null, second: null, taxClearance: null, criminalRecord: null, totalCredits: expect.any(Number) });
    expect(denials(all)).toEqual([
      { path: ['citizen', 'first'], scope: 'finance.identity' },
      { path: ['citizen', 'second'], scope: 'finance.identity' },
      { path: ['citizen', 'taxClearance'], scope: 'finance.tax' },
      { path: ['citizen', 'criminalRecord'], scope: 'justice.criminal-record' },
    ]);

    const { result: some, fetched } = await fetchesDuring(() => ask(query, { did, skipFirst: true, withRecord: false }, hr));
    expect(Object.keys(some.data!.citizen)).toEqual(['__typename', 'did', 'second', 'degrees', 'totalCredits', 'taxClearance']);
    expect(denials(some).map((d) => d.path)).toEqual([
      ['citizen', 'second'],
      ['citizen', 'taxClearance'],
    ]);
    expect(fetched).toMatchObject({ finance: 0, justice: 0 });
  });

  it('never calls a department whose fields were all denied across an entity hop', async () => {
    const query = '{ citizens(first: 3) { edges { node { did name degrees { title } } } } }';
    const asHr = await fetchesDuring(() => ask(query, {}, hr));
    expect(asHr.result.data!.citizens.edges).toHaveLength(3);
    expect(denials(asHr.result).map((d) => d.path)).toEqual([0, 1, 2].map((i) => ['citizens', 'edges', i, 'node', 'name']));
    expect(asHr.fetched).toEqual({ finance: 1, education: 1, justice: 0 });

    const asStranger = await fetchesDuring(() => ask(query, {}, stranger));
    expect(asStranger.result.data!.citizens.edges.map((e: { node: unknown }) => e.node)).toEqual(
      asHr.result.data!.citizens.edges.map((e: { node: { did: string } }) => ({ did: e.node.did, name: null, degrees: null })),
    );
    expect(denials(asStranger.result)).toHaveLength(6);
    expect(asStranger.fetched).toEqual({ finance: 1, education: 0, justice: 0 });
  });

  it('keeps the plan cache per rights: fewer rights after full rights get no denied data, and the reverse loses nothing', async () => {
    const query = 'query Poison($did: DID!) { citizen(did: $did) { did name taxClearance { status } degrees { title } criminalRecord { clean } } }';
    const full = await ask(query, { did }, auditor);
    expect(full.errors).toBeUndefined();
    const after = await fetchesDuring(() => ask(query, { did }, stranger));
    expect(after.result.data).toEqual({ citizen: { did, name: null, taxClearance: null, degrees: null, criminalRecord: null } });
    expect(denials(after.result)).toHaveLength(4);
    expect(after.fetched.education + after.fetched.finance + after.fetched.justice).toBe(1);

    const reverse = query.replace('Poison', 'PoisonReverse');
    const fewer = await ask(reverse, { did }, stranger);
    expect(denials(fewer)).toHaveLength(4);
    const { result: fullAfter, fetched } = await fetchesDuring(() => ask(reverse, { did }, auditor));
    expect(fullAfter.errors).toBeUndefined();
    expect(fullAfter.data).toEqual(full.data);
    expect(fetched).toMatchObject({ education: expect.any(Number), finance: expect.any(Number), justice: expect.any(Number) });
    expect(fetched.education && fetched.finance && fetched.justice).toBeGreaterThan(0);
  });

  it('refuses a whole mutation with a denied root field, writing nothing, and runs an allowed one', async () => {
    const register = (code: string) => `r${code.replace(/-/g, '')}: registerInstitution(input: { name: "Policy Test ${code}", code: "${code}", kind: COLLEGE, city: "Hangzhou", country: "CN" }) { institution { id code } }`;
    const anonymous = await fetchesDuring(() => ask(`mutation { ${register('POLICY-1')} }`));
    expect(anonymous.result.status).toBe(403);
    expect(anonymous.result.data ?? null).toBeNull();
    expect(anonymous.result.errors![0]!.extensions).toEqual({ code: 'FORBIDDEN_FIELDS', reason: 'DENIED_MUTATION', denied: [{ path: ['rPOLICY1'], scope: 'agency' }] });
    expect(anonymous.fetched).toEqual({ education: 0, finance: 0, justice: 0 });

    // An agency may register institutions but not enrol students without an agreement: nothing runs.
    const mixed = await fetchesDuring(() =>
      ask(`mutation { ${register('POLICY-2')} enrolStudent(input: { studentDid: "${did}", institutionId: "x", programme: "Law", level: BACHELOR, startDate: "2024-09-01" }) { enrolment { id } } }`, {}, stranger),
    );
    expect(mixed.result.status).toBe(403);
    expect(mixed.result.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN_FIELDS', denied: [{ path: ['enrolStudent'], scope: 'education.enrolment' }] });
    expect(mixed.fetched.education).toBe(0);
    const lookup = await gql(departments.education.graphqlUrl, '{ institutions(first: 100) { edges { node { code } } } }');
    expect(lookup.data!.institutions.edges.map((e: { node: { code: string } }) => e.node.code)).not.toContain('POLICY-2');

    const allowed = await ask(`mutation { ${register('POLICY-3')} }`, {}, stranger);
    expect(allowed.errors).toBeUndefined();
    expect(allowed.data!.rPOLICY3.institution.code).toBe('POLICY-3');
  });

  it('runs nothing for an operation it cannot resolve (unknown name, or several without one)', async () => {
    const document = 'query A($did: DID!) { citizen(did: $did) { name } } query B { institutions(first: 1) { edges { node { id } } } }';
    for (const operationName of ['C', undefined]) {
      const { result, fetched } = await fetchesDuring(async () => {
        const response = await fetch(gateways.filter.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: document, operationName, variables: { did } }) });
        return (await response.json()) as GraphQLResponse;
      });
      expect(result.data ?? null).toBeNull();
      expect(result.errors?.length).toBeGreaterThan(0);
      expect(fetched).toEqual({ education: 0, finance: 0, justice: 0 });
    }
  });

  it('counts decisions by outcome and whole-operation refusals by reason', async () => {
    const decisions = await metric('filter', 'govshare_policy_decisions_total');
    const outcome = (name: string) => decisions.find((d) => d.labels.includes(`outcome="${name}"`))?.value ?? 0;
    expect(outcome('filtered')).toBeGreaterThan(0);
    expect(outcome('allowed')).toBeGreaterThan(0);
    expect(outcome('refused')).toBe(2);
    const refusals = await metric('filter', 'govshare_refusals_total');
    expect(refusals.find((r) => r.labels.includes('code="FORBIDDEN_FIELDS"') && r.labels.includes('reason="DENIED_MUTATION"'))?.value).toBe(2);
    expect((await metric('filter', 'govshare_policy_agreements_fresh'))[0]?.value).toBe(1);
  });

  it('in reject mode refuses an operation with any denied field before planning, listing every denied path', async () => {
    const { result, fetched } = await fetchesDuring(() => ask('query($did: DID!) { citizen(did: $did) { did a: name b: name degrees { title } } }', { did }, hr, undefined, 'reject'), 'reject');
    expect(result.status).toBe(403);
    expect(codes(result)).toEqual(['FORBIDDEN_FIELDS']);
    expect(result.errors![0]!.extensions).toEqual({
      code: 'FORBIDDEN_FIELDS',
      reason: 'DENIED_FIELDS',
      denied: [
        { path: ['citizen', 'a'], scope: 'finance.identity' },
        { path: ['citizen', 'b'], scope: 'finance.identity' },
      ],
    });
    expect(fetched).toEqual({ education: 0, finance: 0, justice: 0 });
    const allowed = await ask('query($did: DID!) { citizen(did: $did) { did degrees { title } } }', { did }, hr, undefined, 'reject');
    expect(allowed.errors).toBeUndefined();
    expect(allowed.data!.citizen.degrees.length).toBeGreaterThan(0);
  });

  it('in dry-run mode runs the operation unchanged and counts what it would have denied', async () => {
    const response = await ask(CITIZEN, { did }, undefined, undefined, 'dry-run');
    expect(response.errors).toBeUndefined();
    expect(response.data!.citizen.degrees.length).toBeGreaterThan(0);
    const decisions = await metric('dry-run', 'govshare_policy_decisions_total');
    expect(decisions.find((d) => d.labels.includes('outcome="dry_run"'))?.value).toBe(1);
    const denied = await metric('dry-run', 'govshare_policy_denied_fields_total');
    expect(denied.map((d) => /scope="([^"]+)"/.exec(d.labels)?.[1]).sort()).toEqual(['education.degree', 'finance.identity', 'justice.criminal-record']);
  });
});
