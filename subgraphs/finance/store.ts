import { logRecord } from '../../anchor/log/log-record.ts';
import type { DepartmentName } from '../../platform/config.ts';
import type { Database, Queryable } from '../../store/open.ts';
import { ErrorCode, conflict, invalid, notFound } from '../kit/errors.ts';
import { pageSize, toConnection, type Connection, type PageArgs } from '../kit/pagination.ts';
import { formatMoney } from '../kit/scalars.ts';
import * as check from './validate.ts';
import type { Money } from './validate.ts';

export type { Money } from './validate.ts';

/**
 * Finance's store: the taxpayer register, tax-clearance assessments and the
 * public spending ledger. No GraphQL here. Every write validates its input
 * first, then runs one short transaction; every create takes an optional id
 * and, when a record with that id exists, returns it and writes nothing.
 *
 * Nothing on the ledger is ever updated (the database refuses it): spending is
 * summed from payments, and a correction becomes effective by a row in
 * correction_effects written with the approval that reaches the quorum.
 *
 * Every row it writes is a record, logged in the department's Merkle log in
 * the same transaction: all writes go through insertRecord(), the one place
 * that logs. No trigger of finance writes rows, and no record is ever updated,
 * so each record has exactly one log entry.
 */

/**
 * Finance's records: every table the store writes. Each row (keyed by `id`;
 * a correction's effect has the id of its correction) is logged when written
 * and re-hashed by `govshare audit`.
 */
export const RECORDED_TABLES = [
  'taxpayers',
  'tax_assessments',
  'budgets',
  'appropriations',
  'payments',
  'corrections',
  'correction_approvals',
  'correction_effects',
] as const;
export type RecordedTable = (typeof RECORDED_TABLES)[number];

/** Distinct consortium departments whose approvals make a correction effective. */
export const CORRECTION_QUORUM = 2;

export const TAX_CLEARANCE_STATUSES = ['CLEARED', 'ARREARS', 'UNDER_REVIEW'] as const;
export type TaxClearanceStatus = (typeof TAX_CLEARANCE_STATUSES)[number];

// ---------------------------------------------------------------- rows

export interface TaxpayerRow {
  id: string;
  did: string;
  name: string;
  tax_number: string | null;
  registered_on: string;
  recorded_at: string;
}

export interface TaxAssessmentRow {
  id: string;
  sequence: number;
  did: string;
  status: TaxClearanceStatus;
  assessed_on: string;
  valid_until: string | null;
  outstanding_minor: number | null;
  outstanding_currency: string | null;
  recorded_at: string;
}

export interface BudgetRow {
  id: string;
  fiscal_year: number;
  department: string;
  title: string;
  total_minor: number;
  currency: string;
  recorded_at: string;
}

export interface BudgetSummaryRow {
  budget_id: string;
  appropriated_minor: number;
  spent_minor: number;
}

export interface AppropriationRow {
  id: string;
  budget_id: string;
  purpose: string;
  amount_minor: number;
  /** The budget's currency. */
  currency: string;
  approved_on: string;
  recorded_at: string;
}

export interface AppropriationSpendingRow {
  appropriation_id: string;
  spent_minor: number;
}

export interface PaymentRow {
  id: string;
  sequence: number;
  appropriation_id: string;
  payer_department: string;
  payee: string;
  payee_did: string | null;
  amount_minor: number;
  currency: string;
  purpose: string;
  paid_on: string;
  recorded_at: string;
  /** The amount after the latest effective correction of the amount (else the amount). */
  effective_amount_minor: number;
  /** The purpose after the latest effective correction of the purpose (else the purpose). */
  effective_purpose: string;
}

export interface CorrectionRow {
  id: string;
  payment_id: string;
  amount_minor: number | null;
  /** The payment's currency. */
  currency: string;
  purpose: string | null;
  reason: string;
  proposed_by: DepartmentName;
  quorum: number;
  recorded_at: string;
  /** When the approval that reached the quorum was recorded; null while pending. */
  effective_at: string | null;
}

export interface CorrectionApprovalRow {
  id: string;
  sequence: number;
  correction_id: string;
  approver: DepartmentName;
  recorded_at: string;
}

// ---------------------------------------------------------------- inputs

export interface RegisterTaxpayerInput {
  id?: string | null;
  did: string;
  name: string;
  taxNumber?: string | null;
  /** Defaults to today. */
  registeredOn?: string | null;
}

