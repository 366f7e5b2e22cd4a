import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRecords } from '../../anchor/log/check-records.ts';
import { recordDigest } from '../../anchor/log/record-digest.ts';
import { demoCitizens } from '../../demo/citizens.ts';
import { demoId } from '../../demo/ids.ts';
import { seedJustice } from '../../demo/justice.ts';
import type { Database } from '../../store/open.ts';
import { justice, type JusticeStore } from '../../subgraphs/justice/index.ts';
import type { Department } from '../../subgraphs/kit/department.ts';
import { openDepartmentStore } from '../../subgraphs/kit/open-store.ts';
import { startSubgraph, type SubgraphServer } from '../../subgraphs/kit/server.ts';
import { codes, gql, type GraphQLResponse } from '../support/graphql.ts';
import { STORAGES, testStorage, type TestStorage } from '../support/storage.ts';

const did = (n: number) => `did:ethr:0x539:0x${n.toString(16).padStart(40, '0')}`;
const digest = (n: number) => n.toString(16).padStart(64, 'a');
const JUDGE = did(9000);

const REGISTER_COURT = `mutation($input: RegisterCourtInput!) { registerCourt(input: $input) { court { id name level city recordedAt } } }`;
const OPEN_CASE = `mutation($input: OpenCaseInput!) {
  openCase(input: $input) {
    case {
      id caseNumber kind title status filedOn recordedAt
      court { id name }
      statusHistory { status previousStatus changedOn note }
      parties { id name role citizen { did } case { id } }
    }
  }
}`;
const ADD_PARTY = `mutation($input: AddPartyInput!) { addParty(input: $input) { party { id name role citizen { did } case { id } } } }`;
const CHANGE_STATUS = `mutation($input: ChangeCaseStatusInput!) {
  changeCaseStatus(input: $input) { case { id status statusHistory { status previousStatus changedOn } } change { id status previousStatus changedOn note } }
}`;
const RECORD_JUDGMENT = `mutation($input: RecordJudgmentInput!) {
  recordJudgment(input: $input) { judgment { id verdict offence sentence decidedOn party { name role citizen { did } } case { id caseNumber } } }
}`;
const REGISTER_EVIDENCE = `mutation($input: RegisterEvidenceInput!) {
  registerEvidence(input: $input) { evidence { id title mediaType sizeBytes contentDigest submittedBy submittedAt case { id } accessRequests { id } } }
}`;
const REQUEST_ACCESS = `mutation($input: RequestEvidenceAccessInput!) {
  requestEvidenceAccess(input: $input) { request { id requester reason status decidedBy decidedAt note requestedAt evidence { id } } }
}`;
const DECIDE_ACCESS = `mutation($input: DecideEvidenceAccessInput!) {
  decideEvidenceAccess(input: $input) { request { id status decidedBy decidedAt note } }
}`;
const CITIZEN_ENTITIES = `query($r: [_Any!]!) {
  _entities(representations: $r) {
    ... on Citizen {
      did
      caseParticipations { role name case { caseNumber } }
      criminalRecord { clean checkedAt convictions { verdict offence sentence decidedOn case { caseNumber } party { citizen { did } } } }
    }
  }
}`;

/** Data of a response that must have succeeded. */
function ok<Data = Record<string, any>>(response: GraphQLResponse<Data>): Data {
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return response.data!;
}

/** Asserts exactly one error with this code (and field, when the server names one). */
function refused(response: GraphQLResponse, code: string, field?: string): string {
  expect(codes(response)).toEqual([code]);
  if (field) expect(response.errors![0]!.extensions?.field).toBe(field);
  return response.errors![0]!.message;
}

