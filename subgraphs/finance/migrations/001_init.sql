-- Finance: the taxpayer register, tax-clearance assessments and the public
-- spending ledger (budgets -> appropriations -> payments, with corrections that
-- take effect only after a quorum of consortium departments approves them).
--
-- Amounts are bigint minor units (fen, cents): budgets reach hundreds of
-- millions of yuan, i.e. well over 2^31 fen, and stay far below 2^53.
--
-- Everything on the ledger is append-only, enforced below by triggers: a
-- mistake is never edited away, it is corrected by a new, approved entry. So
-- the tables hold no mutable state at all: how much is spent, and whether a
-- correction is effective, are derived from rows that are only ever inserted.

-- The taxpayer register: every resident, so it is the graph's list of citizens.
CREATE TABLE taxpayers (
  id            uuid PRIMARY KEY,
  did           text NOT NULL UNIQUE CHECK (did LIKE 'did:%' AND length(did) <= 256),
  name          text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  tax_number    text UNIQUE CHECK (tax_number ~ '^[A-Z0-9-]{6,32}$'),
  registered_on date NOT NULL,
  recorded_at   timestamptz NOT NULL DEFAULT now()
);
-- `did` UNIQUE gives the index the citizens keyset page (ORDER BY did) walks.

-- One row per assessment: the history is kept, the current status is the latest.
CREATE TABLE tax_assessments (
  id                uuid PRIMARY KEY,
  -- Ties on assessed_on are broken by insertion order.
  sequence          bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  did               text NOT NULL CONSTRAINT tax_assessments_taxpayer REFERENCES taxpayers (did),
  status            text NOT NULL CHECK (status IN ('CLEARED', 'ARREARS', 'UNDER_REVIEW')),
  assessed_on       date NOT NULL,
  valid_until       date CHECK (valid_until >= assessed_on),
  outstanding_minor bigint CHECK (outstanding_minor >= 0),
  outstanding_currency text CHECK (outstanding_currency ~ '^[A-Z]{3}$'),
  recorded_at       timestamptz NOT NULL DEFAULT now(),
  CHECK ((outstanding_minor IS NULL) = (outstanding_currency IS NULL)),
  CHECK (status <> 'CLEARED' OR coalesce(outstanding_minor, 0) = 0),
  CHECK (status <> 'ARREARS' OR outstanding_minor > 0)
);
CREATE INDEX tax_assessments_by_did ON tax_assessments (did, assessed_on DESC, sequence DESC);

CREATE TABLE budgets (
  id          uuid PRIMARY KEY,
  fiscal_year integer NOT NULL CHECK (fiscal_year BETWEEN 1949 AND 2200),
  department  text NOT NULL CHECK (department ~ '^[a-z][a-z0-9-]{1,39}$'),
  title       text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 200),
  total_minor bigint NOT NULL CHECK (total_minor > 0),
  currency    text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  recorded_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (fiscal_year, department, title)
);
-- Keyset order of the budgets list, with or without a fiscal-year filter.
CREATE INDEX budgets_page ON budgets (fiscal_year, department, id);