export interface SetTaxClearanceInput {
  id?: string | null;
  did: string;
  status: TaxClearanceStatus;
  assessedOn: string;
  validUntil?: string | null;
  outstanding?: Money | null;
}

export interface CreateBudgetInput {
  id?: string | null;
  fiscalYear: number;
  department: string;
  title: string;
  total: Money;
}

export interface AppropriateInput {
  id?: string | null;
  budgetId: string;
  purpose: string;
  amount: Money;
  approvedOn: string;
}

export interface RecordPaymentInput {
  id?: string | null;
  appropriationId: string;
  payee: string;
  payeeDid?: string | null;
  amount: Money;
  purpose: string;
  paidOn: string;
}

export interface ProposeCorrectionInput {
  id?: string | null;
  paymentId: string;
  amount?: Money | null;
  purpose?: string | null;
  reason: string;
  proposedBy: DepartmentName;
}

export interface ApproveCorrectionInput {
  id?: string | null;
  correctionId: string;
  approver: DepartmentName;
}

export interface ApproveCorrectionResult {
  correction: CorrectionRow;
  approval: CorrectionApprovalRow;
}

// ---------------------------------------------------------------- SQL fragments

const APPROPRIATION_SELECT = `SELECT a.id, a.budget_id, a.purpose, a.amount_minor, b.currency, a.approved_on, a.recorded_at
  FROM appropriations a JOIN budgets b ON b.id = a.budget_id`;

const CORRECTION_SELECT = `SELECT c.id, c.payment_id, c.amount_minor, p.currency, c.purpose, c.reason, c.proposed_by,
    c.quorum, c.recorded_at, e.effective_at
  FROM corrections c JOIN payments p ON p.id = c.payment_id
  LEFT JOIN correction_effects e ON e.correction_id = c.id`;

const LENGTHS = { name: 200, title: 200, payee: 200, purpose: 300, reason: 1000 } as const;

export type FinanceStore = ReturnType<typeof createFinanceStore>;

