import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApolloServer } from '@apollo/server';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { finance } from '../../subgraphs/finance/index.ts';
import { CORRECTION_QUORUM, RECORDED_TABLES, type FinanceStore } from '../../subgraphs/finance/store.ts';
import { openDepartmentStore } from '../../subgraphs/kit/open-store.ts';
import { startSubgraph, type SubgraphServer } from '../../subgraphs/kit/server.ts';
import { readSchema } from '../../subgraphs/kit/department.ts';
import { scalars } from '../../subgraphs/kit/scalars.ts';
import { seedFinance } from '../../demo/finance.ts';
import { demoCitizens } from '../../demo/citizens.ts';
import { checkRecords } from '../../anchor/log/check-records.ts';
import { recordDigest } from '../../anchor/log/record-digest.ts';
import { STORAGES, testStorage, type TestStorage } from '../support/storage.ts';
import { codes, gql, type GraphQLResponse } from '../support/graphql.ts';

const REGISTER = `mutation($input: RegisterTaxpayerInput!) {
  registerTaxpayer(input: $input) { citizen { did name taxNumber taxRegisteredOn } } }`;
const ASSESS = `mutation($input: SetTaxClearanceInput!) {
  setTaxClearance(input: $input) {
    citizen { did taxClearance { id status assessedOn } }
    taxClearance { id status assessedOn validUntil outstanding { minorUnits currency formatted } } } }`;
const CREATE_BUDGET = `mutation($input: CreateBudgetInput!) {
  createBudget(input: $input) { budget { id fiscalYear department title total { minorUnits currency formatted } appropriated { minorUnits } spent { minorUnits } } } }`;
const APPROPRIATE = `mutation($input: AppropriateInput!) {
  appropriate(input: $input) { appropriation { id purpose amount { minorUnits currency } spent { minorUnits } remaining { minorUnits }
    approvedOn budget { id appropriated { minorUnits } } } } }`;
const PAY = `mutation($input: RecordPaymentInput!) {
  recordPayment(input: $input) { payment { id sequence payerDepartment payee payeeDid amount { minorUnits currency formatted }
    effectiveAmount { minorUnits } purpose effectivePurpose paidOn corrections { id }
    appropriation { id spent { minorUnits } remaining { minorUnits } } } } }`;
const PROPOSE = `mutation($input: ProposeCorrectionInput!) {
  proposeCorrection(input: $input) { correction { id status quorum proposedBy amount { minorUnits currency } purpose reason
    effectiveAt approvals { approver } payment { id } } } }`;
const APPROVE = `mutation($input: ApproveCorrectionInput!) {
  approveCorrection(input: $input) {
    correction { id status effectiveAt approvals { id approver approvedAt }
      payment { id amount { minorUnits } effectiveAmount { minorUnits } purpose effectivePurpose appropriation { spent { minorUnits } remaining { minorUnits } } } }
    approval { id approver } } }`;

const cny = (minorUnits: number) => ({ minorUnits, currency: 'CNY' });
const newDid = () => `did:ethr:0x539:0x${randomBytes(20).toString('hex')}`;
let serial = 0;
/** A department short name no other test uses, so ledger filters see only this test's entries. */
const freshDepartment = (label: string) => `${label}-${++serial}-${randomBytes(3).toString('hex')}`;