CREATE TABLE appropriations (
  id           uuid PRIMARY KEY,
  budget_id    uuid NOT NULL REFERENCES budgets (id),
  purpose      text NOT NULL CHECK (length(btrim(purpose)) BETWEEN 1 AND 300),
  -- In the budget's currency (checked by the store: a CHECK cannot see the budget).
  amount_minor bigint NOT NULL CHECK (amount_minor > 0),
  approved_on  date NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX appropriations_by_budget ON appropriations (budget_id, approved_on, recorded_at, id);

-- The public spending ledger. `sequence` is the ledger order: allocated by the
-- database (an identity), so concurrent writers never get the same number.
-- Numbers only grow; a rolled-back payment leaves a gap.
CREATE TABLE payments (
  id               uuid PRIMARY KEY,
  sequence         bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  appropriation_id uuid NOT NULL REFERENCES appropriations (id),
  -- Copied from the budget so that each ledger entry reads on its own and the
  -- ledger can be filtered by payer without a join.
  payer_department text NOT NULL CHECK (payer_department ~ '^[a-z][a-z0-9-]{1,39}$'),
  payee            text NOT NULL CHECK (length(btrim(payee)) BETWEEN 1 AND 200),
  payee_did        text CHECK (payee_did LIKE 'did:%' AND length(payee_did) <= 256),
  amount_minor     bigint NOT NULL CHECK (amount_minor > 0),
  currency         text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  purpose          text NOT NULL CHECK (length(btrim(purpose)) BETWEEN 1 AND 300),
  paid_on          date NOT NULL,
  recorded_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payments_by_appropriation ON payments (appropriation_id) INCLUDE (amount_minor);
CREATE INDEX payments_by_payer ON payments (payer_department, sequence);
CREATE INDEX payments_by_payee_did ON payments (payee_did, sequence) WHERE payee_did IS NOT NULL;

-- A proposed correction of one payment: a new amount, a new purpose, or both.
CREATE TABLE corrections (
  id           uuid PRIMARY KEY,
  payment_id   uuid NOT NULL REFERENCES payments (id),
  amount_minor bigint CHECK (amount_minor >= 0),
  purpose      text CHECK (length(btrim(purpose)) BETWEEN 1 AND 300),
  reason       text NOT NULL CHECK (length(btrim(reason)) BETWEEN 1 AND 1000),
  proposed_by  text NOT NULL CHECK (proposed_by IN ('education', 'finance', 'justice')),
  -- The quorum in force when proposed: changing the rule later never changes
  -- whether an old correction took effect.
  quorum       integer NOT NULL CHECK (quorum >= 1),
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  CHECK (amount_minor IS NOT NULL OR purpose IS NOT NULL)
);
CREATE INDEX corrections_by_payment ON corrections (payment_id, recorded_at, id);

CREATE TABLE correction_approvals (
  id            uuid PRIMARY KEY,
  sequence      bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  correction_id uuid NOT NULL REFERENCES corrections (id),
  approver      text NOT NULL CHECK (approver IN ('education', 'finance', 'justice')),
  recorded_at   timestamptz NOT NULL DEFAULT now(),
  -- One approval per department.
  UNIQUE (correction_id, approver)
);
-- (correction_id, approver) UNIQUE serves the per-correction lookups.

-- Written in the same transaction as the approval that reaches the quorum, so
-- "effective" is a row, never an UPDATE. `sequence` orders the effects of
-- several corrections of one payment: the latest effective one wins.
CREATE TABLE correction_effects (
  correction_id uuid PRIMARY KEY REFERENCES corrections (id),
  payment_id    uuid NOT NULL REFERENCES payments (id),
  approval_id   uuid NOT NULL UNIQUE REFERENCES correction_approvals (id),
  sequence      bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  effective_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX correction_effects_by_payment ON correction_effects (payment_id, sequence DESC);

-- Each payment as it stands after its latest effective correction(s): an
-- amount correction and a purpose correction apply independently.
CREATE VIEW effective_payments AS
SELECT p.*,
  coalesce((SELECT c.amount_minor FROM correction_effects e JOIN corrections c ON c.id = e.correction_id
            WHERE e.payment_id = p.id AND c.amount_minor IS NOT NULL
            ORDER BY e.sequence DESC LIMIT 1), p.amount_minor) AS effective_amount_minor,
  coalesce((SELECT c.purpose FROM correction_effects e JOIN corrections c ON c.id = e.correction_id
            WHERE e.payment_id = p.id AND c.purpose IS NOT NULL
            ORDER BY e.sequence DESC LIMIT 1), p.purpose) AS effective_purpose
FROM payments p;

-- How much of each appropriation is spent, counting effective corrections.
-- The plain sum over payments uses the covering index; corrections are rare,
-- so their adjustment is a small join.
CREATE VIEW appropriation_spending AS
SELECT a.id AS appropriation_id,
  (coalesce((SELECT sum(p.amount_minor) FROM payments p WHERE p.appropriation_id = a.id), 0)
   + coalesce((SELECT sum(ep.effective_amount_minor - ep.amount_minor)
               FROM effective_payments ep
               WHERE ep.appropriation_id = a.id
                 AND ep.id IN (SELECT e.payment_id FROM correction_effects e)), 0))::bigint AS spent_minor
FROM appropriations a;

-- Append-only: the ledger and the assessments refuse UPDATE, DELETE and TRUNCATE.
CREATE FUNCTION refuse_ledger_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'finance.% is append-only: % refused (record a correction instead)', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER budgets_append_only BEFORE UPDATE OR DELETE ON budgets
  FOR EACH ROW EXECUTE FUNCTION refuse_ledger_change();
CREATE TRIGGER budgets_no_truncate BEFORE TRUNCATE ON budgets
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_ledger_change();
CREATE TRIGGER appropriations_append_only BEFORE UPDATE OR DELETE ON appropriations
  FOR EACH ROW EXECUTE FUNCTION refuse_ledger_change();
CREATE TRIGGER appropriations_no_truncate BEFORE TRUNCATE ON appropriations
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_ledger_change();
CREATE TRIGGER payments_append_only BEFORE UPDATE OR DELETE ON payments
  FOR EACH ROW EXECUTE FUNCTION refuse_ledger_change();
CREATE TRIGGER payments_no_truncate BEFORE TRUNCATE ON payments
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_ledger_change();
CREATE TRIGGER corrections_append_only BEFORE UPDATE OR DELETE ON corrections
  FOR EACH ROW EXECUTE FUNCTION refuse_ledger_change();
CREATE TRIGGER corrections_no_truncate BEFORE TRUNCATE ON corrections
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_ledger_change();
CREATE TRIGGER correction_approvals_append_only BEFORE UPDATE OR DELETE ON correction_approvals
  FOR EACH ROW EXECUTE FUNCTION refuse_ledger_change();
CREATE TRIGGER correction_approvals_no_truncate BEFORE TRUNCATE ON correction_approvals
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_ledger_change();
CREATE TRIGGER correction_effects_append_only BEFORE UPDATE OR DELETE ON correction_effects
  FOR EACH ROW EXECUTE FUNCTION refuse_ledger_change();
CREATE TRIGGER correction_effects_no_truncate BEFORE TRUNCATE ON correction_effects
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_ledger_change();
CREATE TRIGGER tax_assessments_append_only BEFORE UPDATE OR DELETE ON tax_assessments
  FOR EACH ROW EXECUTE FUNCTION refuse_ledger_change();
CREATE TRIGGER tax_assessments_no_truncate BEFORE TRUNCATE ON tax_assessments
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_ledger_change();
