import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { ES256KSigner, createJWT, decodeJWT } from 'did-jwt';
import { Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnchorClient, logIdFor, type AnchorClient } from '../../anchor/ledger/anchor-client.ts';
import { createDidResolver, didForAddress, type DidResolver } from '../../anchor/ledger/did.ts';
import { auditLog } from '../../anchor/log/audit-log.ts';
import { checkRecords } from '../../anchor/log/check-records.ts';
import { logDigest } from '../../anchor/log/log-digest.ts';
import { checkCredentialLeaves } from '../../subgraphs/kit/credentials/check-credential-leaves.ts';
import { connectAnchoring } from '../../anchor/log/connect-anchoring.ts';
import { leafHash, verifyInclusion } from '../../anchor/merkle.ts';
import { signRequest } from '../../credentials/request/sign-request.ts';
import type { RequestPurpose } from '../../credentials/request/signed-request.ts';
import type { CredentialProofAnswer } from '../../credentials/proof/credential-proof.ts';
import { parseStatusList, readStatus, statusListSubjectOf } from '../../credentials/status/index.ts';
import { verifyJwt } from '../../credentials/verify/verify-jwt.ts';
import { createLogger } from '../../platform/log.ts';
import { allocateStatusIndex } from '../../subgraphs/kit/credentials/allocate-status-index.ts';
import { currentStatusList } from '../../subgraphs/kit/credentials/current-status-list.ts';
import { credentialSettings } from '../../subgraphs/kit/credentials/settings.ts';
import { education } from '../../subgraphs/education/index.ts';
import type { EducationStore } from '../../subgraphs/education/store.ts';
import { finance } from '../../subgraphs/finance/index.ts';
import type { FinanceStore } from '../../subgraphs/finance/store.ts';
import { justice, type JusticeStore } from '../../subgraphs/justice/index.ts';
import { startSubgraph, type SubgraphServer } from '../../subgraphs/kit/server.ts';
import { startTestLedger, TEST_PASSPHRASE, type TestLedger } from '../anchor/ledger-fixture.ts';
import { codes, gql, type GraphQLResponse } from '../support/graphql.ts';
import { STORAGES, testStorage, type TestStorage } from '../support/storage.ts';

/**
 * Issue 5, department side: credentials issued through each department's GraphQL API on a
 * signed request (the citizen for themselves, an officer for anyone), anchored in the
 * department's log and provable against the root on the ledger, revoked, suspended and
 * reinstated through the department's status lists, audited like any record.
 * The three departments on each storage, each storage with an embedded ledger of its own (a
 * department's log id is its name: two runs anchoring "education" on one chain would mix).
 */
const PUBLIC_URL = 'https://gateway.govshare.test';
const logger = createLogger('test', 'silent');
const sha256 = (text: string) => createHash('sha256').update(text, 'latin1').digest();
const today = () => new Date().toISOString().slice(0, 10);
const daysFromNow = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

interface Identity {
  did: string;
  privateKey: string;
}
const citizen = (): Identity => {
  const wallet = Wallet.createRandom();
  return { did: didForAddress(wallet.address, 1337), privateKey: wallet.privateKey };
};

const ISSUED = 'jwt jti type subject digest status issuedAt expiresAt statusListIndex';
const issueMutation = (Dept: string) => `mutation($input: IssueCredentialInput!) { issue${Dept}Credential(input: $input) { ${ISSUED} } }`;
const changeMutation = (change: string, Dept: string) =>
  `mutation($input: ChangeCredentialStatusInput!) { ${change}${Dept}Credential(input: $input) { jti type status statusChangedAt anchorStatus } }`;

