import type { Resolvers } from '../kit/department.ts';
import { byKey, groupBy, loader } from '../kit/loaders.ts';
import type { Connection } from '../kit/pagination.ts';
import { recordProofResolver } from '../kit/record-proof.ts';
import { formatMoney } from '../kit/scalars.ts';
import type {
  AppropriateInput,
  AppropriationRow,
  ApproveCorrectionInput,
  BudgetRow,
  CorrectionApprovalRow,
  CorrectionRow,
  CreateBudgetInput,
  FinanceStore,
  PaymentRow,
  ProposeCorrectionInput,
  RecordPaymentInput,
  RegisterTaxpayerInput,
  SetTaxClearanceInput,
  TaxAssessmentRow,
  TaxpayerRow,
} from './store.ts';
import type { Money } from './validate.ts';

/**
 * Finance's resolvers. Parents are the store's rows (snake_case); each field
 * maps one column to the GraphQL shape. Every field resolved per parent goes
 * through a per-request loader, so a page of N parents costs one query per
 * field, not N.
 */

interface CitizenRef {
  did: string;
}

type Args<T> = { input: T };

function money(minorUnits: number, currency: string): Money {
  return { minorUnits, currency };
}

/** Loaders keyed per request; each batches every lookup of one kind into one query. */
function loaders(context: object, store: FinanceStore) {
  return {
    taxpayer: loader<string, TaxpayerRow | null>(context, 'finance.taxpayer', async (dids) =>
      byKey(dids, await store.taxpayersByDid(dids), (row) => row.did),
    ),
    assessments: loader<string, TaxAssessmentRow[]>(context, 'finance.assessments', async (dids) =>
      groupBy(dids, await store.taxAssessmentsByDid(dids), (row) => row.did),
    ),
    paymentsReceived: loader<string, PaymentRow[]>(context, 'finance.paymentsReceived', async (dids) =>
      groupBy(dids, await store.paymentsByPayeeDid(dids), (row) => row.payee_did!),
    ),
    budget: loader<string, BudgetRow | null>(context, 'finance.budget', async (ids) =>
      byKey(ids, await store.budgetsById(ids), (row) => row.id),
    ),
    budgetSummary: loader<string, { appropriated: number; spent: number }>(context, 'finance.budgetSummary', async (ids) => {
      const rows = byKey(ids, await store.budgetSummaries(ids), (row) => row.budget_id);
      return rows.map((row) => ({ appropriated: row?.appropriated_minor ?? 0, spent: row?.spent_minor ?? 0 }));
    }),
    appropriation: loader<string, AppropriationRow | null>(context, 'finance.appropriation', async (ids) =>
      byKey(ids, await store.appropriationsById(ids), (row) => row.id),
    ),
    appropriationsOfBudget: loader<string, AppropriationRow[]>(context, 'finance.appropriationsOfBudget', async (ids) =>
      groupBy(ids, await store.appropriationsByBudget(ids), (row) => row.budget_id),
    ),
    appropriationSpent: loader<string, number>(context, 'finance.appropriationSpent', async (ids) =>
      byKey(ids, await store.appropriationSpending(ids), (row) => row.appropriation_id).map((row) => row?.spent_minor ?? 0),
    ),
    payment: loader<string, PaymentRow | null>(context, 'finance.payment', async (ids) =>
      byKey(ids, await store.paymentsById(ids), (row) => row.id),
    ),
    correctionsOfPayment: loader<string, CorrectionRow[]>(context, 'finance.correctionsOfPayment', async (ids) =>
      groupBy(ids, await store.correctionsByPayment(ids), (row) => row.payment_id),
    ),
    approvals: loader<string, CorrectionApprovalRow[]>(context, 'finance.approvals', async (ids) =>
      groupBy(ids, await store.approvalsByCorrection(ids), (row) => row.correction_id),
    ),
  };
}