export function createFinanceStore(db: Database) {
  // ------------------------------------------------------------ taxpayer register

  async function registerTaxpayer(input: RegisterTaxpayerInput): Promise<TaxpayerRow> {
    const id = check.newId(input.id);
    const did = check.did(input.did, 'input.did');
    const name = check.text(input.name, 'input.name', LENGTHS.name);
    const taxNumber = check.taxNumber(input.taxNumber, 'input.taxNumber');
    const registeredOn = check.optionalDate(input.registeredOn, 'input.registeredOn');
    return writing(() =>
      db.transaction(async (tx) => {
        // One look-up finds this id (a retry), this DID or this tax number (a conflict).
        const found = await tx.query<TaxpayerRow>('SELECT * FROM taxpayers WHERE id = $1 OR did = $2 OR tax_number = $3', [id, did, taxNumber]);
        const existing = found.find((row) => row.id === id);
        if (existing) return existing;
        const sameDid = found.find((row) => row.did === did);
        if (sameDid) throw conflict(`${did} is already on the taxpayer register (record ${sameDid.id})`);
        const sameNumber = taxNumber === null ? undefined : found.find((row) => row.tax_number === taxNumber);
        if (sameNumber) throw conflict(`tax number ${taxNumber} already belongs to ${sameNumber.did}`);
        return (await insertOnce<TaxpayerRow>(
          tx,
          'taxpayers',
          `INSERT INTO taxpayers (id, did, name, tax_number, registered_on)
           VALUES ($1, $2, $3, $4, coalesce($5::date, CURRENT_DATE))
           ON CONFLICT (id) DO NOTHING RETURNING *`,
          [id, did, name, taxNumber, registeredOn],
          id,
        ))!;
      }),
    );
  }

  async function taxpayersByDid(dids: readonly string[]): Promise<TaxpayerRow[]> {
    return db.query<TaxpayerRow>('SELECT * FROM taxpayers WHERE did = ANY($1::text[])', [dids]);
  }

  /** The taxpayer register in DID order: the graph's list of citizens. */
  async function listTaxpayers(args: PageArgs): Promise<Connection<TaxpayerRow>> {
    const first = pageSize(args.first);
    const after = check.cursor(args.after, ['text']);
    const rows = after
      ? await db.query<TaxpayerRow>('SELECT * FROM taxpayers WHERE did > $1 ORDER BY did LIMIT $2', [after[0], first + 1])
      : await db.query<TaxpayerRow>('SELECT * FROM taxpayers ORDER BY did LIMIT $1', [first + 1]);
    return toConnection(rows, first, (row) => [row.did]);
  }

  // ------------------------------------------------------------ tax clearance

  async function setTaxClearance(input: SetTaxClearanceInput): Promise<TaxAssessmentRow> {
    const id = check.newId(input.id);
    const did = check.did(input.did, 'input.did');
    const status = check.oneOf(input.status, TAX_CLEARANCE_STATUSES, 'input.status');
    const assessedOn = check.date(input.assessedOn, 'input.assessedOn');
    const validUntil = check.optionalDate(input.validUntil, 'input.validUntil');
    const outstanding = check.optionalMoney(input.outstanding, 'input.outstanding', { positive: false });
    if (validUntil && validUntil < assessedOn) {
      throw invalid(ErrorCode.INVALID_DATE, `input.validUntil (${validUntil}) is before input.assessedOn (${assessedOn})`, 'input.validUntil');
    }
    if (status === 'CLEARED' && outstanding && outstanding.minorUnits > 0) {
      throw invalid(ErrorCode.INVALID_AMOUNT, 'a CLEARED taxpayer owes nothing: leave input.outstanding out or zero', 'input.outstanding.minorUnits');
    }
    if (status === 'ARREARS' && !(outstanding && outstanding.minorUnits > 0)) {
      throw invalid(ErrorCode.INVALID_AMOUNT, 'ARREARS needs the amount outstanding (more than zero) in input.outstanding', 'input.outstanding');
    }
    try {
      return await db.transaction(async (tx) => {
        const existing = await one<TaxAssessmentRow>(tx, 'SELECT * FROM tax_assessments WHERE id = $1', [id]);
        if (existing) return existing;
        // A DID missing from the register fails the foreign key (caught below): no look-up needed.
        return (await insertOnce<TaxAssessmentRow>(
          tx,
          'tax_assessments',
          `INSERT INTO tax_assessments (id, did, status, assessed_on, valid_until, outstanding_minor, outstanding_currency)
           VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING RETURNING *`,
          [id, did, status, assessedOn, validUntil, outstanding?.minorUnits ?? null, outstanding?.currency ?? null],
          id,
        ))!;
      });
    } catch (error) {
      if ((error as { constraint?: unknown }).constraint === 'tax_assessments_taxpayer') throw notFound('taxpayer', did);
      throw error;
    }
  }

  /** Each DID's assessments, latest first (by assessment date, then by when recorded). */
  async function taxAssessmentsByDid(dids: readonly string[]): Promise<TaxAssessmentRow[]> {
    return db.query<TaxAssessmentRow>(
      'SELECT * FROM tax_assessments WHERE did = ANY($1::text[]) ORDER BY did, assessed_on DESC, sequence DESC',
      [dids],
    );
  }

  // ------------------------------------------------------------ budgets

  async function createBudget(input: CreateBudgetInput): Promise<BudgetRow> {
    const id = check.newId(input.id);
    const fiscalYear = check.fiscalYear(input.fiscalYear, 'input.fiscalYear');
    const department = check.departmentSlug(input.department, 'input.department');
    const title = check.text(input.title, 'input.title', LENGTHS.title);
    const total = check.money(input.total, 'input.total', { positive: true });
    return writing(() =>
      db.transaction(async (tx) => {
        const existing = await one<BudgetRow>(tx, 'SELECT * FROM budgets WHERE id = $1', [id]);
        if (existing) return existing;
        const same = await one<{ id: string }>(
          tx,
          'SELECT id FROM budgets WHERE fiscal_year = $1 AND department = $2 AND title = $3',
          [fiscalYear, department, title],
        );
        if (same) throw conflict(`${department} already has a budget "${title}" for fiscal year ${fiscalYear} (budget ${same.id})`);
        return (await insertOnce<BudgetRow>(
          tx,
          'budgets',
          `INSERT INTO budgets (id, fiscal_year, department, title, total_minor, currency)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING RETURNING *`,
          [id, fiscalYear, department, title, total.minorUnits, total.currency],
          id,
        ))!;
      }),
    );
  }

  async function budgetsById(ids: readonly string[]): Promise<BudgetRow[]> {
    return db.query<BudgetRow>('SELECT * FROM budgets WHERE id = ANY($1::uuid[])', [ids.filter(check.isUuid)]);
  }

  /** Budgets by fiscal year, then department, then id. */
  async function listBudgets(args: PageArgs & { fiscalYear?: number | null }): Promise<Connection<BudgetRow>> {
    const first = pageSize(args.first);
    const after = check.cursor(args.after, ['int', 'text', 'uuid']);
    const where: string[] = [];
    const params: unknown[] = [];
    if (args.fiscalYear !== null && args.fiscalYear !== undefined) {
      params.push(check.fiscalYear(args.fiscalYear, 'fiscalYear'));
      where.push(`fiscal_year = $${params.length}`);
    }
    if (after) {
      params.push(...after);
      const n = params.length;
      where.push(`(fiscal_year, department, id) > ($${n - 2}::int, $${n - 1}::text, $${n}::uuid)`);
    }
    params.push(first + 1);
    const rows = await db.query<BudgetRow>(
      `SELECT * FROM budgets ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY fiscal_year, department, id LIMIT $${params.length}`,
      params,
    );
    return toConnection(rows, first, (row) => [row.fiscal_year, row.department, row.id]);
  }

  /** How much of each budget is appropriated and how much is spent (after effective corrections). */
  async function budgetSummaries(budgetIds: readonly string[]): Promise<BudgetSummaryRow[]> {
    return db.query<BudgetSummaryRow>(
      `SELECT b.id AS budget_id,
         coalesce((SELECT sum(a.amount_minor) FROM appropriations a WHERE a.budget_id = b.id), 0)::bigint AS appropriated_minor,
         coalesce((SELECT sum(s.spent_minor) FROM appropriation_spending s
                   JOIN appropriations a ON a.id = s.appropriation_id WHERE a.budget_id = b.id), 0)::bigint AS spent_minor
       FROM budgets b WHERE b.id = ANY($1::uuid[])`,
      [budgetIds],
    );
  }

  // ------------------------------------------------------------ appropriations

  async function appropriate(input: AppropriateInput): Promise<AppropriationRow> {
    const id = check.newId(input.id);
    const budgetId = check.refId(input.budgetId, 'input.budgetId');
    const purpose = check.text(input.purpose, 'input.purpose', LENGTHS.purpose);
    const amount = check.money(input.amount, 'input.amount', { positive: true });
    const approvedOn = check.date(input.approvedOn, 'input.approvedOn');
    return writing(() => db.transaction(async (tx) => {
      const existing = await one<AppropriationRow>(tx, `${APPROPRIATION_SELECT} WHERE a.id = $1`, [id]);
      if (existing) return existing;
      // Locking the budget serialises appropriations against it, so two
      // concurrent ones cannot both fit into the same remainder.
      const budget = await one<BudgetRow>(tx, 'SELECT * FROM budgets WHERE id = $1 FOR UPDATE', [budgetId]);
      if (!budget) throw notFound('budget', budgetId);
      sameCurrency(amount, budget.currency, 'input.amount.currency', `budget ${budget.id}`);
      const [{ appropriated_minor: appropriated } = { appropriated_minor: 0 }] = await tx.query<{ appropriated_minor: number }>(
        'SELECT coalesce(sum(amount_minor), 0)::bigint AS appropriated_minor FROM appropriations WHERE budget_id = $1',
        [budgetId],
      );
      const remaining = budget.total_minor - appropriated;
      if (amount.minorUnits > remaining) {
        throw conflict(
          `appropriating ${formatMoney(amount.minorUnits, amount.currency)} would exceed budget "${budget.title}" (${budget.id}): ` +
            `${formatMoney(remaining, budget.currency)} of ${formatMoney(budget.total_minor, budget.currency)} remains unappropriated`,
        );
      }
      await insertRecord(
        tx,
        'appropriations',
        `INSERT INTO appropriations (id, budget_id, purpose, amount_minor, approved_on)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING RETURNING *`,
        [id, budgetId, purpose, amount.minorUnits, approvedOn],
      );
      return (await one<AppropriationRow>(tx, `${APPROPRIATION_SELECT} WHERE a.id = $1`, [id]))!;
    }));
  }

  async function appropriationsById(ids: readonly string[]): Promise<AppropriationRow[]> {
    return db.query<AppropriationRow>(`${APPROPRIATION_SELECT} WHERE a.id = ANY($1::uuid[])`, [ids.filter(check.isUuid)]);
  }

  async function appropriationsByBudget(budgetIds: readonly string[]): Promise<AppropriationRow[]> {
    return db.query<AppropriationRow>(
      `${APPROPRIATION_SELECT} WHERE a.budget_id = ANY($1::uuid[]) ORDER BY a.budget_id, a.approved_on, a.recorded_at, a.id`,
      [budgetIds],
    );
  }

  async function appropriationSpending(ids: readonly string[]): Promise<AppropriationSpendingRow[]> {
    return db.query<AppropriationSpendingRow>('SELECT * FROM appropriation_spending WHERE appropriation_id = ANY($1::uuid[])', [ids]);
  }

  // ------------------------------------------------------------ payments (the public ledger)

  async function recordPayment(input: RecordPaymentInput): Promise<PaymentRow> {
    const id = check.newId(input.id);
    const appropriationId = check.refId(input.appropriationId, 'input.appropriationId');
    const payee = check.text(input.payee, 'input.payee', LENGTHS.payee);
    const payeeDid = check.optionalDid(input.payeeDid, 'input.payeeDid');
    const amount = check.money(input.amount, 'input.amount', { positive: true });
    const purpose = check.text(input.purpose, 'input.purpose', LENGTHS.purpose);
    const paidOn = check.date(input.paidOn, 'input.paidOn');
    return writing(() => db.transaction(async (tx) => {
      const existing = await one<PaymentRow>(tx, 'SELECT * FROM effective_payments WHERE id = $1', [id]);
      if (existing) return existing;
      const appropriation = await lockAppropriation(tx, appropriationId);
      if (!appropriation) throw notFound('appropriation', appropriationId);
      sameCurrency(amount, appropriation.currency, 'input.amount.currency', `appropriation ${appropriation.id}`);
      if (paidOn < appropriation.approved_on) {
        throw invalid(
          ErrorCode.INVALID_DATE,
          `input.paidOn (${paidOn}) is before the appropriation was approved (${appropriation.approved_on})`,
          'input.paidOn',
        );
      }
      const remaining = await remainingOf(tx, appropriation);
      if (amount.minorUnits > remaining) {
        throw conflict(
          `paying ${formatMoney(amount.minorUnits, amount.currency)} would exceed appropriation "${appropriation.purpose}" (${appropriation.id}): ` +
            `${formatMoney(remaining, appropriation.currency)} of ${formatMoney(appropriation.amount_minor, appropriation.currency)} remains`,
        );
      }
      const inserted = await insertRecord<Omit<PaymentRow, 'effective_amount_minor' | 'effective_purpose'>>(
        tx,
        'payments',
        `INSERT INTO payments (id, appropriation_id, payer_department, payee, payee_did, amount_minor, currency, purpose, paid_on)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING RETURNING *`,
        [id, appropriationId, appropriation.department, payee, payeeDid, amount.minorUnits, amount.currency, purpose, paidOn],
      );
      // A new payment has no corrections yet: it stands as recorded.
      if (inserted) return { ...inserted, effective_amount_minor: inserted.amount_minor, effective_purpose: inserted.purpose };
      return (await one<PaymentRow>(tx, 'SELECT * FROM effective_payments WHERE id = $1', [id]))!;
    }));
  }

  async function paymentsById(ids: readonly string[]): Promise<PaymentRow[]> {
    return db.query<PaymentRow>('SELECT * FROM effective_payments WHERE id = ANY($1::uuid[])', [ids.filter(check.isUuid)]);
  }

  /** The ledger in ledger order (sequence), optionally one payer's entries. */
  async function listPayments(args: PageArgs & { payerDepartment?: string | null }): Promise<Connection<PaymentRow>> {
    const first = pageSize(args.first);
    const after = check.cursor(args.after, ['int']);
    const where: string[] = [];
    const params: unknown[] = [];
    if (args.payerDepartment !== null && args.payerDepartment !== undefined) {
      params.push(check.departmentSlug(args.payerDepartment, 'payerDepartment'));
      where.push(`payer_department = $${params.length}`);
    }
    if (after) {
      params.push(after[0]);
      where.push(`sequence > $${params.length}`);
    }
    params.push(first + 1);
    const rows = await db.query<PaymentRow>(
      `SELECT * FROM effective_payments ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY sequence LIMIT $${params.length}`,
      params,
    );
    return toConnection(rows, first, (row) => [row.sequence]);
  }

  async function paymentsByPayeeDid(dids: readonly string[]): Promise<PaymentRow[]> {
    return db.query<PaymentRow>('SELECT * FROM effective_payments WHERE payee_did = ANY($1::text[]) ORDER BY payee_did, sequence', [dids]);
  }

  // ------------------------------------------------------------ corrections

  async function proposeCorrection(input: ProposeCorrectionInput): Promise<CorrectionRow> {
    const id = check.newId(input.id);
    const paymentId = check.refId(input.paymentId, 'input.paymentId');
    const amount = check.optionalMoney(input.amount, 'input.amount', { positive: false });
    const purpose = check.optionalText(input.purpose, 'input.purpose', LENGTHS.purpose);
    const reason = check.text(input.reason, 'input.reason', LENGTHS.reason);
    const proposedBy = check.consortiumDepartment(input.proposedBy, 'input.proposedBy');
    if (!amount && !purpose) {
      throw invalid(ErrorCode.INVALID_ARGUMENT, 'a correction gives a corrected input.amount, a corrected input.purpose, or both', 'input');
    }
    return writing(() => db.transaction(async (tx) => {
      const existing = await one<CorrectionRow>(tx, `${CORRECTION_SELECT} WHERE c.id = $1`, [id]);
      if (existing) return existing;
      const payment = await one<PaymentRow>(tx, 'SELECT * FROM effective_payments WHERE id = $1', [paymentId]);
      if (!payment) throw notFound('payment', paymentId);
      if (amount) sameCurrency(amount, payment.currency, 'input.amount.currency', `payment ${payment.id}`);
      const changesAmount = amount !== null && amount.minorUnits !== payment.effective_amount_minor;
      const changesPurpose = purpose !== null && purpose !== payment.effective_purpose;
      if (!changesAmount && !changesPurpose) {
        throw invalid(ErrorCode.INVALID_ARGUMENT, `the correction changes nothing: payment ${payment.id} already stands at that amount and purpose`, 'input');
      }
      // Refused early when it could never take effect; checked again (under lock) when it does.
      if (amount) await mustFit(tx, payment, amount.minorUnits, false);
      await insertRecord(
        tx,
        'corrections',
        `INSERT INTO corrections (id, payment_id, amount_minor, purpose, reason, proposed_by, quorum)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING RETURNING *`,
        [id, paymentId, amount?.minorUnits ?? null, purpose, reason, proposedBy, CORRECTION_QUORUM],
      );
      return (await one<CorrectionRow>(tx, `${CORRECTION_SELECT} WHERE c.id = $1`, [id]))!;
    }));
  }

  /**
   * One consortium department approves a correction. The approval that brings
   * the count to the quorum also records the correction's effect, in the same
   * transaction, so a correction is never half effective.
   */
  async function approveCorrection(input: ApproveCorrectionInput): Promise<ApproveCorrectionResult> {
    const id = check.newId(input.id);
    const correctionId = check.refId(input.correctionId, 'input.correctionId');
    const approver = check.consortiumDepartment(input.approver, 'input.approver');
    return writing(() =>
      db.transaction(async (tx) => {
        const stored = async () => {
          const existing = await one<CorrectionApprovalRow>(tx, 'SELECT * FROM correction_approvals WHERE id = $1', [id]);
          if (!existing) return undefined;
          const correction = (await one<CorrectionRow>(tx, `${CORRECTION_SELECT} WHERE c.id = $1`, [existing.correction_id]))!;
          return { correction, approval: existing };
        };
        const before = await stored();
        if (before) return before;
        // The lock serialises approvals of one correction: two departments
        // approving at once must not both miss that together they reach the quorum.
        const locked = await one(tx, 'SELECT id FROM corrections WHERE id = $1 FOR UPDATE', [correctionId]);
        if (!locked) throw notFound('correction', correctionId);
        // A retry of this very approval may have committed while we waited for the lock.
        const meanwhile = await stored();
        if (meanwhile) return meanwhile;
        const correction = (await one<CorrectionRow>(tx, `${CORRECTION_SELECT} WHERE c.id = $1`, [correctionId]))!;
        if (correction.effective_at) throw conflict(`correction ${correctionId} is already effective (since ${correction.effective_at})`);
        const previous = await one(tx, 'SELECT 1 FROM correction_approvals WHERE correction_id = $1 AND approver = $2', [correctionId, approver]);
        if (previous) throw conflict(`${approver} has already approved correction ${correctionId}`);
        const approval = await insertRecord<CorrectionApprovalRow>(
          tx,
          'correction_approvals',
          'INSERT INTO correction_approvals (id, correction_id, approver) VALUES ($1, $2, $3) RETURNING *',
          [id, correctionId, approver],
        );
        const [{ count } = { count: 0 }] = await tx.query<{ count: number }>(
          'SELECT count(*)::int8 AS count FROM correction_approvals WHERE correction_id = $1',
          [correctionId],
        );
        if (count >= correction.quorum) {
          if (correction.amount_minor !== null) {
            const payment = (await one<PaymentRow>(tx, 'SELECT * FROM effective_payments WHERE id = $1', [correction.payment_id]))!;
            await mustFit(tx, payment, correction.amount_minor, true);
          }
          // Its id is the correction's (a generated column): the effect of correction X is record X.
          await insertRecord(tx, 'correction_effects', 'INSERT INTO correction_effects (correction_id, payment_id, approval_id) VALUES ($1, $2, $3) RETURNING *', [
            correctionId,
            correction.payment_id,
            id,
          ]);
        }
        return { correction: (await one<CorrectionRow>(tx, `${CORRECTION_SELECT} WHERE c.id = $1`, [correctionId]))!, approval: approval! };
      }),
    );
  }

  async function correctionsById(ids: readonly string[]): Promise<CorrectionRow[]> {
    return db.query<CorrectionRow>(`${CORRECTION_SELECT} WHERE c.id = ANY($1::uuid[])`, [ids.filter(check.isUuid)]);
  }

  async function correctionsByPayment(paymentIds: readonly string[]): Promise<CorrectionRow[]> {
    return db.query<CorrectionRow>(
      `${CORRECTION_SELECT} WHERE c.payment_id = ANY($1::uuid[]) ORDER BY c.payment_id, c.recorded_at, c.id`,
      [paymentIds],
    );
  }

  async function approvalsByCorrection(correctionIds: readonly string[]): Promise<CorrectionApprovalRow[]> {
    return db.query<CorrectionApprovalRow>(
      'SELECT * FROM correction_approvals WHERE correction_id = ANY($1::uuid[]) ORDER BY correction_id, sequence',
      [correctionIds],
    );
  }

  // ------------------------------------------------------------ housekeeping

  /** Row counts per table: what the seed reports and its tests compare. */
  async function recordCounts(): Promise<Record<string, number>> {
    const [row] = await db.query<Record<string, number>>(
      `SELECT ${RECORDED_TABLES.map((t) => `(SELECT count(*) FROM ${t})::int8 AS ${t}`).join(', ')}`,
    );
    return row!;
  }

  // ------------------------------------------------------------ helpers over a transaction

  type LockedAppropriation = AppropriationRow & { department: string };

  /** Locks an appropriation: payments against it are decided one at a time. */
  async function lockAppropriation(tx: Queryable, appropriationId: string): Promise<LockedAppropriation | undefined> {
    return one<LockedAppropriation>(
      tx,
      `SELECT a.id, a.budget_id, a.purpose, a.amount_minor, b.currency, b.department, a.approved_on, a.recorded_at
       FROM appropriations a JOIN budgets b ON b.id = a.budget_id WHERE a.id = $1 FOR UPDATE OF a`,
      [appropriationId],
    );
  }

  async function remainingOf(tx: Queryable, appropriation: AppropriationRow): Promise<number> {
    const [spending] = await tx.query<AppropriationSpendingRow>('SELECT * FROM appropriation_spending WHERE appropriation_id = $1', [
      appropriation.id,
    ]);
    return appropriation.amount_minor - (spending?.spent_minor ?? 0);
  }

  /**
   * Refuses a corrected amount that would spend more than the payment's
   * appropriation has left. `lock` when the correction is about to take effect:
   * the appropriation is locked like for a payment, and the payment re-read
   * under the lock (another correction of it may have taken effect meanwhile).
   */
  async function mustFit(tx: Queryable, payment: PaymentRow, correctedMinor: number, lock: boolean): Promise<void> {
    if (!lock && correctedMinor <= payment.effective_amount_minor) return;
    const appropriation = lock
      ? (await lockAppropriation(tx, payment.appropriation_id))!
      : (await one<AppropriationRow>(tx, `${APPROPRIATION_SELECT} WHERE a.id = $1`, [payment.appropriation_id]))!;
    const current = lock ? (await one<PaymentRow>(tx, 'SELECT * FROM effective_payments WHERE id = $1', [payment.id]))! : payment;
    const increase = correctedMinor - current.effective_amount_minor;
    if (increase <= 0) return;
    const remaining = await remainingOf(tx, appropriation);
    if (increase > remaining) {
      throw conflict(
        `raising payment ${payment.id} by ${formatMoney(increase, payment.currency)} would exceed appropriation "${appropriation.purpose}" ` +
          `(${appropriation.id}): ${formatMoney(remaining, appropriation.currency)} remains`,
      );
    }
  }

  return {
    /** The department's database: the record proof resolvers read the log from it. */
    db,
    registerTaxpayer,
    taxpayersByDid,
    listTaxpayers,
    setTaxClearance,
    taxAssessmentsByDid,
    createBudget,
    budgetsById,
    listBudgets,
    budgetSummaries,
    appropriate,
    appropriationsById,
    appropriationsByBudget,
    appropriationSpending,
    recordPayment,
    paymentsById,
    listPayments,
    paymentsByPayeeDid,
    proposeCorrection,
    approveCorrection,
    correctionsById,
    correctionsByPayment,
    approvalsByCorrection,
    recordCounts,
  };
}