describe.each(STORAGES)('justice subgraph on %s', (kind) => {
  let storage: TestStorage;
  let server: SubgraphServer<JusticeStore>;
  let url: string;
  const call = (query: string, variables?: Record<string, unknown>) => gql(url, query, variables);

  let courtId: string;
  let otherCourtId: string;

  async function registerCourt(name: string, extra: Record<string, unknown> = {}) {
    return call(REGISTER_COURT, { input: { name, level: 'INTERNET', city: 'Beijing', ...extra } });
  }

  let caseCounter = 0;
  /** Opens a case with a plaintiff and a defendant (both with DIDs unless given). */
  async function openCase(overrides: Record<string, unknown> = {}) {
    caseCounter++;
    const data = ok(
      await call(OPEN_CASE, {
        input: {
          courtId,
          caseNumber: `2026-CIV-${String(caseCounter).padStart(6, '0')}`,
          kind: 'CIVIL',
          title: `Test case ${caseCounter}`,
          filedOn: '2026-01-05',
          parties: [
            { did: did(caseCounter * 10 + 1), name: `Plaintiff ${caseCounter}`, role: 'PLAINTIFF' },
            { did: did(caseCounter * 10 + 2), name: `Defendant ${caseCounter}`, role: 'DEFENDANT' },
          ],
          ...overrides,
        },
      }),
    );
    return data.openCase.case;
  }

  async function moveTo(caseId: string, statuses: string[], from = '2026-01-10') {
    let on = from;
    for (const status of statuses) {
      ok(await call(CHANGE_STATUS, { input: { caseId, status, changedOn: on } }));
      on = on.replace(/\d\d$/, (d) => String(Number(d) + 1).padStart(2, '0'));
    }
  }

  async function count(table: string): Promise<number> {
    const [row] = await server.store.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
    return row!.n;
  }

  // The department over a database that counts the queries made outside transactions (the reads).
  let queries = 0;
  const counted: Department<JusticeStore> = {
    ...justice,
    createStore: (db: Database) => justice.createStore({ ...db, query: (sql, params) => (queries++, db.query(sql, params)) }),
  };

  beforeAll(async () => {
    storage = testStorage(kind);
    server = await startSubgraph(counted, { config: storage.config, port: 0 });
    url = server.graphqlUrl;
    courtId = ok(await registerCourt('Test Internet Court')).registerCourt.court.id;
    otherCourtId = ok(await registerCourt('Test Basic Court', { level: 'BASIC', city: 'Shenzhen' })).registerCourt.court.id;
  });

  afterAll(async () => {
    await server?.close();
    await storage?.cleanup();
  });

  describe('courts', () => {
    it('registers a court and reads it back', async () => {
      const court = ok(await registerCourt('Test Court of Courts', { level: 'SPECIALISED', city: 'Hangzhou' })).registerCourt.court;
      expect(court).toMatchObject({ name: 'Test Court of Courts', level: 'SPECIALISED', city: 'Hangzhou' });
      expect(court.recordedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
      const read = ok(await call(`query($id: ID!) { court(id: $id) { id name level city } }`, { id: court.id }));
      expect(read.court).toEqual({ id: court.id, name: 'Test Court of Courts', level: 'SPECIALISED', city: 'Hangzhou' });
    });

    it('refuses a duplicate name, blank fields, a bad id and an unknown level', async () => {
      refused(await registerCourt('Test Internet Court'), 'CONFLICT');
      refused(await registerCourt('   '), 'INVALID_ARGUMENT', 'input.name');
      refused(await registerCourt('Test Nowhere Court', { city: '' }), 'INVALID_ARGUMENT', 'input.city');
      refused(await registerCourt('x'.repeat(201)), 'INVALID_ARGUMENT', 'input.name');
      refused(await registerCourt('Test Court Bad Id', { id: 'court-1' }), 'INVALID_ARGUMENT', 'input.id');
      expect(codes(await registerCourt('Test Court Bad Level', { level: 'COUNTY' }))).toEqual(['BAD_USER_INPUT']);
    });

    it('is idempotent on id', async () => {
      const id = '0b9c1f3e-5c1a-4d8e-9f3a-2b1c0d9e8f70';
      const first = ok(await registerCourt('Test Idempotent Court', { id })).registerCourt.court;
      const before = await count('courts');
      const again = ok(await registerCourt('Test Idempotent Court renamed', { id })).registerCourt.court;
      expect(again).toEqual(first);
      expect(await count('courts')).toBe(before);
    });

    it('returns null for an unknown court and refuses a malformed id', async () => {
      expect(ok(await call(`{ court(id: "00000000-0000-4000-8000-000000000000") { id } }`)).court).toBeNull();
      refused(await call(`{ court(id: "nope") { id } }`), 'INVALID_ARGUMENT', 'id');
    });
  });

  describe('openCase', () => {
    it('opens a case with its parties and a FILED history entry', async () => {
      const opened = await openCase({ caseNumber: '(2026)京0491民初123号', title: 'Wang Wei v. Li Na: online shopping contract dispute' });
      expect(opened).toMatchObject({
        caseNumber: '(2026)京0491民初123号',
        kind: 'CIVIL',
        status: 'FILED',
        filedOn: '2026-01-05',
        court: { id: courtId, name: 'Test Internet Court' },
        statusHistory: [{ status: 'FILED', previousStatus: null, changedOn: '2026-01-05', note: null }],
      });
      expect(opened.parties.map((p: { role: string }) => p.role)).toEqual(['PLAINTIFF', 'DEFENDANT']);
      expect(opened.parties[0].citizen).toEqual({ did: did(caseCounter * 10 + 1) });
      expect(opened.parties[0].case).toEqual({ id: opened.id });
    });

    it('accepts a party without a DID (an organisation)', async () => {
      const opened = await openCase({ parties: [{ name: 'Zhejiang Tmall Network Co., Ltd.', role: 'PLAINTIFF' }] });
      expect(opened.parties).toEqual([{ id: expect.any(String), name: 'Zhejiang Tmall Network Co., Ltd.', role: 'PLAINTIFF', citizen: null, case: { id: opened.id } }]);
    });

    it('refuses a taken case number, also written with full-width brackets', async () => {
      await openCase({ caseNumber: '(2026)京0491民初777号' });
      const again = await call(OPEN_CASE, { input: baseCase({ caseNumber: '(2026)京0491民初777号' }) });
      expect(refused(again, 'CONFLICT')).toContain('(2026)京0491民初777号');
      refused(await call(OPEN_CASE, { input: baseCase({ caseNumber: ' （2026）京0491民初777号 ' }) }), 'CONFLICT');
    });

    it('validates every field', async () => {
      refused(await call(OPEN_CASE, { input: baseCase({ parties: [] }) }), 'INVALID_ARGUMENT', 'input.parties');
      refused(await call(OPEN_CASE, { input: baseCase({ caseNumber: '  ' }) }), 'INVALID_ARGUMENT', 'input.caseNumber');
      refused(await call(OPEN_CASE, { input: baseCase({ caseNumber: '9'.repeat(65) }) }), 'INVALID_ARGUMENT', 'input.caseNumber');
      refused(await call(OPEN_CASE, { input: baseCase({ title: '' }) }), 'INVALID_ARGUMENT', 'input.title');
      refused(await call(OPEN_CASE, { input: baseCase({ courtId: '00000000-0000-4000-8000-000000000000' }) }), 'NOT_FOUND', 'input.courtId');
      refused(await call(OPEN_CASE, { input: baseCase({ courtId: 'court' }) }), 'INVALID_ARGUMENT', 'input.courtId');
      refused(await call(OPEN_CASE, { input: baseCase({ filedOn: '2999-01-01' }) }), 'INVALID_DATE', 'input.filedOn');
      expect(codes(await call(OPEN_CASE, { input: baseCase({ filedOn: '2026-02-30' }) }))).toEqual(['INVALID_DATE']);
      expect(codes(await call(OPEN_CASE, { input: baseCase({ parties: [{ did: 'not-a-did', name: 'X', role: 'PLAINTIFF' }] }) }))).toEqual(['INVALID_DID']);
      const twice = [
        { did: did(1), name: 'A', role: 'PLAINTIFF' },
        { did: did(1), name: 'A again', role: 'DEFENDANT' },
      ];
      refused(await call(OPEN_CASE, { input: baseCase({ parties: twice }) }), 'INVALID_ARGUMENT', 'input.parties[1].did');
      refused(await call(OPEN_CASE, { input: baseCase({ parties: [{ name: ' ', role: 'PLAINTIFF' }] }) }), 'INVALID_ARGUMENT', 'input.parties[0].name');
    });

    it('is idempotent on id, parties included', async () => {
      const id = '3f0e7a52-8f3c-4b8e-a4a4-6d1b2c3d4e5f';
      const first = await openCase({ id, caseNumber: '2026-CIV-IDEMPOTENT' });
      const [cases, parties, history] = [await count('cases'), await count('case_parties'), await count('case_status_changes')];
      const again = ok(await call(OPEN_CASE, { input: baseCase({ id, caseNumber: '2026-CIV-SOMETHING-ELSE' }) })).openCase.case;
      expect(again).toEqual(first);
      expect([await count('cases'), await count('case_parties'), await count('case_status_changes')]).toEqual([cases, parties, history]);
    });

    function baseCase(overrides: Record<string, unknown>) {
      return {
        courtId,
        caseNumber: `2026-CIV-X${++caseCounter}`,
        kind: 'CIVIL',
        title: 'Validation case',
        filedOn: '2026-01-05',
        parties: [{ name: 'Someone', role: 'PLAINTIFF' }],
        ...overrides,
      };
    }
  });

  describe('addParty', () => {
    it('appends a party after the existing ones', async () => {
      const opened = await openCase();
      const party = ok(await call(ADD_PARTY, { input: { caseId: opened.id, did: did(555), name: 'Zhou Min', role: 'WITNESS' } })).addParty.party;
      expect(party).toMatchObject({ name: 'Zhou Min', role: 'WITNESS', citizen: { did: did(555) }, case: { id: opened.id } });
      const read = ok(await call(`query($id: ID!) { case(id: $id) { parties { role } } }`, { id: opened.id }));
      expect(read.case.parties.map((p: { role: string }) => p.role)).toEqual(['PLAINTIFF', 'DEFENDANT', 'WITNESS']);
    });

    it('refuses a DID already in the case, an unknown case and a closed case', async () => {
      const opened = await openCase();
      const taken = opened.parties[0].citizen.did;
      refused(await call(ADD_PARTY, { input: { caseId: opened.id, did: taken, name: 'Again', role: 'WITNESS' } }), 'CONFLICT');
      refused(
        await call(ADD_PARTY, { input: { caseId: '00000000-0000-4000-8000-000000000000', name: 'X', role: 'WITNESS' } }),
        'NOT_FOUND',
        'input.caseId',
      );
      await moveTo(opened.id, ['DISMISSED']);
      refused(await call(ADD_PARTY, { input: { caseId: opened.id, name: 'Late', role: 'THIRD_PARTY' } }), 'CONFLICT');
    });

    it('is idempotent on id', async () => {
      const opened = await openCase();
      const id = '6a1d2c3b-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
      const first = ok(await call(ADD_PARTY, { input: { id, caseId: opened.id, name: 'Third', role: 'THIRD_PARTY' } })).addParty.party;
      const again = ok(await call(ADD_PARTY, { input: { id, caseId: opened.id, name: 'Third', role: 'THIRD_PARTY' } })).addParty.party;
      expect(again).toEqual(first);
    });
  });

  describe('changeCaseStatus', () => {
    it('follows the procedure and keeps every step in the history', async () => {
      const opened = await openCase();
      const admitted = ok(await call(CHANGE_STATUS, { input: { caseId: opened.id, status: 'ADMITTED', changedOn: '2026-01-08', note: 'docketed' } }));
      expect(admitted.changeCaseStatus.change).toMatchObject({ status: 'ADMITTED', previousStatus: 'FILED', changedOn: '2026-01-08', note: 'docketed' });
      expect(admitted.changeCaseStatus.case.status).toBe('ADMITTED');
      await moveTo(opened.id, ['IN_HEARING', 'JUDGED', 'APPEALED', 'IN_HEARING', 'JUDGED', 'CLOSED']);
      const read = ok(await call(`query($id: ID!) { case(id: $id) { status statusHistory { status previousStatus } } }`, { id: opened.id }));
      expect(read.case.status).toBe('CLOSED');
      expect(read.case.statusHistory.map((s: { status: string }) => s.status)).toEqual([
        'FILED', 'ADMITTED', 'IN_HEARING', 'JUDGED', 'APPEALED', 'IN_HEARING', 'JUDGED', 'CLOSED',
      ]);
      expect(read.case.statusHistory[4]).toEqual({ status: 'APPEALED', previousStatus: 'JUDGED' });
    });

    it('refuses a transition the procedure does not allow, naming the allowed ones', async () => {
      const opened = await openCase();
      await moveTo(opened.id, ['ADMITTED']);
      const message = refused(await call(CHANGE_STATUS, { input: { caseId: opened.id, status: 'CLOSED', changedOn: '2026-02-01' } }), 'CONFLICT');
      expect(message).toContain('IN_HEARING or WITHDRAWN');
      await moveTo(opened.id, ['WITHDRAWN'], '2026-02-01');
      const final = refused(await call(CHANGE_STATUS, { input: { caseId: opened.id, status: 'IN_HEARING', changedOn: '2026-02-02' } }), 'CONFLICT');
      expect(final).toContain('final');
      refused(await call(CHANGE_STATUS, { input: { caseId: opened.id, status: 'WITHDRAWN', changedOn: '2026-02-02' } }), 'CONFLICT');
    });

    it('refuses a date before the current status, a future date, an unknown case', async () => {
      const opened = await openCase();
      refused(await call(CHANGE_STATUS, { input: { caseId: opened.id, status: 'ADMITTED', changedOn: '2026-01-04' } }), 'INVALID_DATE', 'input.changedOn');
      refused(await call(CHANGE_STATUS, { input: { caseId: opened.id, status: 'ADMITTED', changedOn: '2999-01-04' } }), 'INVALID_DATE', 'input.changedOn');
      refused(
        await call(CHANGE_STATUS, { input: { caseId: '00000000-0000-4000-8000-000000000000', status: 'ADMITTED', changedOn: '2026-01-06' } }),
        'NOT_FOUND',
        'input.caseId',
      );
      expect(codes(await call(CHANGE_STATUS, { input: { caseId: opened.id, status: 'SETTLED', changedOn: '2026-01-06' } }))).toEqual(['BAD_USER_INPUT']);
    });

    it('is idempotent on id even after the case moved on', async () => {
      const opened = await openCase();
      const id = '7b2e3d4c-5f60-4b7c-9d8e-0f1a2b3c4d5e';
      const first = ok(await call(CHANGE_STATUS, { input: { id, caseId: opened.id, status: 'ADMITTED', changedOn: '2026-01-06' } })).changeCaseStatus;
      await moveTo(opened.id, ['IN_HEARING']);
      const again = ok(await call(CHANGE_STATUS, { input: { id, caseId: opened.id, status: 'ADMITTED', changedOn: '2026-01-06' } })).changeCaseStatus;
      expect(again.change).toEqual(first.change);
      expect(again.case.status).toBe('IN_HEARING');
      expect(again.case.statusHistory).toHaveLength(3);
    });
  });

  describe('caseStatus (public)', () => {
    it('answers by case number with the public fields only', async () => {
      const opened = await openCase({ caseNumber: '(2025)粤0192民初4321号', filedOn: '2025-11-03' });
      await moveTo(opened.id, ['ADMITTED', 'IN_HEARING'], '2025-11-10');
      const query = `query($n: String!) { caseStatus(caseNumber: $n) { caseNumber courtName kind status filedOn lastStatusChangeOn } }`;
      const expected = {
        caseNumber: '(2025)粤0192民初4321号',
        courtName: 'Test Internet Court',
        kind: 'CIVIL',
        status: 'IN_HEARING',
        filedOn: '2025-11-03',
        lastStatusChangeOn: '2025-11-11',
      };
      expect(ok(await call(query, { n: '(2025)粤0192民初4321号' })).caseStatus).toEqual(expected);
      expect(ok(await call(query, { n: '（２０２５）粤０１９２民初４３２１号' })).caseStatus).toEqual(expected);
      expect(ok(await call(query, { n: '(2025)粤0192民初9999号' })).caseStatus).toBeNull();
      refused(await call(query, { n: ' ' }), 'INVALID_ARGUMENT', 'caseNumber');
    });
  });

  describe('recordJudgment and criminal records', () => {
    let criminal: { id: string; caseNumber: string };
    const accused = did(7001);

    beforeAll(async () => {
      criminal = await openCase({
        kind: 'CRIMINAL',
        caseNumber: '(2026)粤0304刑初88号',
        title: 'People v. Accused: theft',
        parties: [
          { name: "Shenzhen Futian District People's Procuratorate", role: 'PROSECUTOR' },
          { did: accused, name: 'Accused Person', role: 'DEFENDANT' },
        ],
      });
    });

    it('refuses a judgment before the hearing', async () => {
      const message = refused(
        await call(RECORD_JUDGMENT, { input: { caseId: criminal.id, partyDid: accused, verdict: 'CONVICTED', offence: 'Theft', decidedOn: '2026-02-01' } }),
        'CONFLICT',
      );
      expect(message).toContain('IN_HEARING or JUDGED');
    });

    it('validates the verdict, the party and the dates', async () => {
      await moveTo(criminal.id, ['ADMITTED', 'IN_HEARING']);
      const input = { caseId: criminal.id, partyDid: accused, verdict: 'CONVICTED', offence: 'Theft (Criminal Law art. 264)', decidedOn: '2026-02-01' };
      refused(await call(RECORD_JUDGMENT, { input: { ...input, verdict: 'LIABLE' } }), 'INVALID_ARGUMENT', 'input.verdict');
      refused(await call(RECORD_JUDGMENT, { input: { ...input, offence: null } }), 'INVALID_ARGUMENT', 'input.offence');
      refused(await call(RECORD_JUDGMENT, { input: { ...input, partyDid: did(7999) } }), 'INVALID_ARGUMENT', 'input.partyDid');
      refused(await call(RECORD_JUDGMENT, { input: { ...input, partyId: '00000000-0000-4000-8000-000000000000' } }), 'INVALID_ARGUMENT', 'input.partyDid');
      refused(await call(RECORD_JUDGMENT, { input: { ...input, partyDid: null } }), 'INVALID_ARGUMENT', 'input.partyDid');
      refused(await call(RECORD_JUDGMENT, { input: { ...input, decidedOn: '2025-12-31' } }), 'INVALID_DATE', 'input.decidedOn');
      refused(
        await call(RECORD_JUDGMENT, { input: { ...input, caseId: '00000000-0000-4000-8000-000000000000' } }),
        'NOT_FOUND',
        'input.caseId',
      );
    });

    it('refuses CONVICTED in a civil case', async () => {
      const civil = await openCase();
      await moveTo(civil.id, ['ADMITTED', 'IN_HEARING']);
      const defendant = civil.parties[1].citizen.did;
      refused(
        await call(RECORD_JUDGMENT, { input: { caseId: civil.id, partyDid: defendant, verdict: 'CONVICTED', offence: 'Theft', decidedOn: '2026-02-01' } }),
        'INVALID_ARGUMENT',
        'input.verdict',
      );
      const liable = ok(
        await call(RECORD_JUDGMENT, {
          input: { caseId: civil.id, partyId: civil.parties[1].id, verdict: 'LIABLE', sentence: 'Pay CNY 3,280.00', decidedOn: '2026-02-01' },
        }),
      ).recordJudgment.judgment;
      expect(liable).toMatchObject({ verdict: 'LIABLE', sentence: 'Pay CNY 3,280.00', offence: null, party: { role: 'DEFENDANT' } });
    });

    it('records a conviction that shows in the criminal record, and an acquittal on appeal that clears it', async () => {
      const conviction = ok(
        await call(RECORD_JUDGMENT, {
          input: {
            caseId: criminal.id,
            partyDid: accused,
            verdict: 'CONVICTED',
            offence: 'Theft (Criminal Law art. 264)',
            sentence: 'Fixed-term imprisonment of 8 months',
            decidedOn: '2026-02-01',
          },
        }),
      ).recordJudgment.judgment;
      expect(conviction).toMatchObject({
        verdict: 'CONVICTED',
        offence: 'Theft (Criminal Law art. 264)',
        decidedOn: '2026-02-01',
        party: { name: 'Accused Person', role: 'DEFENDANT', citizen: { did: accused } },
        case: { id: criminal.id, caseNumber: '(2026)粤0304刑初88号' },
      });

      const record = async () =>
        ok(await call(CITIZEN_ENTITIES, { r: [{ __typename: 'Citizen', did: accused }] }))._entities[0].criminalRecord;
      let current = await record();
      expect(current.clean).toBe(false);
      expect(current.convictions).toEqual([
        {
          verdict: 'CONVICTED',
          offence: 'Theft (Criminal Law art. 264)',
          sentence: 'Fixed-term imprisonment of 8 months',
          decidedOn: '2026-02-01',
          case: { caseNumber: '(2026)粤0304刑初88号' },
          party: { citizen: { did: accused } },
        },
      ]);

      await moveTo(criminal.id, ['JUDGED', 'APPEALED', 'IN_HEARING'], '2026-02-02');
      ok(await call(RECORD_JUDGMENT, { input: { caseId: criminal.id, partyDid: accused, verdict: 'ACQUITTED', decidedOn: '2026-03-01' } }));
      current = await record();
      expect(current).toMatchObject({ clean: true, convictions: [] });
      const judgments = ok(await call(`query($id: ID!) { case(id: $id) { judgments { verdict decidedOn } } }`, { id: criminal.id })).case.judgments;
      expect(judgments).toEqual([
        { verdict: 'CONVICTED', decidedOn: '2026-02-01' },
        { verdict: 'ACQUITTED', decidedOn: '2026-03-01' },
      ]);
    });

    it('is idempotent on id', async () => {
      const civil = await openCase();
      await moveTo(civil.id, ['ADMITTED', 'IN_HEARING']);
      const id = '8c3f4e5d-6a7b-4c8d-9e0f-1a2b3c4d5e6f';
      const input = { id, caseId: civil.id, partyId: civil.parties[1].id, verdict: 'NOT_LIABLE', decidedOn: '2026-02-01' };
      const first = ok(await call(RECORD_JUDGMENT, { input })).recordJudgment.judgment;
      const before = await count('judgments');
      expect(ok(await call(RECORD_JUDGMENT, { input })).recordJudgment.judgment).toEqual(first);
      expect(await count('judgments')).toBe(before);
    });
  });

  describe('evidence and access requests', () => {
    let caseId: string;
    let plaintiff: string;
    let defendant: string;
    let evidenceId: string;

    beforeAll(async () => {
      const opened = await openCase();
      caseId = opened.id;
      plaintiff = opened.parties[0].citizen.did;
      defendant = opened.parties[1].citizen.did;
    });

    const evidenceInput = (overrides: Record<string, unknown> = {}) => ({
      caseId,
      title: 'Order page screenshots',
      mediaType: 'image/png',
      sizeBytes: 1_204_551,
      contentDigest: digest(1),
      submittedBy: plaintiff,
      ...overrides,
    });

    it('registers evidence metadata', async () => {
      const evidence = ok(await call(REGISTER_EVIDENCE, { input: evidenceInput({ mediaType: 'Image/PNG' }) })).registerEvidence.evidence;
      evidenceId = evidence.id;
      expect(evidence).toMatchObject({
        title: 'Order page screenshots',
        mediaType: 'image/png',
        sizeBytes: 1_204_551,
        contentDigest: digest(1),
        submittedBy: plaintiff,
        case: { id: caseId },
        accessRequests: [],
      });
      expect(Date.now() - Date.parse(evidence.submittedAt)).toBeLessThan(60_000);
      const big = ok(await call(REGISTER_EVIDENCE, { input: evidenceInput({ contentDigest: digest(2), mediaType: 'video/mp4', sizeBytes: 5_368_709_120 }) }));
      expect(big.registerEvidence.evidence.sizeBytes).toBe(5_368_709_120);
      const read = ok(await call(`query($id: ID!) { evidence(id: $id) { id contentDigest } case: case(id: "${caseId}") { evidence { contentDigest } } }`, { id: evidenceId }));
      expect(read.evidence).toEqual({ id: evidenceId, contentDigest: digest(1) });
      expect(read.case.evidence.map((e: { contentDigest: string }) => e.contentDigest)).toEqual([digest(1), digest(2)]);
    });

    it('refuses the same digest twice in one case, but not in another case', async () => {
      const message = refused(await call(REGISTER_EVIDENCE, { input: evidenceInput({ title: 'Same bytes again' }) }), 'CONFLICT');
      expect(message).toContain(digest(1));
      const other = await openCase();
      ok(await call(REGISTER_EVIDENCE, { input: evidenceInput({ caseId: other.id }) }));
    });

    it('validates digest, size, media type, submitter and case', async () => {
      refused(await call(REGISTER_EVIDENCE, { input: evidenceInput({ contentDigest: digest(3).toUpperCase() }) }), 'INVALID_ARGUMENT', 'input.contentDigest');
      refused(await call(REGISTER_EVIDENCE, { input: evidenceInput({ contentDigest: digest(3).slice(1) }) }), 'INVALID_ARGUMENT', 'input.contentDigest');
      refused(await call(REGISTER_EVIDENCE, { input: evidenceInput({ contentDigest: digest(3), sizeBytes: 1.5 }) }), 'INVALID_ARGUMENT', 'input.sizeBytes');
      refused(await call(REGISTER_EVIDENCE, { input: evidenceInput({ contentDigest: digest(3), sizeBytes: 0 }) }), 'INVALID_ARGUMENT', 'input.sizeBytes');
      refused(await call(REGISTER_EVIDENCE, { input: evidenceInput({ contentDigest: digest(3), mediaType: 'pdf' }) }), 'INVALID_ARGUMENT', 'input.mediaType');
      refused(await call(REGISTER_EVIDENCE, { input: evidenceInput({ contentDigest: digest(3), title: '' }) }), 'INVALID_ARGUMENT', 'input.title');
      expect(codes(await call(REGISTER_EVIDENCE, { input: evidenceInput({ contentDigest: digest(3), submittedBy: 'alice' }) }))).toEqual(['INVALID_DID']);
      refused(
        await call(REGISTER_EVIDENCE, { input: evidenceInput({ contentDigest: digest(3), caseId: '00000000-0000-4000-8000-000000000000' }) }),
        'NOT_FOUND',
        'input.caseId',
      );
      const closed = await openCase();
      await moveTo(closed.id, ['DISMISSED']);
      refused(await call(REGISTER_EVIDENCE, { input: evidenceInput({ caseId: closed.id }) }), 'CONFLICT');
    });

    it('is idempotent on id', async () => {
      const id = '9d4a5b6c-7d8e-4f90-a1b2-c3d4e5f60718';
      const first = ok(await call(REGISTER_EVIDENCE, { input: evidenceInput({ id, contentDigest: digest(4) }) })).registerEvidence.evidence;
      // Same id, same digest: the stored record, no CONFLICT and no new row.
      const again = ok(await call(REGISTER_EVIDENCE, { input: evidenceInput({ id, contentDigest: digest(4) }) })).registerEvidence.evidence;
      expect(again).toEqual(first);
    });

    it('takes access requests and one decision per request', async () => {
      const request = ok(await call(REQUEST_ACCESS, { input: { evidenceId, requester: defendant, reason: 'To prepare the defence' } })).requestEvidenceAccess.request;
      expect(request).toMatchObject({ requester: defendant, reason: 'To prepare the defence', status: 'PENDING', decidedBy: null, decidedAt: null, note: null, evidence: { id: evidenceId } });
      refused(await call(REQUEST_ACCESS, { input: { evidenceId, requester: defendant, reason: 'Again' } }), 'CONFLICT');

      refused(await call(DECIDE_ACCESS, { input: { requestId: request.id, decision: 'APPROVED', judge: defendant } }), 'INVALID_ARGUMENT', 'input.judge');
      const decided = ok(await call(DECIDE_ACCESS, { input: { requestId: request.id, decision: 'APPROVED', judge: JUDGE, note: 'For cross-examination' } }))
        .decideEvidenceAccess.request;
      expect(decided).toMatchObject({ id: request.id, status: 'APPROVED', decidedBy: JUDGE, note: 'For cross-examination' });
      expect(decided.decidedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
      const message = refused(await call(DECIDE_ACCESS, { input: { requestId: request.id, decision: 'REJECTED', judge: JUDGE } }), 'CONFLICT');
      expect(message).toContain('APPROVED');

      // Decided, so the same requester may ask again (e.g. for a later hearing).
      const second = ok(await call(REQUEST_ACCESS, { input: { evidenceId, requester: defendant, reason: 'For the appeal' } })).requestEvidenceAccess.request;
      const rejected = ok(await call(DECIDE_ACCESS, { input: { requestId: second.id, decision: 'REJECTED', judge: JUDGE } })).decideEvidenceAccess.request;
      expect(rejected.status).toBe('REJECTED');

      const read = ok(await call(`query($id: ID!) { evidence(id: $id) { accessRequests { id status reason } } }`, { id: evidenceId }));
      expect(read.evidence.accessRequests).toEqual([
        { id: request.id, status: 'APPROVED', reason: 'To prepare the defence' },
        { id: second.id, status: 'REJECTED', reason: 'For the appeal' },
      ]);
    });

    it('validates access requests and decisions', async () => {
      refused(await call(REQUEST_ACCESS, { input: { evidenceId, requester: did(8001), reason: '  ' } }), 'INVALID_ARGUMENT', 'input.reason');
      refused(
        await call(REQUEST_ACCESS, { input: { evidenceId: '00000000-0000-4000-8000-000000000000', requester: did(8001), reason: 'Why not' } }),
        'NOT_FOUND',
        'input.evidenceId',
      );
      expect(codes(await call(REQUEST_ACCESS, { input: { evidenceId, requester: 'did:', reason: 'Why not' } }))).toEqual(['INVALID_DID']);
      refused(
        await call(DECIDE_ACCESS, { input: { requestId: '00000000-0000-4000-8000-000000000000', decision: 'APPROVED', judge: JUDGE } }),
        'NOT_FOUND',
        'input.requestId',
      );
      expect(codes(await call(DECIDE_ACCESS, { input: { requestId: '00000000-0000-4000-8000-000000000000', decision: 'PENDING', judge: JUDGE } }))).toEqual([
        'BAD_USER_INPUT',
      ]);
    });

    it('is idempotent on request and decision ids', async () => {
      const requestId = 'ae5b6c7d-8e9f-4a01-b2c3-d4e5f6071829';
      const decisionId = 'bf6c7d8e-9f0a-4b12-83d4-e5f607182930';
      const request = { id: requestId, evidenceId, requester: did(8002), reason: 'Third party' };
      const first = ok(await call(REQUEST_ACCESS, { input: request })).requestEvidenceAccess.request;
      expect(ok(await call(REQUEST_ACCESS, { input: request })).requestEvidenceAccess.request).toEqual(first);
      const decision = { id: decisionId, requestId, decision: 'REJECTED', judge: JUDGE };
      const decided = ok(await call(DECIDE_ACCESS, { input: decision })).decideEvidenceAccess.request;
      // The same decision sent again answers with the stored outcome, not a CONFLICT.
      expect(ok(await call(DECIDE_ACCESS, { input: decision })).decideEvidenceAccess.request).toEqual(decided);
      expect(await count(`evidence_access_decisions WHERE request_id = '${requestId}'`)).toBe(1);
    });
  });

  describe('pagination', () => {
    const CASES = `query($first: Int, $after: String, $courtId: ID, $status: CaseStatus) {
      cases(first: $first, after: $after, courtId: $courtId, status: $status) {
        edges { cursor node { id caseNumber filedOn status court { id } } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      }
    }`;
    const opened: string[] = [];

    beforeAll(async () => {
      for (let i = 0; i < 7; i++) {
        const c = await openCase({ courtId: otherCourtId, filedOn: `2025-0${1 + (i % 3)}-1${i}` });
        opened.push(c.id);
        if (i % 2 === 0) await moveTo(c.id, ['ADMITTED'], '2025-06-01');
      }
    });

    async function all(variables: Record<string, unknown>) {
      const pages: { id: string; filedOn: string }[][] = [];
      let after: string | null = null;
      for (;;) {
        const page: any = ok(await call(CASES, { ...variables, first: 3, after })).cases;
        pages.push(page.edges.map((e: { node: { id: string; filedOn: string } }) => e.node));
        expect(page.pageInfo.hasPreviousPage).toBe(false);
        if (!page.pageInfo.hasNextPage) {
          expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor ?? null);
          break;
        }
        after = page.pageInfo.endCursor;
      }
      return pages;
    }

    it('pages one court without overlap or gaps, ordered by filing date', async () => {
      const pages = await all({ courtId: otherCourtId });
      expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
      const ids = pages.flat().map((n) => n.id);
      expect(new Set(ids).size).toBe(7);
      expect([...ids].sort()).toEqual([...opened].sort());
      const dates = pages.flat().map((n) => n.filedOn);
      expect(dates).toEqual([...dates].sort());
    });

    it('filters by status', async () => {
      const admitted = (await all({ courtId: otherCourtId, status: 'ADMITTED' })).flat();
      expect(admitted.map((n) => n.id).sort()).toEqual(opened.filter((_, i) => i % 2 === 0).sort());
      const everywhere = (await all({ status: 'ADMITTED' })).flat();
      expect(everywhere.length).toBeGreaterThanOrEqual(4);
    });

    it('pages courts', async () => {
      const COURTS = `query($first: Int, $after: String) { courts(first: $first, after: $after) { edges { cursor node { name } } pageInfo { hasNextPage endCursor } } }`;
      const names: string[] = [];
      let after: string | null = null;
      for (;;) {
        const page: any = ok(await call(COURTS, { first: 2, after })).courts;
        names.push(...page.edges.map((e: { node: { name: string } }) => e.node.name));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      expect(names.length).toBe(await count('courts'));
      expect(names).toEqual([...names].sort());
      expect(new Set(names).size).toBe(names.length);
    });

    it('refuses bad cursors and page sizes', async () => {
      refused(await call(CASES, { after: 'garbage' }), 'INVALID_CURSOR', 'after');
      const wrongShape = Buffer.from(JSON.stringify(['not-a-date', 'not-a-uuid'])).toString('base64url');
      refused(await call(CASES, { after: wrongShape }), 'INVALID_CURSOR', 'after');
      refused(await call(CASES, { first: 0 }), 'INVALID_ARGUMENT', 'first');
      refused(await call(CASES, { first: 101 }), 'INVALID_ARGUMENT', 'first');
      refused(await call(`{ courts(after: "bm9wZQ") { edges { cursor } } }`), 'INVALID_CURSOR', 'after');
      refused(await call(`{ courts(first: 101) { edges { cursor } } }`), 'INVALID_ARGUMENT', 'first');
      refused(await call(CASES, { courtId: 'nope' }), 'INVALID_ARGUMENT', 'courtId');
    });
  });

  describe('batching', () => {
    it('resolves a page of cases with one query per field, not one per case', async () => {
      const source = `{
        cases(first: 20) { edges { node {
          court { name } statusHistory { status } parties { name case { id } }
          evidence { accessRequests { status evidence { id } } } judgments { party { name } case { id } }
        } } }
      }`;
      queries = 0;
      const data = ok(await call(source));
      expect(data.cases.edges).toHaveLength(20);
      // cases; then courts, history, parties, evidence, judgments; then requests, cases, parties; then evidence.
      // The cases of the third level are asked for by parties and by judgments: on a server
      // database those two answers can arrive in different I/O turns, and then the case loader
      // dispatches once for each (11). One query per case would be 20 per field.
      expect(queries).toBeLessThanOrEqual(11);
    });
  });

  describe('Citizen entity', () => {
    it('resolves representations the way the gateway sends them', async () => {
      const plaintiff = did(4242);
      const opened = await openCase({
        caseNumber: '(2026)京0491民初4242号',
        parties: [{ did: plaintiff, name: 'Li Na', role: 'PLAINTIFF' }],
      });
      await call(ADD_PARTY, { input: { caseId: (await openCase({ caseNumber: '(2026)京0491民初4243号', filedOn: '2026-01-06' })).id, did: plaintiff, name: 'Li Na', role: 'WITNESS' } });
      const stranger = did(4343);
      const response = ok(
        await call(CITIZEN_ENTITIES, {
          r: [
            { __typename: 'Citizen', did: plaintiff },
            { __typename: 'Citizen', did: stranger },
          ],
        }),
      );
      expect(response._entities[0]).toMatchObject({
        did: plaintiff,
        caseParticipations: [
          { role: 'PLAINTIFF', name: 'Li Na', case: { caseNumber: '(2026)京0491民初4242号' } },
          { role: 'WITNESS', name: 'Li Na', case: { caseNumber: '(2026)京0491民初4243号' } },
        ],
        criminalRecord: { clean: true, convictions: [] },
      });
      expect(response._entities[1]).toMatchObject({ did: stranger, caseParticipations: [], criminalRecord: { clean: true, convictions: [] } });
      expect(opened.id).toBeTruthy();
      const direct = ok(await call(`query($d: DID!) { citizen(did: $d) { did caseParticipations { role } } }`, { d: stranger }));
      expect(direct.citizen).toEqual({ did: stranger, caseParticipations: [] });
      expect(codes(await call(`{ citizen(did: "nope") { did } }`))).toEqual(['INVALID_DID']);
    });

    it('publishes a federation SDL with the Citizen key', async () => {
      const sdl = ok(await call(`{ _service { sdl } }`))._service.sdl as string;
      expect(sdl).toMatch(/type Citizen\s+@key\(fields: "did"\)/);
      expect(sdl).toMatch(/type PageInfo\s+@shareable/);
    });
  });

  describe('append-only tables', () => {
    it('refuses UPDATE and DELETE on history, judgments, evidence, requests and decisions', async () => {
      const db = server.store.db;
      for (const table of ['case_status_changes', 'judgments', 'evidence', 'evidence_access_requests', 'evidence_access_decisions']) {
        expect(await count(table), table).toBeGreaterThan(0);
        await expect(db.query(`UPDATE ${table} SET id = id`), table).rejects.toThrow(/append-only/);
        await expect(db.query(`DELETE FROM ${table}`), table).rejects.toThrow(/append-only/);
        await expect(db.query(`TRUNCATE ${table} CASCADE`), table).rejects.toThrow(/append-only/);
      }
    });

    it('refuses writing the derived case status directly', async () => {
      const opened = await openCase();
      await expect(server.store.db.query(`UPDATE cases SET status = 'CLOSED' WHERE id = $1`, [opened.id])).rejects.toThrow(/derived/);
      await expect(server.store.db.query(`DELETE FROM cases WHERE id = $1`, [opened.id])).rejects.toThrow(/append-only/);
      // Another column changed behind the store's back is not laundered into the log by the next status change.
      await server.store.db.query(`UPDATE cases SET title = 'Changed by SQL' WHERE id = $1`, [opened.id]);
      const refused = await call(CHANGE_STATUS, { input: { caseId: opened.id, status: 'ADMITTED', changedOn: '2026-01-10' } });
      expect(refused.errors?.[0]?.extensions?.code).toBe('RECORD_TAMPERED');
      expect(ok(await call(`query($id: ID!) { case(id: $id) { title status } }`, { id: opened.id })).case).toEqual({ title: 'Changed by SQL', status: 'FILED' });
      // Put it back as logged, so the suite's final audit stays clean.
      await server.store.db.query(`UPDATE cases SET title = $2 WHERE id = $1`, [opened.id, opened.title]);
    });

    it('refuses a status jump written straight to the history table', async () => {
      const opened = await openCase();
      await expect(
        server.store.db.query(`INSERT INTO case_status_changes (case_id, seq, from_status, status, changed_on) VALUES ($1, 2, 'FILED', 'CLOSED', '2026-02-01')`, [opened.id]),
      ).rejects.toThrow(/case_status_changes_allowed/);
    });
  });

  describe('demo seed', () => {
    const TABLES = ['courts', 'cases', 'case_parties', 'case_status_changes', 'judgments', 'evidence', 'evidence_access_requests', 'evidence_access_decisions'];

    it('seeds realistic data once: a second run adds nothing', async () => {
      const citizens = demoCitizens(5);
      const before = await Promise.all(TABLES.map(count));
      const progress: number[] = [];
      const first = await seedJustice(server.store, citizens, (done) => progress.push(done));
      expect(progress.at(-1)).toBe(5);
      const afterFirst = await Promise.all(TABLES.map(count));
      expect(afterFirst[0]! - before[0]!).toBe(7);
      expect(afterFirst[1]! - before[1]!).toBe(3); // civil for citizens 0 and 4, criminal for citizen 3
      const second = await seedJustice(server.store, citizens);
      expect(second.records).toBe(first.records);
      expect(await Promise.all(TABLES.map(count))).toEqual(afterFirst);

      const courts = ok(await call(`{ courts(first: 100) { edges { node { name level } } } }`)).courts.edges.map((e: any) => e.node);
      expect(courts).toContainEqual({ name: 'Beijing Internet Court', level: 'INTERNET' });
      expect(courts).toContainEqual({ name: "Supreme People's Court", level: 'SUPREME' });

      // Citizen 3 stood trial; citizens 1 and 2 have clean records.
      const entities = ok(await call(CITIZEN_ENTITIES, { r: citizens.map((c) => ({ __typename: 'Citizen', did: c.did })) }))._entities;
      expect(entities[3].caseParticipations.map((p: { role: string }) => p.role)).toContain('DEFENDANT');
      expect(entities[1].criminalRecord.clean).toBe(true);
      expect(entities[0].caseParticipations[0].role).toBe('PLAINTIFF');

      // Every seeded case's history follows the allowed transitions (the DB CHECK would refuse otherwise) and ends in its status.
      const seeded = await server.store.casesByIds([demoId('justice', 'case', 'civil:0'), demoId('justice', 'case', 'criminal:3')]);
      expect(seeded).toHaveLength(2);
      for (const row of seeded) {
        const history = await server.store.statusHistoryByCaseIds([row.id]);
        expect(history.at(-1)!.status).toBe(row.status);
        expect(history[0]!.status).toBe('FILED');
      }
      const criminal = seeded.find((row) => row.kind === 'CRIMINAL')!;
      expect(criminal.status).toBe('CLOSED');
      expect(criminal.case_number).toMatch(/^\(20\d\d\)(粤0304|沪01)刑初503号$/);
    });
  });

  // The department's Merkle log (anchor/log): every record committed is logged in its transaction.
  describe('record log', () => {
    // The server's log worker integrates pending entries every quarter second; from here on it
    // integrates only when flushed, so a fresh record's proof is PENDING_INTEGRATION for certain.
    beforeAll(async () => {
      await server.log.stop();
    });

    /** record_log rows per table. */
    async function logCounts(): Promise<Record<string, number>> {
      const rows = await server.store.db.query<{ record_table: string; n: number }>('SELECT record_table, count(*)::int AS n FROM record_log GROUP BY record_table');
      return Object.fromEntries(rows.map((r) => [r.record_table, r.n]));
    }

    /** Runs `write` and returns the record_log rows it added, per table (tables with none left out). */
    async function logged(write: () => Promise<unknown>): Promise<Record<string, number>> {
      const before = await logCounts();
      await write();
      const after = await logCounts();
      return Object.fromEntries(Object.entries(after).filter(([table, n]) => n !== (before[table] ?? 0)).map(([table, n]) => [table, n - (before[table] ?? 0)]));
    }

    /** True when the record's row, read back as the audit reads it, hashes to its latest log entry. */
    async function matchesLatestEntry(table: string, id: string): Promise<boolean> {
      const [row] = await server.store.db.query<Record<string, unknown>>(`SELECT * FROM ${table} WHERE id = $1`, [id]);
      const [entry] = await server.store.db.query<{ salt: Uint8Array; digest: Uint8Array }>(
        'SELECT salt, digest FROM record_log WHERE record_table = $1 AND record_id = $2 ORDER BY seq DESC LIMIT 1',
        [table, id],
      );
      return recordDigest(table, row!, entry!.salt).equals(Buffer.from(entry!.digest));
    }

    it('logs each record a mutation writes, once; nothing on a replay or a refusal', async () => {
      const courtInput = { id: 'c0a80101-0000-4000-8000-00000000c001', name: 'Test Logged Court', level: 'BASIC', city: 'Hangzhou' };
      expect(await logged(async () => ok(await call(REGISTER_COURT, { input: courtInput })))).toEqual({ courts: 1 });
      expect(await logged(async () => ok(await call(REGISTER_COURT, { input: courtInput })))).toEqual({});
      expect(await logged(async () => refused(await registerCourt('Test Logged Court'), 'CONFLICT'))).toEqual({});

      const caseInput = {
        id: 'c0a80101-0000-4000-8000-00000000ca5e',
        courtId,
        caseNumber: '2026-CIV-LOGGED',
        kind: 'CIVIL',
        title: 'Logged case',
        filedOn: '2026-01-05',
        parties: [
          { did: did(6001), name: 'Logged Plaintiff', role: 'PLAINTIFF' },
          { did: did(6002), name: 'Logged Defendant', role: 'DEFENDANT' },
        ],
      };
      // The case once: the FILED history row's trigger rewrites the status cache with the values it already has.
      expect(await logged(async () => ok(await call(OPEN_CASE, { input: caseInput })))).toEqual({ cases: 1, case_status_changes: 1, case_parties: 2 });
      expect(await logged(async () => ok(await call(OPEN_CASE, { input: caseInput })))).toEqual({});
      expect(await logged(async () => refused(await call(OPEN_CASE, { input: { ...caseInput, id: undefined } }), 'CONFLICT'))).toEqual({});
      const caseId = caseInput.id;

      const partyInput = { id: 'c0a80101-0000-4000-8000-0000000a7700', caseId, did: did(6003), name: 'Logged Witness', role: 'WITNESS' };
      expect(await logged(async () => ok(await call(ADD_PARTY, { input: partyInput })))).toEqual({ case_parties: 1 });
      expect(await logged(async () => ok(await call(ADD_PARTY, { input: partyInput })))).toEqual({});
      expect(await logged(async () => refused(await call(ADD_PARTY, { input: { ...partyInput, id: undefined } }), 'CONFLICT'))).toEqual({});

      // A status change is a history row and a new version of the case (its status cache, written by the trigger).
      const statusInput = { id: 'c0a80101-0000-4000-8000-000000057a70', caseId, status: 'ADMITTED', changedOn: '2026-01-08' };
      expect(await logged(async () => ok(await call(CHANGE_STATUS, { input: statusInput })))).toEqual({ cases: 1, case_status_changes: 1 });
      expect(await matchesLatestEntry('cases', caseId)).toBe(true);
      const [caseRow] = await server.store.db.query<{ status: string }>('SELECT status FROM cases WHERE id = $1', [caseId]);
      expect(caseRow!.status).toBe('ADMITTED');
      expect(await logged(async () => ok(await call(CHANGE_STATUS, { input: statusInput })))).toEqual({});
      expect(
        await logged(async () => refused(await call(CHANGE_STATUS, { input: { caseId, status: 'CLOSED', changedOn: '2026-01-09' } }), 'CONFLICT')),
      ).toEqual({});
      const [versions] = await server.store.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM record_log WHERE record_table = 'cases' AND record_id = $1`, [caseId]);
      expect(versions!.n).toBe(2);
      await moveTo(caseId, ['IN_HEARING'], '2026-01-09');

      const judgmentInput = { id: 'c0a80101-0000-4000-8000-0000000d9e00', caseId, partyDid: did(6002), verdict: 'LIABLE', sentence: 'Pay CNY 100.00', decidedOn: '2026-01-12' };
      expect(await logged(async () => ok(await call(RECORD_JUDGMENT, { input: judgmentInput })))).toEqual({ judgments: 1 });
      expect(await logged(async () => ok(await call(RECORD_JUDGMENT, { input: judgmentInput })))).toEqual({});
      expect(
        await logged(async () =>
          refused(await call(RECORD_JUDGMENT, { input: { ...judgmentInput, id: undefined, verdict: 'CONVICTED', offence: 'Theft' } }), 'INVALID_ARGUMENT', 'input.verdict'),
        ),
      ).toEqual({});

      const evidenceInput = {
        id: 'c0a80101-0000-4000-8000-00000000e71d',
        caseId,
        title: 'Logged evidence',
        mediaType: 'application/pdf',
        sizeBytes: 4096,
        contentDigest: digest(6001),
        submittedBy: did(6001),
      };
      expect(await logged(async () => ok(await call(REGISTER_EVIDENCE, { input: evidenceInput })))).toEqual({ evidence: 1 });
      expect(await logged(async () => ok(await call(REGISTER_EVIDENCE, { input: evidenceInput })))).toEqual({});
      expect(await logged(async () => refused(await call(REGISTER_EVIDENCE, { input: { ...evidenceInput, id: undefined } }), 'CONFLICT'))).toEqual({});

      const requestInput = { id: 'c0a80101-0000-4000-8000-0000000ae901', evidenceId: evidenceInput.id, requester: did(6002), reason: 'Logged request' };
      expect(await logged(async () => ok(await call(REQUEST_ACCESS, { input: requestInput })))).toEqual({ evidence_access_requests: 1 });
      expect(await logged(async () => ok(await call(REQUEST_ACCESS, { input: requestInput })))).toEqual({});
      expect(await logged(async () => refused(await call(REQUEST_ACCESS, { input: { ...requestInput, id: undefined } }), 'CONFLICT'))).toEqual({});

      const decisionInput = { id: 'c0a80101-0000-4000-8000-0000000dec10', requestId: requestInput.id, decision: 'APPROVED', judge: JUDGE };
      expect(await logged(async () => ok(await call(DECIDE_ACCESS, { input: decisionInput })))).toEqual({ evidence_access_decisions: 1 });
      expect(await logged(async () => ok(await call(DECIDE_ACCESS, { input: decisionInput })))).toEqual({});
      expect(
        await logged(async () => refused(await call(DECIDE_ACCESS, { input: { ...decisionInput, id: undefined, decision: 'REJECTED' } }), 'CONFLICT')),
      ).toEqual({});
    });

    it('gives a fresh record a PENDING_INTEGRATION proof whose digest is recomputed from the row and its salt', async () => {
      const PROOF = 'proof { status logId table salt digest leafIndex auditPath checkpoint { root } }';
      const court = ok(
        await call(`mutation($input: RegisterCourtInput!) { registerCourt(input: $input) { court { id ${PROOF} } } }`, {
          input: { name: 'Test Proof Court', level: 'BASIC', city: 'Nanjing' },
        }),
      ).registerCourt.court;
      const opened = ok(
        await call(
          `mutation($input: OpenCaseInput!) { openCase(input: $input) { case {
            id ${PROOF} statusHistory { id ${PROOF} } parties { id ${PROOF} }
          } } }`,
          { input: { courtId: court.id, caseNumber: '2026-CIV-PROOF', kind: 'CIVIL', title: 'Proof case', filedOn: '2026-01-05', parties: [{ did: did(6101), name: 'Proof Plaintiff', role: 'PLAINTIFF' }] } },
        ),
      ).openCase.case;
      await moveTo(opened.id, ['ADMITTED', 'IN_HEARING']);
      const judgment = ok(
        await call(`mutation($input: RecordJudgmentInput!) { recordJudgment(input: $input) { judgment { id ${PROOF} } } }`, {
          input: { caseId: opened.id, partyDid: did(6101), verdict: 'NOT_LIABLE', decidedOn: '2026-01-20' },
        }),
      ).recordJudgment.judgment;
      const evidence = ok(
        await call(`mutation($input: RegisterEvidenceInput!) { registerEvidence(input: $input) { evidence { id ${PROOF} } } }`, {
          input: { caseId: opened.id, title: 'Proof evidence', mediaType: 'text/plain', sizeBytes: 12, contentDigest: digest(6101), submittedBy: did(6101) },
        }),
      ).registerEvidence.evidence;
      const request = ok(
        await call(`mutation($input: RequestEvidenceAccessInput!) { requestEvidenceAccess(input: $input) { request { id ${PROOF} decisionProof { status } } } }`, {
          input: { evidenceId: evidence.id, requester: did(6102), reason: 'Proof request' },
        }),
      ).requestEvidenceAccess.request;
      expect(request.decisionProof).toBeNull();
      ok(await call(DECIDE_ACCESS, { input: { requestId: request.id, decision: 'REJECTED', judge: JUDGE } }));
      const read = ok(
        await call(`query($id: ID!) { evidence(id: $id) { accessRequests { id decisionProof { status logId table salt digest leafIndex auditPath checkpoint { root } } } } }`, {
          id: evidence.id,
        }),
      ).evidence.accessRequests[0];
      const [decision] = await server.store.db.query<{ id: string }>('SELECT id FROM evidence_access_decisions WHERE request_id = $1', [request.id]);
      // The case as it stands now: its status changed after it was opened, so its proof is of the latest version.
      const caseNow = ok(await call(`query($id: ID!) { case(id: $id) { id status ${PROOF} } }`, { id: opened.id })).case;
      expect(caseNow.status).toBe('IN_HEARING');

      const proofs: [table: string, id: string, proof: any][] = [
        ['cases', opened.id, caseNow.proof],
        ['courts', court.id, court.proof],
        ['case_status_changes', opened.statusHistory[0].id, opened.statusHistory[0].proof],
        ['case_parties', opened.parties[0].id, opened.parties[0].proof],
        ['judgments', judgment.id, judgment.proof],
        ['evidence', evidence.id, evidence.proof],
        ['evidence_access_requests', request.id, request.proof],
        ['evidence_access_decisions', decision!.id, read.decisionProof],
      ];
      for (const [table, id, proof] of proofs) {
        expect(proof, table).toMatchObject({ status: 'PENDING_INTEGRATION', logId: 'justice', table, leafIndex: null, auditPath: null, checkpoint: null });
        expect(proof.digest, table).toMatch(/^[0-9a-f]{64}$/);
        const [row] = await server.store.db.query<Record<string, unknown>>(`SELECT * FROM ${table} WHERE id = $1`, [id]);
        expect(recordDigest(table, row!, Buffer.from(proof.salt, 'base64url')).toString('hex'), table).toBe(proof.digest);
      }
      // The case's first version (FILED) had its own entry; the proof is of the current one.
      expect(caseNow.proof.digest).not.toBe(opened.proof.digest);

      // Once integrated, the same entry is a leaf: same salt and digest, now with its index.
      await server.log.flush();
      const integrated = ok(await call(`query($id: ID!) { case(id: $id) { ${PROOF} judgments { ${PROOF} } } }`, { id: opened.id })).case;
      for (const [before, after] of [[caseNow.proof, integrated.proof], [judgment.proof, integrated.judgments[0].proof]]) {
        expect(after).toMatchObject({ status: 'PENDING_ANCHOR', salt: before.salt, digest: before.digest, checkpoint: null });
        expect(after.leafIndex).toEqual(expect.any(Number));
      }
    });

    it('after the demo seed and every mutation above, every record hashes to its latest log entry', async () => {
      // The demo seed (already run above; run here too so this test stands alone), and a replay of it that logs nothing.
      await seedJustice(server.store, demoCitizens(5));
      expect(await logged(() => seedJustice(server.store, demoCitizens(5)))).toEqual({});
      const result = await checkRecords(server.store.db, justice.recordedTables);
      expect(result.findings).toEqual([]);
      const rows = await Promise.all(justice.recordedTables.map(count));
      expect(result.checked).toBe(rows.reduce((a, b) => a + b, 0));
      expect(result.checked).toBeGreaterThan(100);
    });
  });

  // A small department of its own: tampering here must not disturb the records above.
  describe('record log audit finds tampering', () => {
    let tampered: TestStorage;
    let db: Database;
    let store: JusticeStore;

    beforeAll(async () => {
      tampered = testStorage(kind);
      ({ db, store } = await openDepartmentStore(justice, tampered.config));
    });

    afterAll(async () => {
      await db?.close();
      await tampered?.cleanup();
    });

    /** Writes behind the store's back, with every trigger off (append-only guards, status cache guard, foreign keys). */
    const behindTheBack = (sql: string, params: unknown[]) =>
      db.transaction(async (tx) => {
        await tx.query('SET LOCAL session_replication_role = replica');
        return tx.query<{ id: string }>(sql, params);
      });

    it('reports ALTERED, INSERTED and DELETED rows, and nothing else', async () => {
      const court = await store.registerCourt({ name: 'Tamper Court', level: 'BASIC', city: 'Wuhan' });
      const opened = await store.openCase({
        courtId: court.id,
        caseNumber: '2026-TAMPER-1',
        kind: 'CRIMINAL',
        title: 'People v. Tampered',
        filedOn: '2026-01-05',
        parties: [
          { name: 'Procuratorate', role: 'PROSECUTOR' },
          { did: did(6201), name: 'Accused', role: 'DEFENDANT' },
          { did: did(6202), name: 'Witness', role: 'WITNESS' },
        ],
      });
      for (const [status, changedOn] of [['ADMITTED', '2026-01-06'], ['IN_HEARING', '2026-01-07']] as const) {
        await store.changeCaseStatus({ caseId: opened.id, status, changedOn });
      }
      const judgment = await store.recordJudgment({ caseId: opened.id, partyDid: did(6201), verdict: 'CONVICTED', offence: 'Fraud', decidedOn: '2026-01-08' });
      const evidence = await store.registerEvidence({ caseId: opened.id, title: 'Ledger', mediaType: 'application/pdf', sizeBytes: 10, contentDigest: digest(6201), submittedBy: did(6201) });
      const request = await store.requestEvidenceAccess({ evidenceId: evidence.id, requester: did(6202), reason: 'Testimony' });
      const decided = await store.decideEvidenceAccess({ requestId: request.id, decision: 'APPROVED', judge: JUDGE });
      expect(await checkRecords(db, justice.recordedTables)).toMatchObject({ findings: [] });

      // A conviction quietly turned into an acquittal (append-only table), a case's status cache moved on
      // without its history, a court renamed (no guard at all).
      await behindTheBack(`UPDATE judgments SET verdict = 'ACQUITTED', offence = NULL WHERE id = $1`, [judgment.id]);
      await behindTheBack(`UPDATE cases SET status = 'CLOSED' WHERE id = $1`, [opened.id]);
      await db.query(`UPDATE courts SET city = 'Elsewhere' WHERE id = $1`, [court.id]);
      // A judgment and a court the store never wrote.
      const [ghostJudgment] = await db.query<{ id: string }>(
        `INSERT INTO judgments (case_id, party_id, verdict, offence, decided_on) SELECT case_id, id, 'CONVICTED', 'Perjury', '2026-01-09' FROM case_parties WHERE did = $1 RETURNING id`,
        [did(6202)],
      );
      const [ghostCourt] = await db.query<{ id: string }>(`INSERT INTO courts (name, level, city) VALUES ('Ghost Court', 'BASIC', 'Nowhere') RETURNING id`);
      // A decision erased (append-only table), and the approval with it.
      await behindTheBack('DELETE FROM evidence_access_decisions WHERE id = $1', [decided.decision_id]);

      const { findings } = await checkRecords(db, justice.recordedTables);
      const byKey = (f: { table: string; id: string }) => `${f.table}/${f.id}`;
      expect([...findings].sort((a, b) => byKey(a).localeCompare(byKey(b)))).toEqual(
        [
          { table: 'judgments', id: judgment.id, problem: 'ALTERED' },
          { table: 'cases', id: opened.id, problem: 'ALTERED' },
          { table: 'courts', id: court.id, problem: 'ALTERED' },
          { table: 'judgments', id: ghostJudgment!.id, problem: 'INSERTED' },
          { table: 'courts', id: ghostCourt!.id, problem: 'INSERTED' },
          { table: 'evidence_access_decisions', id: decided.decision_id!, problem: 'DELETED' },
        ].sort((a, b) => byKey(a).localeCompare(byKey(b))),
      );
    });
  });
});