export function createFinanceResolvers(store: FinanceStore): Resolvers {
  const load = (context: object) => loaders(context, store);
  // `proof` of each record type: its row's latest entry in finance's Merkle log.
  const proof = {
    taxpayer: recordProofResolver(store.db, 'taxpayers'),
    assessment: recordProofResolver(store.db, 'tax_assessments'),
    budget: recordProofResolver(store.db, 'budgets'),
    appropriation: recordProofResolver(store.db, 'appropriations'),
    payment: recordProofResolver(store.db, 'payments'),
    correction: recordProofResolver(store.db, 'corrections'),
    approval: recordProofResolver(store.db, 'correction_approvals'),
    // A correction's effect has the correction's id.
    effect: recordProofResolver(store.db, 'correction_effects'),
  };

  return {
    // Internal values: the store speaks the platform's department names.
    ConsortiumDepartment: { EDUCATION: 'education', FINANCE: 'finance', JUSTICE: 'justice' },

    Query: {
      citizen: (_: unknown, { did }: CitizenRef): CitizenRef => ({ did }),
      citizens: async (_: unknown, args: { first?: number | null; after?: string | null }, context: object) => {
        const page = await store.listTaxpayers(args);
        // The page already holds each citizen's taxpayer record: spare Citizen.name a second query.
        const taxpayer = load(context).taxpayer;
        for (const { node } of page.edges) taxpayer.prime(node.did, node);
        return mapNodes(page, (row): CitizenRef => ({ did: row.did }));
      },
      budgets: (_: unknown, args: { fiscalYear?: number | null; first?: number | null; after?: string | null }) => store.listBudgets(args),
      budget: (_: unknown, { id }: { id: string }, context: object) => load(context).budget.load(id),
      payments: (_: unknown, args: { first?: number | null; after?: string | null; payerDepartment?: string | null }) =>
        store.listPayments(args),
      payment: (_: unknown, { id }: { id: string }, context: object) => load(context).payment.load(id),
      correction: async (_: unknown, { id }: { id: string }) => (await store.correctionsById([id]))[0] ?? null,
    },

    Mutation: {
      registerTaxpayer: async (_: unknown, { input }: Args<RegisterTaxpayerInput>) => {
        const row = await store.registerTaxpayer(input);
        return { citizen: { did: row.did } };
      },
      setTaxClearance: async (_: unknown, { input }: Args<SetTaxClearanceInput>) => {
        const row = await store.setTaxClearance(input);
        return { citizen: { did: row.did }, taxClearance: row };
      },
      createBudget: async (_: unknown, { input }: Args<CreateBudgetInput>) => ({ budget: await store.createBudget(input) }),
      appropriate: async (_: unknown, { input }: Args<AppropriateInput>) => ({ appropriation: await store.appropriate(input) }),
      recordPayment: async (_: unknown, { input }: Args<RecordPaymentInput>) => ({ payment: await store.recordPayment(input) }),
      proposeCorrection: async (_: unknown, { input }: Args<ProposeCorrectionInput>) => ({
        correction: await store.proposeCorrection(input),
      }),
      approveCorrection: (_: unknown, { input }: Args<ApproveCorrectionInput>) => store.approveCorrection(input),
    },

    Money: {
      formatted: (m: Money) => formatMoney(m.minorUnits, m.currency),
    },

    Citizen: {
      __resolveReference: (reference: CitizenRef): CitizenRef => ({ did: reference.did }),
      name: async (c: CitizenRef, _: unknown, context: object) => (await load(context).taxpayer.load(c.did))?.name ?? null,
      taxNumber: async (c: CitizenRef, _: unknown, context: object) => (await load(context).taxpayer.load(c.did))?.tax_number ?? null,
      taxRegisteredOn: async (c: CitizenRef, _: unknown, context: object) =>
        (await load(context).taxpayer.load(c.did))?.registered_on ?? null,
      taxClearance: async (c: CitizenRef, _: unknown, context: object) => (await load(context).assessments.load(c.did))[0] ?? null,
      taxClearanceHistory: (c: CitizenRef, _: unknown, context: object) => load(context).assessments.load(c.did),
      paymentsReceived: (c: CitizenRef, _: unknown, context: object) => load(context).paymentsReceived.load(c.did),
      taxpayerProof: async (c: CitizenRef, args: unknown, context: object) => {
        const taxpayer = await load(context).taxpayer.load(c.did);
        return taxpayer ? proof.taxpayer(taxpayer, args, context) : null;
      },
    },

    TaxClearance: {
      assessedOn: (t: TaxAssessmentRow) => t.assessed_on,
      validUntil: (t: TaxAssessmentRow) => t.valid_until,
      outstanding: (t: TaxAssessmentRow) =>
        t.outstanding_minor === null || t.outstanding_currency === null ? null : money(t.outstanding_minor, t.outstanding_currency),
      recordedAt: (t: TaxAssessmentRow) => t.recorded_at,
      proof: proof.assessment,
    },

    Budget: {
      fiscalYear: (b: BudgetRow) => b.fiscal_year,
      total: (b: BudgetRow) => money(b.total_minor, b.currency),
      appropriated: async (b: BudgetRow, _: unknown, context: object) =>
        money((await load(context).budgetSummary.load(b.id)).appropriated, b.currency),
      spent: async (b: BudgetRow, _: unknown, context: object) => money((await load(context).budgetSummary.load(b.id)).spent, b.currency),
      appropriations: (b: BudgetRow, _: unknown, context: object) => load(context).appropriationsOfBudget.load(b.id),
      recordedAt: (b: BudgetRow) => b.recorded_at,
      proof: proof.budget,
    },

    Appropriation: {
      budget: (a: AppropriationRow, _: unknown, context: object) => load(context).budget.load(a.budget_id),
      amount: (a: AppropriationRow) => money(a.amount_minor, a.currency),
      spent: async (a: AppropriationRow, _: unknown, context: object) => money(await load(context).appropriationSpent.load(a.id), a.currency),
      remaining: async (a: AppropriationRow, _: unknown, context: object) =>
        money(a.amount_minor - (await load(context).appropriationSpent.load(a.id)), a.currency),
      approvedOn: (a: AppropriationRow) => a.approved_on,
      recordedAt: (a: AppropriationRow) => a.recorded_at,
      proof: proof.appropriation,
    },

    Payment: {
      appropriation: (p: PaymentRow, _: unknown, context: object) => load(context).appropriation.load(p.appropriation_id),
      payerDepartment: (p: PaymentRow) => p.payer_department,
      payeeDid: (p: PaymentRow) => p.payee_did,
      amount: (p: PaymentRow) => money(p.amount_minor, p.currency),
      paidOn: (p: PaymentRow) => p.paid_on,
      recordedAt: (p: PaymentRow) => p.recorded_at,
      corrections: (p: PaymentRow, _: unknown, context: object) => load(context).correctionsOfPayment.load(p.id),
      effectiveAmount: (p: PaymentRow) => money(p.effective_amount_minor, p.currency),
      effectivePurpose: (p: PaymentRow) => p.effective_purpose,
      proof: proof.payment,
    },

    Correction: {
      payment: (c: CorrectionRow, _: unknown, context: object) => load(context).payment.load(c.payment_id),
      amount: (c: CorrectionRow) => (c.amount_minor === null ? null : money(c.amount_minor, c.currency)),
      proposedBy: (c: CorrectionRow) => c.proposed_by,
      approvals: (c: CorrectionRow, _: unknown, context: object) => load(context).approvals.load(c.id),
      status: (c: CorrectionRow) => (c.effective_at ? 'EFFECTIVE' : 'PENDING'),
      effectiveAt: (c: CorrectionRow) => c.effective_at,
      recordedAt: (c: CorrectionRow) => c.recorded_at,
      proof: proof.correction,
      effectProof: (c: CorrectionRow, args: unknown, context: object) => (c.effective_at ? proof.effect(c, args, context) : null),
    },

    CorrectionApproval: {
      approvedAt: (a: CorrectionApprovalRow) => a.recorded_at,
      proof: proof.approval,
    },
  };
}

function mapNodes<Row, Node>(page: Connection<Row>, toNode: (row: Row) => Node): Connection<Node> {
  return { ...page, edges: page.edges.map(({ cursor, node }) => ({ cursor, node: toNode(node) })) };
}