// ---------------------------------------------------------------- module helpers

async function one<Row>(tx: Queryable, sql: string, params: readonly unknown[]): Promise<Row | undefined> {
  return (await tx.query<Row>(sql, params))[0];
}

/**
 * The one way finance writes a record: runs `insert`, an `INSERT INTO <table>
 * ... RETURNING *` (usually ON CONFLICT (id) DO NOTHING), and logs the row it
 * really wrote in the department's Merkle log, in the same transaction `tx`,
 * as the database returned it (what `SELECT *` reads back, so the audit
 * computes the same digest). A row that already existed comes back from
 * nothing, so a replay logs nothing; a refused write rolls back with its log
 * entry. Returns the row written, if any.
 */
async function insertRecord<Row>(tx: Queryable, table: RecordedTable, insert: string, params: readonly unknown[]): Promise<Row | undefined> {
  if (!new RegExp(`^\\s*INSERT INTO ${table} [^;]*\\sRETURNING \\*\\s*$`).test(insert)) {
    throw new Error(`insertRecord(${table}) needs one INSERT INTO ${table} ... RETURNING *`);
  }
  const rows = await tx.query<Record<string, unknown> & { id: unknown }>(insert, params);
  if (rows.length > 1) throw new Error(`insertRecord(${table}) wrote ${rows.length} rows: one record at a time`);
  const [row] = rows;
  if (row) await logRecord(tx, table, row);
  return row as Row | undefined;
}

/**
 * insertRecord() with ON CONFLICT (id) DO NOTHING; when a concurrent request
 * with the same id won the race, returns the row it stored (idempotent
 * retries) and logs nothing.
 */
async function insertOnce<Row>(tx: Queryable, table: RecordedTable, insert: string, params: readonly unknown[], id: string): Promise<Row | undefined> {
  return (await insertRecord<Row>(tx, table, insert, params)) ?? one<Row>(tx, `SELECT * FROM ${table} WHERE id = $1`, [id]);
}

function sameCurrency(amount: Money, expected: string, field: string, what: string): void {
  if (amount.currency !== expected) {
    throw invalid(ErrorCode.INVALID_CURRENCY, `${what} is in ${expected}, got an amount in ${amount.currency}`, field);
  }
}

/**
 * Unique violations that slip past the checks (two requests racing for the
 * same DID, tax number, title or approval) become CONFLICT, like the checks.
 */
async function writing<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const { code, detail } = error as { code?: unknown; detail?: unknown };
    if (code === '23505') throw conflict(typeof detail === 'string' ? detail : 'a record with these values already exists');
    throw error;
  }
}