describe.each(STORAGES)('credentials issued by the departments (%s)', (kind) => {
  let ledger: TestLedger;
  let resolver: DidResolver;
  let anchor: AnchorClient;
  /** The department keys (their DIDs are the demo officers). */
  const officers: Record<string, Identity> = {};
  const extraOfficer = citizen();
  let storage: TestStorage;
  const servers = {} as { education: SubgraphServer<EducationStore>; finance: SubgraphServer<FinanceStore>; justice: SubgraphServer<JusticeStore> };
  type Dept = keyof typeof servers;
  const Names: Record<Dept, string> = { education: 'Education', finance: 'Finance', justice: 'Justice' };

  // Citizens: A has records everywhere; B has a standing conviction; N has no records at all.
  const alice = citizen();
  const bob = citizen();
  const nobody = citizen();
  const records = {} as { degreeId: string; enrolmentId: string; evidenceId: string; assessmentId: string };

  const request = (caller: Identity, dept: Dept, subject: string, purpose: RequestPurpose, extra: { type?: string; credentialId?: string; now?: Date; lifetimeSeconds?: number } = {}) =>
    signRequest({ caller, audience: officers[dept]!.did, subject, purpose, ...extra });

  const issue = (dept: Dept, input: Record<string, unknown>) => gql(servers[dept].graphqlUrl, issueMutation(Names[dept]), { input });
  const issueAs = async (caller: Identity, dept: Dept, type: string, subject: string, extra: Record<string, unknown> = {}) =>
    issue(dept, { type, subject, authorization: await request(caller, dept, subject, 'issue-credential', { type }), ...extra });
  const change = async (dept: Dept, what: 'revoke' | 'suspend' | 'reinstate', jti: string, subject: string, caller: Identity = officers[dept]!, reason: string | null = 'test') =>
    gql(servers[dept].graphqlUrl, changeMutation(what, Names[dept]), {
      input: { jti, ...(reason !== null && { reason }), authorization: await request(caller, dept, subject, `${what}-credential`, { credentialId: jti }) },
    });

  function ok<T = any>(response: GraphQLResponse, field: string): T {
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    return response.data![field] as T;
  }
  const issuedCount = async (dept: Dept) => Number((await servers[dept].store.db.query<{ n: number }>('SELECT count(*)::int8 AS n FROM issued_credentials'))[0]!.n);

  /** Fetches a status list from the department's own server, decoding it after checking its signature. */
  async function statusList(dept: Dept, listUrl: string, headers: Record<string, string> = {}) {
    const listId = listUrl.slice(`${PUBLIC_URL}/status/${dept}/`.length);
    const response = await fetch(`${servers[dept].url}/status/${listId}`, { headers });
    const body = await response.text();
    if (response.status !== 200) return { response, body };
    const verdict = await verifyJwt(body, { resolver, now: new Date() });
    expect(verdict.valid, JSON.stringify(verdict.checks)).toBe(true);
    expect(verdict.jws!.payload.iss).toBe(officers[dept]!.did);
    const subject = statusListSubjectOf(verdict.jws!.payload.vc);
    return { response, body, subject, list: parseStatusList(subject) };
  }

  async function proof(dept: Dept, jti: string): Promise<{ status: number; answer: CredentialProofAnswer }> {
    const response = await fetch(`${servers[dept].url}/credentials/${encodeURIComponent(jti)}/proof`);
    return { status: response.status, answer: (await response.json()) as CredentialProofAnswer };
  }

  beforeAll(async () => {
    ledger = await startTestLedger();
    const endpoint = { rpcUrl: ledger.current.url, chainId: 1337 };
    resolver = createDidResolver({ ...endpoint, registry: ledger.current.contracts.EthereumDIDRegistry.address });
    anchor = createAnchorClient({ ...endpoint, contract: ledger.current.contracts.Anchor.address });
    for (const name of ['education', 'finance', 'justice']) {
      const key = await ledger.keystore.loadKey(name);
      officers[name] = { did: didForAddress(key.address, 1337), privateKey: key.privateKey };
    }
    storage = testStorage(kind);
    const config = { ...storage.config, publicUrl: PUBLIC_URL, officers: { finance: [extraOfficer.did] } };
    for (const [name, department] of [['education', education], ['finance', finance], ['justice', justice]] as const) {
      (servers as Record<string, SubgraphServer<unknown>>)[name] = await startSubgraph(department as never, { config, port: 0, logger });
      const anchoring = await connectAnchoring({
        config: { dataDir: ledger.dataDir, ledgerRpcUrl: ledger.current.url, ledgerChainId: 1337, ledgerPort: 0 },
        keyName: name,
        logger,
        passphrase: TEST_PASSPHRASE,
        // Long: anchoring happens when the test flushes, so pending states can be seen.
        intervalMs: 3_600_000,
      });
      servers[name].log.setAnchoring(anchoring);
    }

    const edu = servers.education.store;
    const institution = await edu.registerInstitution({ name: 'Harbour University', code: `HU${randomUUID().slice(0, 6).toUpperCase()}`, kind: 'UNIVERSITY', city: 'Shanghai', country: 'CN' });
    const enrolment = await edu.enrolStudent({ studentDid: alice.did, institutionId: institution.id, programme: 'Physics', level: 'BACHELOR', startDate: '2019-09-01' });
    await edu.recordCourseResult({ enrolmentId: enrolment.id, courseCode: 'PH101', courseTitle: 'Mechanics', credits: 4.5, grade: 'A-', term: '2019-autumn', completedOn: '2020-01-10' });
    await edu.recordCourseResult({ enrolmentId: enrolment.id, courseCode: 'PH102', courseTitle: 'Waves', credits: 3, grade: 'F', term: '2020-spring', completedOn: '2020-06-10' });
    const degree = await edu.awardDegree({ holderDid: alice.did, institutionId: institution.id, enrolmentId: enrolment.id, title: 'Bachelor of Science', field: 'Physics', honours: 'First Class Honours', awardedOn: '2023-07-01' });

    await servers.finance.store.registerTaxpayer({ did: alice.did, name: 'Alice Example' });
    const assessment = await servers.finance.store.setTaxClearance({ did: alice.did, status: 'CLEARED', assessedOn: today(), validUntil: daysFromNow(30) });

    const jus = servers.justice.store;
    const court = await jus.registerCourt({ name: `Basic Court ${randomUUID().slice(0, 8)}`, level: 'BASIC', city: 'Hangzhou' });
    const criminal = await jus.openCase({
      courtId: court.id,
      caseNumber: `CR-${randomUUID().slice(0, 8)}`,
      kind: 'CRIMINAL',
      title: 'People v. Bob',
      filedOn: '2024-01-10',
      parties: [{ name: 'Procuratorate', role: 'PROSECUTOR' }, { did: bob.did, name: 'Bob Example', role: 'DEFENDANT' }],
    });
    await jus.changeCaseStatus({ caseId: criminal.id, status: 'ADMITTED', changedOn: '2024-01-11' });
    await jus.changeCaseStatus({ caseId: criminal.id, status: 'IN_HEARING', changedOn: '2024-02-01' });
    await jus.recordJudgment({ caseId: criminal.id, partyDid: bob.did, verdict: 'CONVICTED', offence: 'Fraud', sentence: '1 year', decidedOn: '2024-03-01' });
    const civil = await jus.openCase({
      courtId: court.id,
      caseNumber: `CV-${randomUUID().slice(0, 8)}`,
      kind: 'CIVIL',
      title: 'Alice v. Shop',
      filedOn: '2024-04-01',
      parties: [{ did: alice.did, name: 'Alice Example', role: 'PLAINTIFF' }, { name: 'Shop Ltd', role: 'DEFENDANT' }],
    });
    const evidence = await jus.registerEvidence({ caseId: civil.id, title: 'Chat log export', mediaType: 'application/pdf', sizeBytes: 123_456, contentDigest: 'ab'.repeat(32), submittedBy: alice.did });
    Object.assign(records, { degreeId: degree.id, enrolmentId: enrolment.id, evidenceId: evidence.id, assessmentId: assessment.id });
    // Anchor the seeded records now: from here on only a flush anchors (intervalMs above).
    for (const server of Object.values(servers)) await server.log.flush();
  }, 180_000);

  afterAll(async () => {
    for (const server of Object.values(servers)) await server?.close();
    await storage?.cleanup();
    resolver?.close();
    anchor?.close();
    await ledger?.cleanup();
  });

  it('says who it is at /identity', async () => {
    for (const dept of ['education', 'finance', 'justice'] as const) {
      const response = await fetch(`${servers[dept].url}/identity`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ department: dept, did: officers[dept]!.did, logId: dept });
    }
  });

  describe('issuance', () => {
    const cases: [Dept, string, (claims: any) => void][] = [
      ['education', 'DegreeCredential', (c) => expect(c).toMatchObject({ degree: { title: 'Bachelor of Science', field: 'Physics', level: 'BACHELOR', honours: 'First Class Honours', awardedOn: '2023-07-01' }, institution: { name: 'Harbour University', country: 'CN' } })],
      [
        'education',
        'TranscriptCredential',
        (c) => {
          expect(c.enrolment).toMatchObject({ programme: 'Physics', level: 'BACHELOR', startDate: '2019-09-01', status: 'COMPLETED', endDate: '2023-07-01' });
          expect(c.courses).toEqual([
            { courseCode: 'PH101', courseTitle: 'Mechanics', credits: 4.5, grade: 'A-', passed: true, term: '2019-autumn', completedOn: '2020-01-10' },
            { courseCode: 'PH102', courseTitle: 'Waves', credits: 3, grade: 'F', passed: false, term: '2020-spring', completedOn: '2020-06-10' },
          ]);
          expect(c.totalCredits).toBe(4.5);
        },
      ],
      ['finance', 'TaxClearanceCredential', (c) => expect(c).toEqual({ taxClearance: { status: 'CLEARED', assessedOn: today(), validUntil: daysFromNow(30) } })],
      ['justice', 'NoCriminalRecordCredential', (c) => expect(c.criminalRecord).toMatchObject({ clean: true })],
      [
        'justice',
        'EvidenceReceiptCredential',
        (c) => expect(c.evidence).toMatchObject({ id: records.evidenceId, title: 'Chat log export', mediaType: 'application/pdf', sizeBytes: 123_456, contentDigest: 'ab'.repeat(32) }),
      ],
    ];

    it.each(cases)('%s issues a %s to the citizen who signs for it, with claims from its records', async (dept, type, checkClaims) => {
      const before = Date.now();
      const issued = ok(await issueAs(alice, dept, type, alice.did), `issue${Names[dept]}Credential`);
      expect(issued).toMatchObject({ type, subject: alice.did, status: 'ACTIVE' });
      expect(issued.jti).toMatch(/^urn:govshare:vc:[A-Za-z0-9_-]{43}$/);

      // A VC Data Model 1.1 JWT signed by the department's DID (assertionMethod), verified natively.
      const verdict = await verifyJwt(issued.jwt, { resolver, now: new Date() });
      expect(verdict.valid, JSON.stringify(verdict.checks)).toBe(true);
      const { header, payload } = decodeJWT(issued.jwt);
      expect(header).toMatchObject({ alg: 'ES256K', typ: 'JWT' });
      expect(payload).toMatchObject({ iss: officers[dept]!.did, sub: alice.did, jti: issued.jti });
      expect(payload.nbf! * 1000).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
      expect(new Date(payload.nbf! * 1000).toISOString()).toBe(issued.issuedAt);
      expect(payload.vc['@context']).toEqual(['https://www.w3.org/2018/credentials/v1', 'https://www.w3.org/ns/credentials/status/v1']);
      expect(payload.vc.type).toEqual(['VerifiableCredential', type]);
      expect(payload.vc.credentialSubject.id).toBeUndefined();
      checkClaims(payload.vc.credentialSubject);

      // Two status entries, one per purpose, at the same index, under the gateway's public URL.
      const status = payload.vc.credentialStatus as Record<string, string>[];
      expect(status.map((s) => s.statusPurpose)).toEqual(['revocation', 'suspension']);
      for (const entry of status) {
        expect(entry.type).toBe('BitstringStatusListEntry');
        expect(entry.statusListIndex).toBe(String(issued.statusListIndex));
        expect(entry.statusListCredential).toMatch(new RegExp(`^${PUBLIC_URL}/status/${dept}/(revocation|suspension)-\\d+$`));
        expect(entry.id).toBe(`${entry.statusListCredential}#${issued.statusListIndex}`);
      }

      // Its digest is SHA-256 of the signing input, never of the whole JWT.
      const [h, p] = issued.jwt.split('.');
      expect(issued.digest).toBe(sha256(`${h}.${p}`).toString('hex'));
      const [row] = await servers[dept].store.db.query('SELECT * FROM issued_credentials WHERE id = $1', [issued.jti]);
      expect(row).toMatchObject({ type, subject_did: alice.did, requested_by: alice.did, claims_source: 'RECORDS', digest: issued.digest, revoked: false, suspended: false });
      if (type === 'TaxClearanceCredential') expect(payload.exp).toBe(Date.parse(`${daysFromNow(31)}T00:00:00Z`) / 1000);
      if (type === 'NoCriminalRecordCredential') expect(payload.exp! - payload.nbf!).toBe(90 * 86_400);
      if (type === 'DegreeCredential') expect(payload.exp).toBeUndefined();
    });

    it.each(cases)('%s issues a %s on an officer\'s signed request (its own DID), for any subject, from its records', async (dept, type, checkClaims) => {
      const issued = ok(await issueAs(officers[dept]!, dept, type, alice.did), `issue${Names[dept]}Credential`);
      checkClaims(decodeJWT(issued.jwt).payload.vc.credentialSubject);
      const [row] = await servers[dept].store.db.query('SELECT requested_by, claims_source FROM issued_credentials WHERE id = $1', [issued.jti]);
      expect(row).toEqual({ requested_by: officers[dept]!.did, claims_source: 'RECORDS' });
    });

    it('picks the record a request names, and refuses one that is not the subject\'s', async () => {
      const named = ok(await issueAs(alice, 'education', 'DegreeCredential', alice.did, { recordId: records.degreeId }), 'issueEducationCredential');
      expect((await servers.education.store.db.query('SELECT record_id FROM issued_credentials WHERE id = $1', [named.jti]))[0]).toEqual({ record_id: records.degreeId });
      expect(codes(await issueAs(alice, 'education', 'DegreeCredential', alice.did, { recordId: randomUUID() }))).toEqual(['NO_RECORDS']);
      expect(codes(await issueAs(alice, 'education', 'DegreeCredential', alice.did, { recordId: 'not-a-uuid' }))).toEqual(['NO_RECORDS']);
      // A transcript named by its enrolment.
      const transcript = ok(await issueAs(alice, 'education', 'TranscriptCredential', alice.did, { recordId: records.enrolmentId }), 'issueEducationCredential');
      expect(decodeJWT(transcript.jwt).payload.vc.credentialSubject.courses).toHaveLength(2);
      // A clearance is not about one record.
      const clearance = await issueAs(alice, 'finance', 'TaxClearanceCredential', alice.did, { recordId: records.assessmentId });
      expect(codes(clearance)).toEqual(['INVALID_ARGUMENT']);
    });

    it('lets an officer give claims for a subject the department has no records about, and only then', async () => {
      const claims = { taxClearance: { status: 'CLEARED', assessedOn: '2026-01-05', note: 'foreign resident' } };
      const issued = ok(await issueAs(officers.finance!, 'finance', 'TaxClearanceCredential', nobody.did, { claims }), 'issueFinanceCredential');
      const { payload } = decodeJWT(issued.jwt);
      expect(payload.vc.credentialSubject).toEqual(claims);
      expect(payload.exp! - payload.nbf!).toBe(90 * 86_400);
      expect((await servers.finance.store.db.query('SELECT claims_source, record_id, requested_by FROM issued_credentials WHERE id = $1', [issued.jti]))[0]).toEqual({
        claims_source: 'OFFICER',
        record_id: null,
        requested_by: officers.finance!.did,
      });
      // An officer configured by GOVSHARE_FINANCE_OFFICERS counts too.
      ok(await issueAs(extraOfficer, 'finance', 'TaxClearanceCredential', nobody.did, { claims }), 'issueFinanceCredential');
      // ...but not at another department.
      expect(codes(await issueAs(extraOfficer, 'education', 'DegreeCredential', alice.did))).toEqual(['NOT_AUTHORIZED']);
      // Where the department has records, they are what the credential states.
      expect(codes(await issueAs(officers.finance!, 'finance', 'TaxClearanceCredential', alice.did, { claims }))).toEqual(['CLAIMS_NOT_ALLOWED']);
      // Claims must be an object without "id".
      expect(codes(await issueAs(officers.finance!, 'finance', 'TaxClearanceCredential', nobody.did, { claims: [1, 2] }))).toEqual(['INVALID_ARGUMENT']);
      expect(codes(await issueAs(officers.finance!, 'finance', 'TaxClearanceCredential', nobody.did, { claims: { id: alice.did } }))).toEqual(['INVALID_ARGUMENT']);
      // No records and no claims: nothing to state.
      expect(codes(await issueAs(officers.education!, 'education', 'DegreeCredential', nobody.did))).toEqual(['NO_RECORDS']);
    });

    it('accepts a request signed ES256K-R (did-jwt\'s recoverable form)', async () => {
      const iat = Math.floor(Date.now() / 1000);
      const authorization = await createJWT(
        { aud: officers.education!.did, sub: alice.did, purpose: 'issue-credential', type: 'DegreeCredential', requestId: randomUUID().replaceAll('-', ''), iat, exp: iat + 60 },
        { issuer: alice.did, signer: ES256KSigner(Buffer.from(alice.privateKey.slice(2), 'hex'), true) },
        { alg: 'ES256K-R' },
      );
      ok(await issue('education', { type: 'DegreeCredential', subject: alice.did, authorization }), 'issueEducationCredential');
    });

    it('refuses, with a stable code and writing nothing, every request it must not serve', async () => {
      const before = { education: await issuedCount('education'), finance: await issuedCount('finance'), justice: await issuedCount('justice') };
      const expectRefused = async (response: GraphQLResponse, code: string, reason?: string) => {
        expect(response.data?.[Object.keys(response.data ?? {})[0] ?? ''] ?? null).toBeNull();
        expect(codes(response), JSON.stringify(response.errors)).toEqual([code]);
        if (reason) expect(response.errors![0]!.extensions!.reason).toBe(reason);
      };

      // Signed by a key that is not the DID's it claims.
      const mallory = citizen();
      const forged = await signRequest({ caller: { did: alice.did, privateKey: mallory.privateKey }, audience: officers.education!.did, subject: alice.did, purpose: 'issue-credential', type: 'DegreeCredential' });
      await expectRefused(await issue('education', { type: 'DegreeCredential', subject: alice.did, authorization: forged }), 'REQUEST_INVALID', 'SIGNATURE_INVALID');
      // Replayed: the same signed request twice.
      const once = await request(alice, 'education', alice.did, 'issue-credential', { type: 'DegreeCredential' });
      ok(await issue('education', { type: 'DegreeCredential', subject: alice.did, authorization: once }), 'issueEducationCredential');
      await expectRefused(await issue('education', { type: 'DegreeCredential', subject: alice.did, authorization: once }), 'REQUEST_REPLAYED');
      // Expired.
      const old = await request(alice, 'education', alice.did, 'issue-credential', { type: 'DegreeCredential', now: new Date(Date.now() - 600_000) });
      await expectRefused(await issue('education', { type: 'DegreeCredential', subject: alice.did, authorization: old }), 'REQUEST_EXPIRED');
      // A citizen asking for someone else, or passing claims.
      await expectRefused(await issueAs(alice, 'education', 'DegreeCredential', nobody.did), 'NOT_AUTHORIZED');
      await expectRefused(await issueAs(alice, 'finance', 'TaxClearanceCredential', alice.did, { claims: { taxClearance: { status: 'CLEARED' } } }), 'CLAIMS_NOT_ALLOWED');
      // A type the department does not issue (another department's, or none at all).
      await expectRefused(await issueAs(alice, 'education', 'TaxClearanceCredential', alice.did), 'CREDENTIAL_TYPE_UNKNOWN');
      await expectRefused(await issueAs(alice, 'justice', 'PassportCredential', alice.did), 'CREDENTIAL_TYPE_UNKNOWN');
      // No records about the subject; records that contradict the credential.
      await expectRefused(await issueAs(nobody, 'education', 'TranscriptCredential', nobody.did), 'NO_RECORDS');
      await expectRefused(await issueAs(nobody, 'finance', 'TaxClearanceCredential', nobody.did), 'NO_RECORDS');
      await expectRefused(await issueAs(nobody, 'justice', 'EvidenceReceiptCredential', nobody.did), 'NO_RECORDS');
      await expectRefused(await issueAs(bob, 'justice', 'NoCriminalRecordCredential', bob.did), 'NOT_ELIGIBLE');
      // A request made for another department, another subject, another type or another operation.
      const forFinance = await request(alice, 'finance', alice.did, 'issue-credential', { type: 'DegreeCredential' });
      await expectRefused(await issue('education', { type: 'DegreeCredential', subject: alice.did, authorization: forFinance }), 'REQUEST_INVALID', 'AUDIENCE_MISMATCH');
      const forTranscript = await request(alice, 'education', alice.did, 'issue-credential', { type: 'TranscriptCredential' });
      await expectRefused(await issue('education', { type: 'DegreeCredential', subject: alice.did, authorization: forTranscript }), 'REQUEST_INVALID', 'TYPE_MISMATCH');
      const forBob = await request(officers.education!, 'education', bob.did, 'issue-credential', { type: 'DegreeCredential' });
      await expectRefused(await issue('education', { type: 'DegreeCredential', subject: alice.did, authorization: forBob }), 'REQUEST_INVALID', 'SUBJECT_MISMATCH');
      const revocation = await request(officers.education!, 'education', alice.did, 'revoke-credential', { type: 'DegreeCredential' });
      await expectRefused(await issue('education', { type: 'DegreeCredential', subject: alice.did, authorization: revocation }), 'REQUEST_INVALID', 'PURPOSE_MISMATCH');
      await expectRefused(await issue('education', { type: 'DegreeCredential', subject: alice.did, authorization: 'not.a.jwt' }), 'REQUEST_INVALID', 'MALFORMED');

      expect({ education: await issuedCount('education'), finance: await issuedCount('finance'), justice: await issuedCount('justice') }).toEqual({
        ...before,
        education: before.education + 1,
      });
    });
  });

  describe('anchoring', () => {
    it('anchors each credential by the digest of its signing input, provable against the root on the ledger', async () => {
      const issued = ok(await issueAs(alice, 'justice', 'EvidenceReceiptCredential', alice.did), 'issueJusticeCredential');
      const pending = await proof('justice', issued.jti);
      expect(pending.status).toBe(200);
      expect(['PENDING_INTEGRATION', 'PENDING_ANCHOR']).toContain(pending.answer.status);
      const state = async () => ok<any>(await gql(servers.justice.graphqlUrl, 'query($jti: ID!) { justiceCredential(jti: $jti) { jti type status anchorStatus } }', { jti: issued.jti }), 'justiceCredential');
      expect(['PENDING_INTEGRATION', 'PENDING_ANCHOR']).toContain((await state()).anchorStatus);

      await servers.justice.log.flush();
      const { status, answer } = await proof('justice', issued.jti);
      expect(status).toBe(200);
      if (answer.status !== 'ANCHORED') throw new Error(`expected ANCHORED, got ${answer.status}`);
      const [h, p] = issued.jwt.split('.');
      expect(answer.proof.digest).toBe(sha256(`${h}.${p}`).toString('hex'));
      expect(answer.proof.logId).toBe('justice');
      expect(answer.proof.checkpoint.signer).toBe(officers.justice!.did);

      // The root as the ledger holds it, read by the anchor client: the audit path leads there.
      const onChain = await anchor.readCheckpoint(logIdFor('justice'), answer.proof.treeSize);
      expect(onChain).not.toBeNull();
      expect(onChain!.root.slice(2)).toBe(answer.proof.checkpoint.root);
      expect(onChain!.blockNumber).toBe(answer.proof.checkpoint.anchor.blockNumber);
      const path = answer.proof.auditPath.map((x) => Buffer.from(x, 'hex'));
      expect(verifyInclusion(leafHash(Buffer.from(answer.proof.digest, 'hex')), answer.proof.leafIndex, answer.proof.treeSize, path, Buffer.from(onChain!.root.slice(2), 'hex'))).toBe(true);
      // A digest of the whole JWT is not what is anchored.
      expect(verifyInclusion(leafHash(sha256(issued.jwt)), answer.proof.leafIndex, answer.proof.treeSize, path, Buffer.from(onChain!.root.slice(2), 'hex'))).toBe(false);

      // Later checkpoints do not move the proof: it stays against the first one covering the leaf.
      ok(await issueAs(alice, 'justice', 'NoCriminalRecordCredential', alice.did), 'issueJusticeCredential');
      await servers.justice.log.flush();
      const again = await proof('justice', issued.jti);
      expect(again.answer).toEqual(answer);
      expect((await state()).anchorStatus).toBe('ANCHORED');

      const unknown = await proof('justice', `urn:govshare:vc:${'A'.repeat(43)}`);
      expect(unknown).toEqual({ status: 404, answer: { status: 'UNKNOWN' } });
    });
  });

  describe('revocation and suspension', () => {
    it('flips the credential\'s bit in the served lists: revoke, suspend, reinstate; officers only', async () => {
      const issued = ok(await issueAs(alice, 'education', 'DegreeCredential', alice.did), 'issueEducationCredential');
      const [revocationEntry, suspensionEntry] = decodeJWT(issued.jwt).payload.vc.credentialStatus as Record<string, string>[];
      const bit = async (entry: Record<string, string>) => {
        const { subject } = await statusList('education', entry.statusListCredential!);
        return readStatus(entry, subject, { listCredentialId: entry.statusListCredential! }).set;
      };
      expect(await bit(revocationEntry!)).toBe(false);
      expect(await bit(suspensionEntry!)).toBe(false);

      // The list credential: signed by the department, a ttl, cacheable, with an ETag.
      const first = await statusList('education', suspensionEntry!.statusListCredential!);
      expect(first.response.headers.get('content-type')).toBe('application/jwt');
      expect(first.response.headers.get('cache-control')).toBe('public, max-age=60');
      expect(first.list!.ttl).toBe(60_000);
      expect(first.list!.bitstring.length).toBe(131_072);
      const etag = first.response.headers.get('etag')!;
      expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
      const payload = decodeJWT(first.body).payload;
      expect(payload).toMatchObject({ iss: officers.education!.did, jti: suspensionEntry!.statusListCredential });
      expect(payload.exp! - payload.nbf!).toBe(86_400);
      // Not signed again per GET, and a matching If-None-Match is a 304 with no body.
      expect((await statusList('education', suspensionEntry!.statusListCredential!)).body).toBe(first.body);
      const notModified = await statusList('education', suspensionEntry!.statusListCredential!, { 'if-none-match': etag });
      expect(notModified.response.status).toBe(304);
      expect(notModified.body).toBe('');
      expect(notModified.response.headers.get('etag')).toBe(etag);

      // Only an officer may change a status; the citizen may not.
      expect(codes(await change('education', 'suspend', issued.jti, alice.did, alice))).toEqual(['NOT_AUTHORIZED']);
      expect(codes(await change('education', 'suspend', issued.jti, alice.did, officers.education!, null))).toEqual(['INVALID_ARGUMENT']);
      expect(codes(await change('education', 'suspend', `urn:govshare:vc:${'B'.repeat(43)}`, alice.did))).toEqual(['CREDENTIAL_NOT_FOUND']);
      expect(codes(await change('education', 'suspend', issued.jti, bob.did))).toEqual(['REQUEST_INVALID']);

      const suspended = ok(await change('education', 'suspend', issued.jti, alice.did), 'suspendEducationCredential');
      expect(suspended).toMatchObject({ jti: issued.jti, type: 'DegreeCredential', status: 'SUSPENDED' });
      expect(await bit(suspensionEntry!)).toBe(true);
      expect(await bit(revocationEntry!)).toBe(false);
      // The change shows at once: the old ETag no longer matches.
      expect((await statusList('education', suspensionEntry!.statusListCredential!, { 'if-none-match': etag })).response.status).toBe(200);

      ok(await change('education', 'reinstate', issued.jti, alice.did, officers.education!, null), 'reinstateEducationCredential');
      expect(await bit(suspensionEntry!)).toBe(false);

      const revoked = ok(await change('education', 'revoke', issued.jti, alice.did, officers.education!, 'degree withdrawn'), 'revokeEducationCredential');
      expect(revoked.status).toBe('REVOKED');
      expect(await bit(revocationEntry!)).toBe(true);
      expect(await bit(suspensionEntry!)).toBe(false);
      // Revocation is final.
      expect(codes(await change('education', 'reinstate', issued.jti, alice.did, officers.education!, null))).toEqual(['CREDENTIAL_REVOKED']);
      expect(codes(await change('education', 'suspend', issued.jti, alice.did))).toEqual(['CREDENTIAL_REVOKED']);
      expect(ok<any>(await gql(servers.education.graphqlUrl, 'query($jti: ID!) { educationCredential(jti: $jti) { status } }', { jti: issued.jti }), 'educationCredential')).toEqual({ status: 'REVOKED' });

      // Other credentials of the same list are untouched.
      const other = ok(await issueAs(alice, 'education', 'TranscriptCredential', alice.did), 'issueEducationCredential');
      expect(other.statusListIndex).not.toBe(issued.statusListIndex);
      const [otherRevocation] = decodeJWT(other.jwt).payload.vc.credentialStatus as Record<string, string>[];
      expect(otherRevocation!.statusListCredential).toBe(revocationEntry!.statusListCredential);
      expect(await bit(otherRevocation!)).toBe(false);
      const list = await statusList('education', revocationEntry!.statusListCredential!);
      expect(list.list!.bitstring.get(issued.statusListIndex)).toBe(true);

      expect((await fetch(`${servers.education.url}/status/revocation-999`)).status).toBe(404);
    });
  });

  describe('status lists', () => {
    it('gives concurrent issuances distinct random indexes', async () => {
      const issued = await Promise.all(Array.from({ length: 8 }, () => issueAs(alice, 'education', 'DegreeCredential', alice.did)));
      const indexes = issued.map((response) => ok(response, 'issueEducationCredential').statusListIndex as number);
      expect(new Set(indexes).size).toBe(8);
      // Random, not sequential: eight consecutive indexes out of 131,072 would be a one-in-billions draw.
      const sorted = [...indexes].sort((a, b) => a - b);
      expect(sorted.at(-1)! - sorted[0]!).toBeGreaterThan(7);
    });

    it('starts a new series (two new lists) once the current one is full enough', async () => {
      const settings = credentialSettings({ department: 'education', publicUrl: PUBLIC_URL, seriesFillLimit: 1 / 131_072 });
      const db = servers.education.store.db;
      const rollback = new Error('roll back');
      await expect(
        db.transaction(async (tx) => {
          const [{ latest }] = (await tx.query<{ latest: number }>('SELECT max(id) AS latest FROM status_list_series')) as [{ latest: number }];
          const first = await allocateStatusIndex(tx, settings);
          const second = await allocateStatusIndex(tx, settings);
          expect(first.series).toBe(latest + 1);
          expect(second.series).toBe(latest + 2);
          expect(second.lists).toEqual({ revocation: `revocation-${latest + 2}`, suspension: `suspension-${latest + 2}` });
          const lists = await tx.query('SELECT id, purpose, series FROM status_lists WHERE series = $1 ORDER BY purpose', [latest + 2]);
          expect(lists).toEqual([
            { id: `revocation-${latest + 2}`, purpose: 'revocation', series: latest + 2 },
            { id: `suspension-${latest + 2}`, purpose: 'suspension', series: latest + 2 },
          ]);
          throw rollback;
        }),
      ).rejects.toBe(rollback);
    });

    it('signs a list again only when it ages, or when the department\'s key changed', async () => {
      const settings = credentialSettings({ department: 'education', publicUrl: PUBLIC_URL });
      const db = servers.education.store.db;
      const issuer = { ...officers.education!, resolver };
      const now = new Date();
      const served = (await currentStatusList(db, 'suspension-1', issuer, settings, now))!;
      expect((await currentStatusList(db, 'suspension-1', issuer, settings, new Date(now.getTime() + 3_600_000)))!.jwt).toBe(served.jwt);
      // Less than a quarter of its validity left: signed again, valid from then.
      const later = new Date(served.validUntil.getTime() - 3_600_000);
      const renewed = (await currentStatusList(db, 'suspension-1', issuer, settings, later))!;
      expect(renewed.jwt).not.toBe(served.jwt);
      expect(decodeJWT(renewed.jwt).payload.nbf).toBe(Math.floor(later.getTime() / 1000));
      // Without a key, a copy past its validity cannot be served.
      await expect(currentStatusList(db, 'suspension-1', undefined, settings, new Date(renewed.validUntil.getTime() + 1000))).rejects.toMatchObject({ code: 'ISSUER_UNAVAILABLE' });
      // Another key (a rotation): signed again by it.
      const rotated = { ...issuer, privateKey: Wallet.createRandom().privateKey };
      const resigned = (await currentStatusList(db, 'suspension-1', rotated, settings, later))!;
      expect(resigned.jwt).not.toBe(renewed.jwt);
      // Back to the department's key for the rest of the suite.
      await currentStatusList(db, 'suspension-1', issuer, settings, now);
      expect(await currentStatusList(db, 'no-such-list', issuer, settings, now)).toBeUndefined();
    });
  });

  describe('audit', () => {
    it('stays clean with credentials issued and changed, and names an issued credential altered by SQL', async () => {
      for (const dept of ['education', 'finance', 'justice'] as const) {
        await servers[dept].log.flush();
        const db = servers[dept].store.db;
        const department = { education, finance, justice }[dept];
        expect(department.recordedTables).toContain('issued_credentials');
        const records = await checkRecords(db, department.recordedTables);
        expect(records.findings, dept).toEqual([]);
        expect(await checkCredentialLeaves(db), dept).toEqual([]);
        const log = await auditLog(db, dept, anchor);
        expect(log.findings, dept).toEqual([]);
        // Every issuance is two leaves: the issued_credentials record and the credential itself.
        const [counts] = await db.query<{ credentials: number; leaves: number }>(
          "SELECT (SELECT count(*) FROM issued_credentials)::int8 AS credentials, (SELECT count(*) FROM record_log WHERE record_table = 'credential')::int8 AS leaves",
        );
        expect(counts!.leaves).toBe(counts!.credentials);
        expect(counts!.credentials).toBeGreaterThan(0);
      }

      const issued = ok(await issueAs(alice, 'finance', 'TaxClearanceCredential', alice.did), 'issueFinanceCredential');
      const db = servers.finance.store.db;
      await db.transaction(async (tx: { query: (sql: string, params?: unknown[]) => Promise<unknown> }) => {
        await tx.query('SET LOCAL session_replication_role = replica');
        await tx.query('UPDATE issued_credentials SET revoked = false, suspended = false, subject_did = $2 WHERE id = $1', [issued.jti, nobody.did]);
      });
      const { findings } = await checkRecords(db, finance.recordedTables);
      expect(findings).toEqual([{ table: 'issued_credentials', id: issued.jti, problem: 'ALTERED' }]);
      // And the store refuses to build on the tampered row.
      expect(codes(await change('finance', 'revoke', issued.jti, nobody.did))).toEqual(['RECORD_TAMPERED']);
    });

    it('names a credential leaf nobody issued, a second leaf, a changed digest and a removed leaf', async () => {
      const db = servers.justice.store.db;
      await servers.justice.log.flush();
      const [kept, changed, unlogged] = [
        ok(await issueAs(alice, 'justice', 'NoCriminalRecordCredential', alice.did), 'issueJusticeCredential'),
        ok(await issueAs(alice, 'justice', 'NoCriminalRecordCredential', alice.did), 'issueJusticeCredential'),
        ok(await issueAs(alice, 'justice', 'NoCriminalRecordCredential', alice.did), 'issueJusticeCredential'),
      ] as [{ jti: string }, { jti: string }, { jti: string }];
      expect(await checkCredentialLeaves(db)).toEqual([]);
      // A credential signed elsewhere (a stolen key) and logged straight into the table: the
      // log audit sees a well-formed leaf, the record audit reads salted entries only.
      const forged = `urn:govshare:vc:${randomBytes(32).toString('base64url')}`;
      await logDigest(db, 'credential', forged, randomBytes(32));
      await logDigest(db, 'credential', kept.jti, randomBytes(32));
      await db.transaction(async (tx: { query: (sql: string, params?: unknown[]) => Promise<unknown> }) => {
        await tx.query('SET LOCAL session_replication_role = replica');
        await tx.query('UPDATE issued_credentials SET digest = $2 WHERE id = $1', [changed.jti, randomBytes(32).toString('hex')]);
        await tx.query("DELETE FROM record_log WHERE record_table = 'credential' AND record_id = $1", [unlogged.jti]);
      });
      const found = await checkCredentialLeaves(db);
      expect(found).toEqual(
        expect.arrayContaining([
          { table: 'credential', id: forged, problem: 'INSERTED' },
          { table: 'credential', id: kept.jti, problem: 'INSERTED' },
          { table: 'credential', id: changed.jti, problem: 'ALTERED' },
          { table: 'credential', id: unlogged.jti, problem: 'DELETED' },
        ]),
      );
      expect(found).toHaveLength(4);
    });
  });
});