describe.each(STORAGES)('finance subgraph over %s', (kind) => {
  let storage: TestStorage;
  let server: SubgraphServer<FinanceStore>;

  beforeAll(async () => {
    storage = testStorage(kind);
    server = await startSubgraph(finance, { config: storage.config, port: 0 });
  });

  afterAll(async () => {
    await server?.close();
    await storage?.cleanup();
  });

  const call = (query: string, variables?: Record<string, unknown>) => gql(server.graphqlUrl, query, variables);

  async function ok(query: string, variables?: Record<string, unknown>): Promise<Record<string, any>> {
    const response = await call(query, variables);
    expect(response.errors).toBeUndefined();
    return response.data!;
  }

  function refused(response: GraphQLResponse, code: string, field?: string): void {
    expect(codes(response)).toEqual([code]);
    if (field) expect(response.errors![0]!.extensions!.field).toBe(field);
  }

  /** A budget with one appropriation, under a department of its own. */
  async function ledger(options: { total?: number; appropriated?: number; department?: string; fiscalYear?: number } = {}) {
    const department = options.department ?? freshDepartment('dept');
    const { createBudget } = await ok(CREATE_BUDGET, {
      input: { fiscalYear: options.fiscalYear ?? 2026, department, title: `Budget ${department}`, total: cny(options.total ?? 1_000_000) },
    });
    const { appropriate } = await ok(APPROPRIATE, {
      input: { budgetId: createBudget.budget.id, purpose: 'Programme', amount: cny(options.appropriated ?? 500_000), approvedOn: '2026-02-01' },
    });
    return { department, budget: createBudget.budget, appropriation: appropriate.appropriation };
  }

  function payment(appropriationId: string, minorUnits: number, extra: Record<string, unknown> = {}) {
    return call(PAY, { input: { appropriationId, payee: 'Acme Engineering Co., Ltd.', amount: cny(minorUnits), purpose: 'Works', paidOn: '2026-03-01', ...extra } });
  }

  /** record_log rows per recorded table. */
  async function logged(): Promise<Record<string, number>> {
    const rows = await server.store.db.query<{ record_table: string; n: number }>(
      'SELECT record_table, count(*)::int8 AS n FROM record_log GROUP BY record_table',
    );
    return Object.fromEntries(rows.map((r) => [r.record_table, r.n]));
  }

  /** The record_log rows `work` adds, per table (tables it adds none to left out), and what `work` returned. */
  async function logDelta<T>(work: () => Promise<T>): Promise<[Record<string, number>, T]> {
    const before = await logged();
    const result = await work();
    const after = await logged();
    const delta = Object.fromEntries(
      Object.entries(after)
        .map(([table, n]): [string, number] => [table, n - (before[table] ?? 0)])
        .filter(([, n]) => n !== 0),
    );
    return [delta, result];
  }

  type Run = (query: string, variables?: Record<string, unknown>) => Promise<Record<string, any>>;
  type Proof = { status: string; salt: string; digest: string; table: string; logId: string; leafIndex: number | null };

  /**
   * Writes a record of every recorded table through `run` and reads each one's
   * proof (after `settle`): the taxpayer, an assessment, a budget, an
   * appropriation, a payment, a correction, its two approvals and its effect.
   */
  async function proveEveryKind(run: Run, settle: () => Promise<void> = async () => {}): Promise<[table: string, id: string, proof: Proof][]> {
    const PROOF = 'proof { status salt digest table logId leafIndex }';
    const did = newDid();
    const taxpayerId = randomUUID();
    await run(REGISTER, { input: { id: taxpayerId, did, name: 'Wu Fang' } });
    await run(ASSESS, { input: { did, status: 'CLEARED', assessedOn: '2026-06-30' } });
    const budget = (await run(CREATE_BUDGET, { input: { fiscalYear: 2026, department: freshDepartment('proof'), title: 'Proof', total: cny(1_000_000) } }))
      .createBudget.budget;
    const appropriation = (await run(APPROPRIATE, { input: { budgetId: budget.id, purpose: 'Programme', amount: cny(500_000), approvedOn: '2026-02-01' } }))
      .appropriate.appropriation;
    const paid = (await run(PAY, {
      input: { appropriationId: appropriation.id, payee: 'Individual beneficiary (grant)', payeeDid: did, amount: cny(300_000), purpose: 'Grant', paidOn: '2026-03-01' },
    })).recordPayment.payment;
    const proposed = (await run(PROPOSE, { input: { paymentId: paid.id, purpose: 'Bridge works', reason: 'Misfiled', proposedBy: 'EDUCATION' } }))
      .proposeCorrection.correction;
    await run(APPROVE, { input: { correctionId: proposed.id, approver: 'EDUCATION' } });
    const QUERY = `query($did: DID!, $payment: ID!, $correction: ID!) {
      citizen(did: $did) { taxpayerProof { status salt digest table logId leafIndex } taxClearance { id ${PROOF} } }
      payment(id: $payment) { id ${PROOF} appropriation { id ${PROOF} budget { id ${PROOF} } } }
      correction(id: $correction) { id status ${PROOF} effectProof { status salt digest table logId leafIndex } approvals { id ${PROOF} } } }`;
    const variables = { did, payment: paid.id, correction: proposed.id };
    const pending = await run(QUERY, variables);
    expect(pending.correction.status).toBe('PENDING');
    expect(pending.correction.effectProof).toBeNull();

    await run(APPROVE, { input: { correctionId: proposed.id, approver: 'FINANCE' } });
    await settle();
    const { citizen, payment: entry, correction } = await run(QUERY, variables);
    expect(correction.status).toBe('EFFECTIVE');
    // Records are never rewritten: the first approval's entry is the one logged before the quorum.
    expect(correction.approvals[0].proof).toMatchObject({ salt: pending.correction.approvals[0].proof.salt, digest: pending.correction.approvals[0].proof.digest });
    const proofs: [string, string, Proof][] = [
      ['taxpayers', taxpayerId, citizen.taxpayerProof],
      ['tax_assessments', citizen.taxClearance.id, citizen.taxClearance.proof],
      ['payments', entry.id, entry.proof],
      ['appropriations', entry.appropriation.id, entry.appropriation.proof],
      ['budgets', entry.appropriation.budget.id, entry.appropriation.budget.proof],
      ['corrections', correction.id, correction.proof],
      // A correction's effect is the record of correction_effects with the correction's id.
      ['correction_effects', correction.id, correction.effectProof],
      ...correction.approvals.map((a: { id: string; proof: Proof }): [string, string, Proof] => ['correction_approvals', a.id, a.proof]),
    ];
    // Finance's own record tables (recordedTables also lists the kit's issued_credentials, which this suite does not write).
    expect(proofs.map(([table]) => table).sort()).toEqual([...RECORDED_TABLES, 'correction_approvals'].sort());
    return proofs;
  }

  /** Each proof has `status` and a digest that its stored row (`SELECT *`) and salt recompute. */
  async function expectProofs(db: FinanceStore['db'], proofs: [string, string, Proof][], status: 'PENDING_INTEGRATION' | 'PENDING_ANCHOR') {
    for (const [table, id, proof] of proofs) {
      expect(proof, table).toMatchObject({ status, table, logId: 'finance' });
      expect(proof.leafIndex === null, table).toBe(status === 'PENDING_INTEGRATION');
      expect(proof.digest, table).toMatch(/^[0-9a-f]{64}$/);
      const salt = Buffer.from(proof.salt, 'base64url');
      expect(salt).toHaveLength(32);
      const [row] = await db.query<Record<string, unknown>>(`SELECT * FROM ${table} WHERE id = $1`, [id]);
      expect(recordDigest(table, row!, salt).toString('hex'), table).toBe(proof.digest);
    }
  }

  describe('taxpayer register', () => {
    it('registers a taxpayer, idempotently on its id, and refuses a second record for the DID', async () => {
      const did = newDid();
      const id = randomUUID();
      const input = { id, did, name: '  Li Na ', taxNumber: 'cn-110000123', registeredOn: '2010-05-04' };
      const first = await ok(REGISTER, { input });
      expect(first.registerTaxpayer.citizen).toEqual({ did, name: 'Li Na', taxNumber: 'CN-110000123', taxRegisteredOn: '2010-05-04' });

      // Same id: the stored record comes back, nothing is written.
      const again = await ok(REGISTER, { input: { ...input, name: 'Someone Else' } });
      expect(again.registerTaxpayer.citizen.name).toBe('Li Na');

      refused(await call(REGISTER, { input: { did, name: 'Li Na' } }), 'CONFLICT');
      refused(await call(REGISTER, { input: { did: newDid(), name: 'Wang Wei', taxNumber: 'CN-110000123' } }), 'CONFLICT');
    });

    it('defaults registeredOn to today', async () => {
      const did = newDid();
      const { registerTaxpayer } = await ok(REGISTER, { input: { did, name: 'Zhang Min' } });
      expect(registerTaxpayer.citizen.taxRegisteredOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(registerTaxpayer.citizen.taxNumber).toBeNull();
    });

    it('refuses invalid registrations with the field at fault', async () => {
      refused(await call(REGISTER, { input: { did: 'not-a-did', name: 'X' } }), 'INVALID_DID');
      refused(await call(REGISTER, { input: { did: newDid(), name: '   ' } }), 'INVALID_ARGUMENT', 'input.name');
      refused(await call(REGISTER, { input: { did: newDid(), name: 'X', taxNumber: 'bad number!' } }), 'INVALID_ARGUMENT', 'input.taxNumber');
      refused(await call(REGISTER, { input: { did: newDid(), name: 'X', registeredOn: '2021-02-30' } }), 'INVALID_DATE');
      refused(await call(REGISTER, { input: { id: 'not-a-uuid', did: newDid(), name: 'X' } }), 'INVALID_ARGUMENT', 'input.id');
    });

    it('answers citizen(did) for any DID, with nulls and empty lists when finance knows nothing', async () => {
      const did = newDid();
      const { citizen } = await ok(
        `query($did: DID!) { citizen(did: $did) { did name taxNumber taxClearance { status } taxClearanceHistory { status } paymentsReceived { id } } }`,
        { did },
      );
      expect(citizen).toEqual({ did, name: null, taxNumber: null, taxClearance: null, taxClearanceHistory: [], paymentsReceived: [] });
      refused(await call('{ citizen(did: "nope") { did } }'), 'INVALID_DID');
    });
  });

  describe('tax clearance', () => {
    it('keeps every assessment and reports the latest one as current', async () => {
      const did = newDid();
      await ok(REGISTER, { input: { did, name: 'Chen Jing' } });
      const cleared = await ok(ASSESS, { input: { did, status: 'CLEARED', assessedOn: '2025-06-30', validUntil: '2026-06-30' } });
      expect(cleared.setTaxClearance.taxClearance).toMatchObject({ status: 'CLEARED', validUntil: '2026-06-30', outstanding: null });

      const arrears = await ok(ASSESS, { input: { did, status: 'ARREARS', assessedOn: '2026-06-30', outstanding: cny(1_234_567) } });
      expect(arrears.setTaxClearance.taxClearance.outstanding).toEqual({ minorUnits: 1_234_567, currency: 'CNY', formatted: '12,345.67 CNY' });
      expect(arrears.setTaxClearance.citizen.taxClearance.status).toBe('ARREARS');

      // Recorded later but assessed earlier: history keeps it, the current status does not change.
      const id = randomUUID();
      await ok(ASSESS, { input: { id, did, status: 'UNDER_REVIEW', assessedOn: '2026-01-15' } });
      await ok(ASSESS, { input: { id, did, status: 'CLEARED', assessedOn: '2027-01-01' } }); // same id: no new row

      const { citizen } = await ok(
        `query($did: DID!) { citizen(did: $did) { taxClearance { status outstanding { minorUnits } } taxClearanceHistory { status assessedOn } } }`,
        { did },
      );
      expect(citizen.taxClearance).toEqual({ status: 'ARREARS', outstanding: { minorUnits: 1_234_567 } });
      expect(citizen.taxClearanceHistory).toEqual([
        { status: 'ARREARS', assessedOn: '2026-06-30' },
        { status: 'UNDER_REVIEW', assessedOn: '2026-01-15' },
        { status: 'CLEARED', assessedOn: '2025-06-30' },
      ]);
    });

    it('refuses inconsistent assessments and unregistered taxpayers', async () => {
      const did = newDid();
      await ok(REGISTER, { input: { did, name: 'Huang Yong' } });
      refused(await call(ASSESS, { input: { did, status: 'ARREARS', assessedOn: '2026-06-30' } }), 'INVALID_AMOUNT', 'input.outstanding');
      refused(await call(ASSESS, { input: { did, status: 'ARREARS', assessedOn: '2026-06-30', outstanding: cny(0) } }), 'INVALID_AMOUNT');
      refused(
        await call(ASSESS, { input: { did, status: 'CLEARED', assessedOn: '2026-06-30', outstanding: cny(5) } }),
        'INVALID_AMOUNT',
        'input.outstanding.minorUnits',
      );
      refused(
        await call(ASSESS, { input: { did, status: 'CLEARED', assessedOn: '2026-06-30', validUntil: '2026-01-01' } }),
        'INVALID_DATE',
        'input.validUntil',
      );
      refused(await call(ASSESS, { input: { did, status: 'CLEARED', assessedOn: '2026-13-01' } }), 'INVALID_DATE');
      refused(await call(ASSESS, { input: { did: newDid(), status: 'CLEARED', assessedOn: '2026-06-30' } }), 'NOT_FOUND');
    });
  });

  describe('budgets and appropriations', () => {
    it('creates a budget beyond 2^31 minor units, idempotently on its id', async () => {
      const id = randomUUID();
      const department = freshDepartment('education');
      const input = { id, fiscalYear: 2026, department, title: 'Operating budget', total: cny(96_000_000_000) };
      const { createBudget } = await ok(CREATE_BUDGET, { input });
      expect(createBudget.budget).toEqual({
        id,
        fiscalYear: 2026,
        department,
        title: 'Operating budget',
        total: { minorUnits: 96_000_000_000, currency: 'CNY', formatted: '960,000,000.00 CNY' },
        appropriated: { minorUnits: 0 },
        spent: { minorUnits: 0 },
      });
      const again = await ok(CREATE_BUDGET, { input: { ...input, total: cny(1) } });
      expect(again.createBudget.budget.total.minorUnits).toBe(96_000_000_000);
      refused(await call(CREATE_BUDGET, { input: { ...input, id: randomUUID() } }), 'CONFLICT');
      const { budget } = await ok('query($id: ID!) { budget(id: $id) { id title } }', { id });
      expect(budget).toEqual({ id, title: 'Operating budget' });
      expect((await ok('{ budget(id: "not-a-uuid") { id } }')).budget).toBeNull();
      expect((await ok('query($id: ID!) { budget(id: $id) { id } }', { id: randomUUID() })).budget).toBeNull();
    });

    it('refuses invalid budgets with the field at fault', async () => {
      const input = { fiscalYear: 2026, department: 'health', title: 'Budget', total: cny(100) };
      refused(await call(CREATE_BUDGET, { input: { ...input, fiscalYear: 1800 } }), 'INVALID_ARGUMENT', 'input.fiscalYear');
      refused(await call(CREATE_BUDGET, { input: { ...input, department: 'Health Dept' } }), 'INVALID_ARGUMENT', 'input.department');
      refused(await call(CREATE_BUDGET, { input: { ...input, title: '' } }), 'INVALID_ARGUMENT', 'input.title');
      refused(await call(CREATE_BUDGET, { input: { ...input, total: cny(0) } }), 'INVALID_AMOUNT', 'input.total.minorUnits');
      refused(await call(CREATE_BUDGET, { input: { ...input, total: cny(-5) } }), 'INVALID_AMOUNT');
      refused(await call(CREATE_BUDGET, { input: { ...input, total: cny(1.5) } }), 'INVALID_AMOUNT');
      refused(await call(CREATE_BUDGET, { input: { ...input, total: { minorUnits: 100, currency: 'XYZ' } } }), 'INVALID_CURRENCY');
    });

    it('keeps appropriations within the budget total', async () => {
      const { budget } = await ledger({ total: 1_000_000, appropriated: 600_000 });
      const second = await ok(APPROPRIATE, { input: { budgetId: budget.id, purpose: 'Second', amount: cny(300_000), approvedOn: '2026-03-01' } });
      expect(second.appropriate.appropriation).toMatchObject({
        purpose: 'Second',
        amount: { minorUnits: 300_000, currency: 'CNY' },
        spent: { minorUnits: 0 },
        remaining: { minorUnits: 300_000 },
        budget: { id: budget.id, appropriated: { minorUnits: 900_000 } },
      });

      const over = await call(APPROPRIATE, { input: { budgetId: budget.id, purpose: 'Too much', amount: cny(100_001), approvedOn: '2026-03-01' } });
      refused(over, 'CONFLICT');
      expect(over.errors![0]!.message).toContain('1,000.00 CNY of 10,000.00 CNY remains');
      // Exactly what remains still fits.
      await ok(APPROPRIATE, { input: { budgetId: budget.id, purpose: 'Rest', amount: cny(100_000), approvedOn: '2026-03-01' } });

      const { budget: reread } = await ok('query($id: ID!) { budget(id: $id) { appropriated { minorUnits } appropriations { purpose } } }', { id: budget.id });
      expect(reread.appropriated.minorUnits).toBe(1_000_000);
      expect(reread.appropriations.map((a: { purpose: string }) => a.purpose)).toEqual(['Programme', 'Second', 'Rest']);
    });

    it('refuses invalid appropriations', async () => {
      const { budget } = await ledger();
      const input = { budgetId: budget.id, purpose: 'P', amount: cny(10), approvedOn: '2026-03-01' };
      refused(await call(APPROPRIATE, { input: { ...input, amount: { minorUnits: 10, currency: 'USD' } } }), 'INVALID_CURRENCY', 'input.amount.currency');
      refused(await call(APPROPRIATE, { input: { ...input, budgetId: randomUUID() } }), 'NOT_FOUND');
      refused(await call(APPROPRIATE, { input: { ...input, budgetId: 'budget-1' } }), 'INVALID_ARGUMENT', 'input.budgetId');
      refused(await call(APPROPRIATE, { input: { ...input, amount: cny(0) } }), 'INVALID_AMOUNT');
      refused(await call(APPROPRIATE, { input: { ...input, purpose: ' ' } }), 'INVALID_ARGUMENT', 'input.purpose');
      refused(await call(APPROPRIATE, { input: { ...input, approvedOn: 'March' } }), 'INVALID_DATE');
      const id = randomUUID();
      const first = await ok(APPROPRIATE, { input: { ...input, id } });
      const again = await ok(APPROPRIATE, { input: { ...input, id, amount: cny(99) } });
      expect(again.appropriate.appropriation).toEqual(first.appropriate.appropriation);
    });
  });

  describe('payments', () => {
    it('records payments in ledger order, out of the appropriation, paid by the budget department', async () => {
      const { department, appropriation } = await ledger({ appropriated: 500_000 });
      const payeeDid = newDid();
      await ok(REGISTER, { input: { did: payeeDid, name: 'Zhao Li' } });
      const scholarship = (await ok(PAY, {
        input: { appropriationId: appropriation.id, payee: 'Individual beneficiary (scholarship)', payeeDid, amount: cny(800_000 / 2), purpose: 'National Scholarship', paidOn: '2026-09-01' },
      })).recordPayment.payment;
      expect(scholarship).toMatchObject({
        payerDepartment: department,
        payee: 'Individual beneficiary (scholarship)',
        payeeDid,
        amount: { minorUnits: 400_000, currency: 'CNY', formatted: '4,000.00 CNY' },
        effectiveAmount: { minorUnits: 400_000 },
        purpose: 'National Scholarship',
        effectivePurpose: 'National Scholarship',
        paidOn: '2026-09-01',
        corrections: [],
        appropriation: { id: appropriation.id, spent: { minorUnits: 400_000 }, remaining: { minorUnits: 100_000 } },
      });

      const over = await payment(appropriation.id, 100_001);
      refused(over, 'CONFLICT');
      expect(over.errors![0]!.message).toContain('1,000.00 CNY of 5,000.00 CNY remains');

      const id = randomUUID();
      const last = (await ok(PAY, { input: { id, appropriationId: appropriation.id, payee: 'Acme', amount: cny(100_000), purpose: 'Works', paidOn: '2026-03-01' } }))
        .recordPayment.payment;
      expect(last.sequence).toBeGreaterThan(scholarship.sequence);
      expect(last.appropriation.remaining.minorUnits).toBe(0);
      // A retry with the same id returns the same ledger entry (same sequence), not a second payment.
      const retried = (await payment(appropriation.id, 100_000, { id })).data!.recordPayment.payment;
      expect(retried.sequence).toBe(last.sequence);

      const { citizen } = await ok('query($did: DID!) { citizen(did: $did) { name paymentsReceived { id purpose amount { minorUnits } } } }', { did: payeeDid });
      expect(citizen).toEqual({ name: 'Zhao Li', paymentsReceived: [{ id: scholarship.id, purpose: 'National Scholarship', amount: { minorUnits: 400_000 } }] });
      const { payment: reread } = await ok('query($id: ID!) { payment(id: $id) { id sequence payee } }', { id: last.id });
      expect(reread).toEqual({ id: last.id, sequence: last.sequence, payee: 'Acme' });
    });

    it('refuses invalid payments', async () => {
      const { appropriation } = await ledger();
      refused(await payment(appropriation.id, 10, { amount: { minorUnits: 10, currency: 'HKD' } }), 'INVALID_CURRENCY', 'input.amount.currency');
      refused(await payment(randomUUID(), 10), 'NOT_FOUND');
      refused(await payment(appropriation.id, 10, { paidOn: '2026-01-31' }), 'INVALID_DATE', 'input.paidOn');
      refused(await payment(appropriation.id, 10, { payeeDid: 'did:' }), 'INVALID_DID');
      refused(await payment(appropriation.id, 0), 'INVALID_AMOUNT');
      refused(await payment(appropriation.id, 10, { payee: '' }), 'INVALID_ARGUMENT', 'input.payee');
      refused(await payment(appropriation.id, 10, { purpose: 'x'.repeat(301) }), 'INVALID_ARGUMENT', 'input.purpose');
    });

    it('never overspends an appropriation under concurrent payments, and never repeats a sequence', async () => {
      const { appropriation } = await ledger({ appropriated: 500_000 });
      const attempts = await Promise.all(Array.from({ length: 10 }, () => payment(appropriation.id, 100_000)));
      const accepted = attempts.filter((r) => !r.errors);
      expect(accepted).toHaveLength(5);
      expect(attempts.filter((r) => r.errors).every((r) => codes(r)[0] === 'CONFLICT')).toBe(true);
      const sequences = accepted.map((r) => r.data!.recordPayment.payment.sequence as number);
      expect(new Set(sequences).size).toBe(5);
      const { payment: one } = await ok('query($id: ID!) { payment(id: $id) { appropriation { spent { minorUnits } remaining { minorUnits } } } }', {
        id: accepted[0]!.data!.recordPayment.payment.id,
      });
      expect(one.appropriation).toEqual({ spent: { minorUnits: 500_000 }, remaining: { minorUnits: 0 } });
    });
  });

  describe('corrections', () => {
    async function paid(minorUnits = 300_000, appropriated = 500_000) {
      const { appropriation } = await ledger({ appropriated });
      return (await payment(appropriation.id, minorUnits)).data!.recordPayment.payment as { id: string; appropriation: { id: string } };
    }

    it('takes effect only when a quorum of distinct departments approves, and never edits the payment', async () => {
      const original = await paid();
      const proposed = (await ok(PROPOSE, {
        input: { paymentId: original.id, amount: cny(250_000), reason: 'Duplicate invoice line', proposedBy: 'EDUCATION' },
      })).proposeCorrection.correction;
      expect(proposed).toMatchObject({
        status: 'PENDING',
        quorum: CORRECTION_QUORUM,
        proposedBy: 'EDUCATION',
        amount: { minorUnits: 250_000, currency: 'CNY' },
        purpose: null,
        effectiveAt: null,
        approvals: [],
        payment: { id: original.id },
      });

      // The proposer may approve; one approval is not a quorum.
      const first = (await ok(APPROVE, { input: { correctionId: proposed.id, approver: 'EDUCATION' } })).approveCorrection;
      expect(first.correction.status).toBe('PENDING');
      expect(first.correction.payment.effectiveAmount.minorUnits).toBe(300_000);
      refused(await call(APPROVE, { input: { correctionId: proposed.id, approver: 'EDUCATION' } }), 'CONFLICT');

      const second = (await ok(APPROVE, { input: { correctionId: proposed.id, approver: 'JUSTICE' } })).approveCorrection;
      expect(second.approval.approver).toBe('JUSTICE');
      expect(second.correction.status).toBe('EFFECTIVE');
      expect(second.correction.effectiveAt).toBe(second.correction.approvals[1].approvedAt);
      expect(second.correction.approvals.map((a: { approver: string }) => a.approver)).toEqual(['EDUCATION', 'JUSTICE']);
      expect(second.correction.payment).toMatchObject({
        amount: { minorUnits: 300_000 },
        effectiveAmount: { minorUnits: 250_000 },
        appropriation: { spent: { minorUnits: 250_000 }, remaining: { minorUnits: 250_000 } },
      });

      refused(await call(APPROVE, { input: { correctionId: proposed.id, approver: 'FINANCE' } }), 'CONFLICT');
      const { correction } = await ok('query($id: ID!) { correction(id: $id) { status approvals { approver } payment { corrections { id status } } } }', {
        id: proposed.id,
      });
      expect(correction).toEqual({
        status: 'EFFECTIVE',
        approvals: [{ approver: 'EDUCATION' }, { approver: 'JUSTICE' }],
        payment: { corrections: [{ id: proposed.id, status: 'EFFECTIVE' }] },
      });
    });

    it('applies the latest effective correction, amount and purpose independently', async () => {
      const original = await paid();
      const propose = async (input: Record<string, unknown>) =>
        (await ok(PROPOSE, { input: { paymentId: original.id, reason: 'Fix', proposedBy: 'FINANCE', ...input } })).proposeCorrection.correction.id as string;
      const approveAll = async (correctionId: string) => {
        await ok(APPROVE, { input: { correctionId, approver: 'FINANCE' } });
        return (await ok(APPROVE, { input: { correctionId, approver: 'JUSTICE' } })).approveCorrection.correction;
      };
      const pendingAmount = await propose({ amount: cny(100_000) });
      const purposeFix = await propose({ purpose: 'Road repairs' });
      const amountFix = await propose({ amount: cny(200_000) });
      await approveAll(purposeFix);
      const after = await approveAll(amountFix);
      expect(after.payment).toMatchObject({ effectiveAmount: { minorUnits: 200_000 }, purpose: 'Works', effectivePurpose: 'Road repairs' });
      // The older amount correction becoming effective later now wins: it is the latest effective.
      const last = await approveAll(pendingAmount);
      expect(last.payment.effectiveAmount.minorUnits).toBe(100_000);
      expect(last.payment.effectivePurpose).toBe('Road repairs');
    });

    it('refuses corrections that would overspend, change nothing, or are malformed', async () => {
      const original = await paid(300_000, 500_000);
      const base = { paymentId: original.id, reason: 'Fix', proposedBy: 'FINANCE' };
      refused(await call(PROPOSE, { input: { ...base, amount: cny(500_001) } }), 'CONFLICT');
      refused(await call(PROPOSE, { input: base }), 'INVALID_ARGUMENT', 'input');
      refused(await call(PROPOSE, { input: { ...base, amount: cny(300_000) } }), 'INVALID_ARGUMENT', 'input');
      refused(await call(PROPOSE, { input: { ...base, amount: { minorUnits: 10, currency: 'EUR' } } }), 'INVALID_CURRENCY', 'input.amount.currency');
      refused(await call(PROPOSE, { input: { ...base, amount: cny(10), reason: '' } }), 'INVALID_ARGUMENT', 'input.reason');
      refused(await call(PROPOSE, { input: { ...base, paymentId: randomUUID(), amount: cny(10) } }), 'NOT_FOUND');
      refused(await call(PROPOSE, { input: { ...base, amount: cny(10), proposedBy: 'HEALTH' } }), 'BAD_USER_INPUT');
      refused(await call(APPROVE, { input: { correctionId: randomUUID(), approver: 'FINANCE' } }), 'NOT_FOUND');

      // A raise that fitted when proposed but no longer fits when the quorum is reached.
      const raise = (await ok(PROPOSE, { input: { ...base, amount: cny(450_000) } })).proposeCorrection.correction.id;
      await ok(PAY, { input: { appropriationId: original.appropriation.id, payee: 'Other', amount: cny(100_000), purpose: 'Works', paidOn: '2026-03-02' } });
      await ok(APPROVE, { input: { correctionId: raise, approver: 'FINANCE' } });
      refused(await call(APPROVE, { input: { correctionId: raise, approver: 'EDUCATION' } }), 'CONFLICT');
      const { correction } = await ok('query($id: ID!) { correction(id: $id) { status approvals { approver } } }', { id: raise });
      expect(correction).toEqual({ status: 'PENDING', approvals: [{ approver: 'FINANCE' }] });
    });

    it('makes a correction effective exactly once when departments approve at the same time', async () => {
      const original = await paid();
      const { id } = (await ok(PROPOSE, { input: { paymentId: original.id, amount: cny(200_000), reason: 'Fix', proposedBy: 'FINANCE' } }))
        .proposeCorrection.correction;
      const answers = await Promise.all(
        ['EDUCATION', 'FINANCE', 'JUSTICE'].map((approver) => call(APPROVE, { input: { correctionId: id, approver } })),
      );
      // Two approvals reach the quorum; the third finds the correction already effective.
      expect(answers.filter((a) => !a.errors)).toHaveLength(CORRECTION_QUORUM);
      expect(answers.flatMap(codes)).toEqual(['CONFLICT']);
      const { correction } = await ok('query($id: ID!) { correction(id: $id) { status approvals { id } payment { effectiveAmount { minorUnits } } } }', { id });
      expect(correction.status).toBe('EFFECTIVE');
      expect(correction.approvals).toHaveLength(CORRECTION_QUORUM);
      expect(correction.payment.effectiveAmount.minorUnits).toBe(200_000);
    });

    it('is idempotent on the correction id and the approval id', async () => {
      const original = await paid();
      const id = randomUUID();
      const input = { id, paymentId: original.id, purpose: 'Bridge repairs', reason: 'Misfiled', proposedBy: 'JUSTICE' };
      const first = (await ok(PROPOSE, { input })).proposeCorrection.correction;
      const again = (await ok(PROPOSE, { input: { ...input, purpose: 'Other' } })).proposeCorrection.correction;
      expect(again).toEqual(first);
      const approvalId = randomUUID();
      const approved = (await ok(APPROVE, { input: { id: approvalId, correctionId: id, approver: 'JUSTICE' } })).approveCorrection;
      const retried = (await ok(APPROVE, { input: { id: approvalId, correctionId: id, approver: 'JUSTICE' } })).approveCorrection;
      expect(retried.approval).toEqual(approved.approval);
      expect(retried.correction.approvals).toHaveLength(1);
    });
  });

  describe('record log', () => {
    it('logs each record written, in its transaction, and nothing on a replay or a refused write', async () => {
      const expectLogs = async <T>(expected: Record<string, number>, work: () => Promise<T>): Promise<T> => {
        const [delta, result] = await logDelta(work);
        expect(delta).toEqual(expected);
        return result;
      };
      const did = newDid();
      const taxpayer = { id: randomUUID(), did, name: 'Lin Xue' };
      await expectLogs({ taxpayers: 1 }, () => ok(REGISTER, { input: taxpayer }));
      await expectLogs({}, () => ok(REGISTER, { input: taxpayer }));
      await expectLogs({}, async () => refused(await call(REGISTER, { input: { did, name: 'Lin Xue' } }), 'CONFLICT'));

      const assessment = { id: randomUUID(), did, status: 'ARREARS', assessedOn: '2026-06-30', outstanding: cny(900) };
      await expectLogs({ tax_assessments: 1 }, () => ok(ASSESS, { input: assessment }));
      await expectLogs({}, () => ok(ASSESS, { input: assessment }));
      // Refused by the foreign key, after the INSERT was tried.
      await expectLogs({}, async () => refused(await call(ASSESS, { input: { ...assessment, id: randomUUID(), did: newDid() } }), 'NOT_FOUND'));

      const department = freshDepartment('logged');
      const budget = { id: randomUUID(), fiscalYear: 2026, department, title: 'Logged', total: cny(1_000_000) };
      await expectLogs({ budgets: 1 }, () => ok(CREATE_BUDGET, { input: budget }));
      await expectLogs({}, () => ok(CREATE_BUDGET, { input: budget }));
      await expectLogs({}, async () => refused(await call(CREATE_BUDGET, { input: { ...budget, id: randomUUID() } }), 'CONFLICT'));

      const appropriation = { id: randomUUID(), budgetId: budget.id, purpose: 'Logged line', amount: cny(500_000), approvedOn: '2026-02-01' };
      await expectLogs({ appropriations: 1 }, () => ok(APPROPRIATE, { input: appropriation }));
      await expectLogs({}, () => ok(APPROPRIATE, { input: appropriation }));
      await expectLogs({}, async () => refused(await call(APPROPRIATE, { input: { ...appropriation, id: randomUUID(), amount: cny(500_001) } }), 'CONFLICT'));

      const paymentId = randomUUID();
      await expectLogs({ payments: 1 }, () => payment(appropriation.id, 300_000, { id: paymentId }));
      await expectLogs({}, () => payment(appropriation.id, 300_000, { id: paymentId }));
      await expectLogs({}, async () => refused(await payment(appropriation.id, 200_001), 'CONFLICT'));

      const correction = { id: randomUUID(), paymentId, amount: cny(250_000), reason: 'Overpaid', proposedBy: 'FINANCE' };
      await expectLogs({ corrections: 1 }, () => ok(PROPOSE, { input: correction }));
      await expectLogs({}, () => ok(PROPOSE, { input: correction }));
      await expectLogs({}, async () => refused(await call(PROPOSE, { input: { ...correction, id: randomUUID(), amount: cny(300_000) } }), 'INVALID_ARGUMENT'));

      const first = { id: randomUUID(), correctionId: correction.id, approver: 'FINANCE' };
      await expectLogs({ correction_approvals: 1 }, () => ok(APPROVE, { input: first }));
      await expectLogs({}, () => ok(APPROVE, { input: first }));
      await expectLogs({}, async () => refused(await call(APPROVE, { input: { ...first, id: randomUUID() } }), 'CONFLICT'));
      // The approval reaching the quorum is logged with the effect it writes.
      const second = { id: randomUUID(), correctionId: correction.id, approver: 'JUSTICE' };
      await expectLogs({ correction_approvals: 1, correction_effects: 1 }, () => ok(APPROVE, { input: second }));
      await expectLogs({}, () => ok(APPROVE, { input: second }));
      await expectLogs({}, async () => refused(await call(APPROVE, { input: { correctionId: correction.id, approver: 'EDUCATION' } }), 'CONFLICT'));

      // Refused after its approval row (and log entry) was written: both roll back.
      const raise = (await ok(PROPOSE, { input: { paymentId, amount: cny(450_000), reason: 'Raise', proposedBy: 'JUSTICE' } })).proposeCorrection.correction.id;
      await payment(appropriation.id, 100_000);
      await expectLogs({ correction_approvals: 1 }, () => ok(APPROVE, { input: { correctionId: raise, approver: 'JUSTICE' } }));
      await expectLogs({}, async () => refused(await call(APPROVE, { input: { correctionId: raise, approver: 'EDUCATION' } }), 'CONFLICT'));
    });

    it('proves every kind of record through the served graph: after integration, PENDING_ANCHOR with its leaf', async () => {
      const proofs = await proveEveryKind(ok, () => server.log.flush());
      await expectProofs(server.store.db, proofs, 'PENDING_ANCHOR');
    });
  });

  describe('pagination', () => {
    it('pages the ledger in sequence order without overlap, filtered by payer', async () => {
      const { department, appropriation } = await ledger({ appropriated: 1_000 });
      const recorded: number[] = [];
      for (let i = 0; i < 7; i++) recorded.push((await payment(appropriation.id, 10 + i)).data!.recordPayment.payment.sequence);
      const seen: number[] = [];
      let after: string | null = null;
      let pages = 0;
      for (;;) {
        const { payments } = await ok(
          `query($after: String, $payer: String) { payments(first: 3, after: $after, payerDepartment: $payer) {
            edges { cursor node { sequence payerDepartment } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`,
          { after, payer: department },
        );
        pages++;
        for (const edge of payments.edges) {
          expect(edge.node.payerDepartment).toBe(department);
          seen.push(edge.node.sequence);
        }
        expect(payments.pageInfo.endCursor).toBe(payments.edges.at(-1)?.cursor ?? null);
        if (!payments.pageInfo.hasNextPage) break;
        after = payments.pageInfo.endCursor;
      }
      expect(pages).toBe(3);
      expect(seen).toEqual(recorded);
      expect([...seen].sort((a, b) => a - b)).toEqual(seen);

      // Unfiltered, the ledger is in sequence order too.
      const { payments } = await ok('{ payments(first: 100) { edges { node { sequence } } } }');
      const all = payments.edges.map((e: { node: { sequence: number } }) => e.node.sequence);
      expect([...all].sort((a: number, b: number) => a - b)).toEqual(all);
    });

    it('pages budgets by fiscal year and department', async () => {
      const year = 2100 + Math.floor(Math.random() * 90);
      const departments = ['transport', 'education', 'health', 'justice', 'finance'];
      for (const department of departments) {
        await ok(CREATE_BUDGET, { input: { fiscalYear: year, department, title: 'Operating', total: cny(1_000) } });
      }
      await ok(CREATE_BUDGET, { input: { fiscalYear: year + 1, department: 'education', title: 'Operating', total: cny(1_000) } });
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const { budgets } = await ok(
          'query($y: Int, $after: String) { budgets(fiscalYear: $y, first: 2, after: $after) { edges { node { fiscalYear department } } pageInfo { hasNextPage endCursor } } }',
          { y: year, after },
        );
        for (const { node } of budgets.edges) {
          expect(node.fiscalYear).toBe(year);
          seen.push(node.department);
        }
        if (!budgets.pageInfo.hasNextPage) break;
        after = budgets.pageInfo.endCursor;
      }
      expect(seen).toEqual([...departments].sort());
    });

    it('pages the citizens of the taxpayer register in DID order', async () => {
      const dids = [newDid(), newDid(), newDid()];
      for (const did of dids) await ok(REGISTER, { input: { did, name: `Citizen ${did.slice(-4)}` } });
      const seen: { did: string; name: string }[] = [];
      let after: string | null = null;
      for (;;) {
        const { citizens } = await ok(
          'query($after: String) { citizens(first: 4, after: $after) { edges { cursor node { did name } } pageInfo { hasNextPage endCursor } } }',
          { after },
        );
        seen.push(...citizens.edges.map((e: { node: { did: string; name: string } }) => e.node));
        if (!citizens.pageInfo.hasNextPage) break;
        after = citizens.pageInfo.endCursor;
      }
      const seenDids = seen.map((c) => c.did);
      expect(new Set(seenDids).size).toBe(seen.length);
      expect(seenDids).toEqual([...seenDids].sort());
      expect(seen.length).toBe((await server.store.recordCounts()).taxpayers);
      for (const did of dids) expect(seen).toContainEqual({ did, name: `Citizen ${did.slice(-4)}` });
    });

    it('refuses bad cursors and page sizes', async () => {
      refused(await call('{ payments(after: "garbage") { edges { cursor } } }'), 'INVALID_CURSOR');
      const budgetCursor = Buffer.from(JSON.stringify([2026, 'health', randomUUID()])).toString('base64url');
      refused(await call(`{ payments(after: "${budgetCursor}") { edges { cursor } } }`), 'INVALID_CURSOR');
      const forged = Buffer.from(JSON.stringify([2026, 'health', 'not-a-uuid'])).toString('base64url');
      refused(await call(`{ budgets(after: "${forged}") { edges { cursor } } }`), 'INVALID_CURSOR');
      refused(await call('{ citizens(after: "WzFd") { edges { cursor } } }'), 'INVALID_CURSOR');
      for (const query of ['payments', 'budgets', 'citizens']) {
        refused(await call(`{ ${query}(first: 0) { edges { cursor } } }`), 'INVALID_ARGUMENT', 'first');
        refused(await call(`{ ${query}(first: 101) { edges { cursor } } }`), 'INVALID_ARGUMENT', 'first');
      }
      refused(await call('{ payments(payerDepartment: "Not A Slug") { edges { cursor } } }'), 'INVALID_ARGUMENT', 'payerDepartment');
    });
  });

  it('resolves Citizen entities for the gateway, in the order asked', async () => {
    const known = newDid();
    await ok(REGISTER, { input: { did: known, name: 'Sun Hui', taxNumber: `T${randomBytes(5).toString('hex').toUpperCase()}` } });
    await ok(ASSESS, { input: { did: known, status: 'ARREARS', assessedOn: '2026-06-30', outstanding: cny(5_000) } });
    const unknown = newDid();
    const { _entities } = await ok(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Citizen { did name taxClearance { status } paymentsReceived { id } } } }`,
      { r: [{ __typename: 'Citizen', did: unknown }, { __typename: 'Citizen', did: known }] },
    );
    expect(_entities).toEqual([
      { did: unknown, name: null, taxClearance: null, paymentsReceived: [] },
      { did: known, name: 'Sun Hui', taxClearance: { status: 'ARREARS' }, paymentsReceived: [] },
    ]);
  });

  it('refuses UPDATE, DELETE and TRUNCATE of the ledger and the assessments at the database level', async () => {
    // The running server holds the PGlite directory lock: open a database of our own, same migrations.
    const own = testStorage(kind);
    const { db, store } = await openDepartmentStore(finance, own.config);
    try {
      const did = newDid();
      await store.registerTaxpayer({ did, name: 'Guo Jun' });
      await store.setTaxClearance({ did, status: 'CLEARED', assessedOn: '2026-06-30' });
      const budget = await store.createBudget({ fiscalYear: 2026, department: 'health', title: 'B', total: cny(1_000) });
      const appropriation = await store.appropriate({ budgetId: budget.id, purpose: 'A', amount: cny(1_000), approvedOn: '2026-01-01' });
      const paid = await store.recordPayment({ appropriationId: appropriation.id, payee: 'P', amount: cny(500), purpose: 'W', paidOn: '2026-02-01' });
      const correction = await store.proposeCorrection({ paymentId: paid.id, amount: cny(400), reason: 'R', proposedBy: 'finance' });
      await store.approveCorrection({ correctionId: correction.id, approver: 'finance' });
      const effective = await store.approveCorrection({ correctionId: correction.id, approver: 'justice' });
      expect(effective.correction.effective_at).not.toBeNull();
      const before = await store.recordCounts();

      const tables = ['budgets', 'appropriations', 'payments', 'corrections', 'correction_approvals', 'correction_effects', 'tax_assessments'];
      for (const table of tables) {
        const column = table === 'correction_effects' ? 'effective_at' : 'recorded_at';
        await expect(db.query(`UPDATE ${table} SET ${column} = ${column}`)).rejects.toThrow(/append-only/);
        await expect(db.query(`DELETE FROM ${table}`)).rejects.toThrow(/append-only/);
        await expect(db.query(`TRUNCATE ${table} CASCADE`)).rejects.toThrow(/append-only/);
      }
      expect(await store.recordCounts()).toEqual(before);
      const [row] = await db.query<{ amount_minor: number; effective_amount_minor: number }>('SELECT * FROM effective_payments WHERE id = $1', [paid.id]);
      expect(row).toMatchObject({ amount_minor: 500, effective_amount_minor: 400 });
    } finally {
      await db.close();
      await own.cleanup();
    }
  });

  it('seeds demo data that adds up, and a second run writes nothing', async () => {
    const citizens = demoCitizens(5);
    const progress: number[] = [];
    const first = await seedFinance(server.store, citizens, (done) => progress.push(done));
    const counts = await server.store.recordCounts();
    const second = await seedFinance(server.store, citizens);
    expect(second.records).toBe(first.records);
    expect(await server.store.recordCounts()).toEqual(counts);
    expect(progress.at(-1)).toBe(5);

    const { citizen } = await ok('query($did: DID!) { citizen(did: $did) { name taxNumber taxClearance { status } } }', { did: citizens[3]!.did });
    expect(citizen.name).toBe(citizens[3]!.name);
    expect(citizen.taxNumber).toMatch(/^\d{17}[\dX]$/);
    expect(citizen.taxClearance.status).toBe('ARREARS');

    const { budgets } = await ok(`{ budgets(fiscalYear: 2025, first: 100) { edges { node { department total { minorUnits } appropriated { minorUnits } spent { minorUnits }
      appropriations { amount { minorUnits } spent { minorUnits } remaining { minorUnits } } } } } }`);
    const demo = budgets.edges.map((e: { node: any }) => e.node).filter((b: any) => ['education', 'finance', 'justice', 'health', 'transport'].includes(b.department));
    expect(demo.map((b: any) => b.department).sort()).toEqual(['education', 'finance', 'health', 'justice', 'transport']);
    for (const budget of demo) {
      expect(budget.total.minorUnits).toBeGreaterThan(2 ** 31);
      expect(budget.appropriated.minorUnits).toBeLessThanOrEqual(budget.total.minorUnits);
      expect(budget.spent.minorUnits).toBeGreaterThan(0);
      for (const a of budget.appropriations) {
        expect(a.remaining.minorUnits).toBeGreaterThanOrEqual(0);
        expect(a.spent.minorUnits + a.remaining.minorUnits).toBe(a.amount.minorUnits);
      }
    }

    const { payments } = await ok(`{ payments(payerDepartment: "education", first: 100) { edges { node { payee amount { minorUnits } effectiveAmount { minorUnits }
      corrections { status approvals { approver } } } } } }`);
    const corrected = payments.edges.map((e: { node: any }) => e.node).filter((p: any) => p.corrections.length);
    expect(corrected).toHaveLength(1);
    expect(corrected[0].corrections[0]).toEqual({ status: 'EFFECTIVE', approvals: [{ approver: 'FINANCE' }, { approver: 'EDUCATION' }] });
    expect(corrected[0].effectiveAmount.minorUnits).toBeLessThan(corrected[0].amount.minorUnits);
    const { payments: justice } = await ok('{ payments(payerDepartment: "justice", first: 100) { edges { node { corrections { status } } } } }');
    const statuses = justice.edges.flatMap((e: { node: any }) => e.node.corrections.map((c: { status: string }) => c.status));
    expect(statuses).toEqual(['PENDING']);
  });
  it('audits clean after the seed and every write above: each record hashes to its one log entry', async () => {
    const { checked, findings } = await checkRecords(server.store.db, finance.recordedTables);
    expect(findings).toEqual([]);
    const counts = await server.store.recordCounts();
    expect(Object.keys(counts).sort()).toEqual([...RECORDED_TABLES].sort());
    expect(finance.recordedTables).toEqual([...RECORDED_TABLES, 'issued_credentials', 'consents']);
    expect(checked).toBe(Object.values(counts).reduce((total, n) => total + n, 0));
    // Nothing in finance is ever updated, so each record has exactly one entry.
    const [{ entries } = { entries: -1 }] = await server.store.db.query<{ entries: number }>('SELECT count(*)::int8 AS entries FROM record_log');
    expect(entries).toBe(checked);
    expect(await logged()).toEqual(counts);
  });

  describe('a store of its own, with no log worker integrating behind the test', () => {
    let own: TestStorage;
    let opened: Awaited<ReturnType<typeof openDepartmentStore<FinanceStore>>>;
    let run: Run;
    let apollo: ApolloServer | undefined;

    beforeAll(async () => {
      own = testStorage(kind);
      opened = await openDepartmentStore(finance, own.config);
      // finance's subgraph in-process: the same schema and resolvers the server builds.
      const schema = buildSubgraphSchema({ typeDefs: readSchema(finance), resolvers: { ...scalars, ...finance.createResolvers(opened.store) } as never });
      const graph = (apollo = new ApolloServer({ schema }));
      await graph.start();
      run = async (query, variables) => {
        const { body } = await graph.executeOperation({ query, ...(variables && { variables }) }, { contextValue: { requestId: randomUUID() } });
        if (body.kind !== 'single') throw new Error('expected a single result');
        expect(body.singleResult.errors).toBeUndefined();
        return body.singleResult.data as Record<string, any>;
      };
    });

    afterAll(async () => {
      await apollo?.stop();
      await opened?.db.close();
      await own?.cleanup();
    });

    it('gives every fresh record a PENDING_INTEGRATION proof whose digest recomputes from its row and salt', async () => {
      await expectProofs(opened.db, await proveEveryKind(run), 'PENDING_INTEGRATION');
    });

    it('reports records altered, inserted or deleted behind the store as ALTERED, INSERTED and DELETED', async () => {
      const { db, store } = opened;
      /** Runs `sql` with the table's append-only trigger off, as an intruder with DDL rights could. */
      const behindTheStore = (table: string, sql: string, params: unknown[]) =>
        db.transaction(async (tx) => {
          await tx.query(`ALTER TABLE ${table} DISABLE TRIGGER ${table}_append_only`);
          await tx.query(sql, params);
          await tx.query(`ALTER TABLE ${table} ENABLE TRIGGER ${table}_append_only`);
        });
      const did = newDid();
      const taxpayer = await store.registerTaxpayer({ did, name: 'Ma Lei' });
      const assessment = await store.setTaxClearance({ did, status: 'CLEARED', assessedOn: '2026-06-30' });
      const budget = await store.createBudget({ fiscalYear: 2026, department: 'health', title: 'B', total: cny(1_000) });
      const appropriation = await store.appropriate({ budgetId: budget.id, purpose: 'A', amount: cny(1_000), approvedOn: '2026-01-01' });
      const paid = await store.recordPayment({ appropriationId: appropriation.id, payee: 'P', amount: cny(500), purpose: 'W', paidOn: '2026-02-01' });
      const correction = await store.proposeCorrection({ paymentId: paid.id, amount: cny(400), reason: 'R', proposedBy: 'finance' });
      await store.approveCorrection({ correctionId: correction.id, approver: 'finance' });
      await store.approveCorrection({ correctionId: correction.id, approver: 'justice' });
      const clean = await checkRecords(db, finance.recordedTables);
      expect(clean.findings).toEqual([]);

      // The register has no append-only trigger: a plain UPDATE is enough.
      await db.query("UPDATE taxpayers SET name = 'Someone Else' WHERE id = $1", [taxpayer.id]);
      await behindTheStore('payments', "UPDATE payments SET payee = 'Shell Company Ltd.' WHERE id = $1", [paid.id]);
      await behindTheStore('tax_assessments', "UPDATE tax_assessments SET valid_until = '2099-12-31' WHERE id = $1", [assessment.id]);
      const forged = randomUUID();
      await db.query(
        `INSERT INTO budgets (id, fiscal_year, department, title, total_minor, currency) VALUES ($1, 2026, 'health', 'Forged', 1000000, 'CNY')`,
        [forged],
      );
      // Deleting the effect would silently undo an approved correction.
      await behindTheStore('correction_effects', 'DELETE FROM correction_effects WHERE correction_id = $1', [correction.id]);
      const [reverted] = await db.query<{ effective_amount_minor: number }>('SELECT * FROM effective_payments WHERE id = $1', [paid.id]);
      expect(reverted!.effective_amount_minor).toBe(500);

      const { checked, findings } = await checkRecords(db, finance.recordedTables);
      expect(checked).toBe(clean.checked); // one row more, one row less
      const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
      expect([...findings].sort(byId)).toEqual(
        [
          { table: 'taxpayers', id: taxpayer.id, problem: 'ALTERED' },
          { table: 'tax_assessments', id: assessment.id, problem: 'ALTERED' },
          { table: 'budgets', id: forged, problem: 'INSERTED' },
          { table: 'payments', id: paid.id, problem: 'ALTERED' },
          { table: 'correction_effects', id: correction.id, problem: 'DELETED' },
        ].sort(byId),
      );
      // The triggers are back on.
      await expect(db.query('DELETE FROM payments')).rejects.toThrow(/append-only/);
    });
  });
});
