import { Wallet } from 'ethers';
import { describe, expect, it } from 'vitest';
import { didForAddress } from '../../anchor/ledger/did.ts';
import type { Agreement } from '../../anchor/ledger/sharing-agreements.ts';
import { ledgerAgreementSource, memoryAgreementSource, type AgreementReader } from '../../gateway/policy/agreements.ts';
import { decide } from '../../gateway/policy/decide.ts';
import { memoizedDecide } from '../../gateway/policy/decide-memo.ts';
import { parsePolicyMode } from '../../gateway/policy/mode.ts';

/** The decision from agreements in memory, and the ledger source's caching and fail-closed rule. */
const CHAIN = 1337;
const education = Wallet.createRandom().address;
const finance = Wallet.createRandom().address;
const justice = Wallet.createRandom().address;
const departments = { education, finance, justice };
const agency = Wallet.createRandom().address;
const agencyDid = didForAddress(agency, CHAIN);
const NOW = 1_800_000_000;

let nextId = 0;
function agreement(overrides: Partial<Agreement> = {}): Agreement {
  return {
    id: nextId++,
    provider: education,
    consumer: agency,
    legalBasis: 'consent',
    state: 'ACTIVE',
    validFrom: NOW - 100,
    validUntil: NOW + 100,
    proposedAt: NOW - 200,
    acceptedAt: NOW - 150,
    terminatedAt: null,
    terminatedBy: null,
    termsDigest: `0x${'11'.repeat(32)}`,
    categories: ['education.degree'],
    purposes: ['degree-verification'],
    ...overrides,
  };
}

const decideWith = (agreements: Agreement[], purpose = 'degree-verification', did = agencyDid) =>
  decide({ agency: { did, purpose } }, memoryAgreementSource({ chainId: CHAIN, departments, agreements }).snapshot(), NOW);

describe('the policy decision', () => {
  it('gives an anonymous caller public only, an agency public and agency', () => {
    expect(decide({}, undefined, NOW).scopes).toEqual(['public']);
    expect(decideWith([]).scopes).toEqual(['agency', 'public']);
  });

  it('grants the categories of an active agreement for the declared purpose, naming the agreement and legal basis', () => {
    const active = agreement({ categories: ['education.degree', 'education.results'] });
    const decision = decideWith([active]);
    expect(decision.scopes).toEqual(['agency', 'education.degree', 'education.results', 'public']);
    expect(decision.grants['education.degree']).toEqual({ agreementId: active.id, legalBasis: 'consent' });
    expect(decision.consentCategories).toEqual(['education.degree', 'education.results']);
    expect(decision.agreements).toEqual([{ id: active.id, categories: ['education.degree', 'education.results'], legalBasis: 'consent' }]);
  });

  it.each([
    ['another purpose', [agreement()], 'audit'],
    ['a proposed agreement', [agreement({ state: 'PROPOSED', acceptedAt: null })], undefined],
    ['a terminated agreement', [agreement({ state: 'TERMINATED', terminatedAt: NOW - 1 })], undefined],
    ['an expired agreement', [agreement({ validFrom: NOW - 100, validUntil: NOW })], undefined],
    ['an agreement not yet in force', [agreement({ validFrom: NOW + 1 })], undefined],
    ['another consumer', [agreement({ consumer: Wallet.createRandom().address })], undefined],
    ['a provider that does not own the category', [agreement({ provider: finance })], undefined],
    ['an unknown provider', [agreement({ provider: Wallet.createRandom().address })], undefined],
    ['an unknown category', [agreement({ categories: ['education.everything'] })], undefined],
  ])('grants nothing for %s', (_what, agreements, purpose) => {
    expect(decideWith(agreements, purpose).scopes).toEqual(['agency', 'public']);
  });

  it('grants nothing to the same address on another network', () => {
    expect(decideWith([agreement()], undefined, didForAddress(agency, 1)).scopes).toEqual(['agency', 'public']);
  });

  it('prefers a statutory grant over a consent one: no per-citizen consent is needed then', () => {
    const consent = agreement({ categories: ['finance.tax'], provider: finance, purposes: ['audit'] });
    const statute = agreement({ categories: ['finance.tax', 'finance.identity'], provider: finance, purposes: ['audit'], legalBasis: 'statute' });
    const decision = decideWith([consent, statute], 'audit');
    expect(decision.grants['finance.tax']).toEqual({ agreementId: statute.id, legalBasis: 'statute' });
    expect(decision.consentCategories).toEqual([]);
  });

  it('has a stable key per decision and one rewrite key per set of scopes', () => {
    const one = agreement();
    const a = decideWith([one]);
    expect(decideWith([one]).decisionKey).toBe(a.decisionKey);
    const sameScopesOtherAgreement = decideWith([agreement()]);
    expect(sameScopesOtherAgreement.decisionKey).not.toBe(a.decisionKey);
    expect(sameScopesOtherAgreement.scopesKey).toBe(a.scopesKey);
    expect(decideWith([]).scopesKey).not.toBe(a.scopesKey);
  });

  it('reads GOVSHARE_POLICY_MODE strictly', () => {
    expect(parsePolicyMode(undefined)).toBe('filter');
    expect(parsePolicyMode('dry-run')).toBe('dry-run');
    expect(() => parsePolicyMode('off')).toThrow(/GOVSHARE_POLICY_MODE/);
  });
});

describe('the ledger agreement source', () => {
  function fakeLedger(agreements: Agreement[]) {
    const state = { version: 1, agreements, down: false, loads: 0 };
    const reader: AgreementReader = {
      chainId: CHAIN,
      async version() {
        if (state.down) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'LEDGER_UNAVAILABLE' });
        return state.version;
      },
      async all() {
        state.loads++;
        return [...state.agreements];
      },
    };
    return { state, reader };
  }

  it('reloads only when the version moves', async () => {
    const { state, reader } = fakeLedger([agreement()]);
    const source = ledgerAgreementSource({ reader, departments, pollMs: 60_000 });
    try {
      await source.ready();
      expect(state.loads).toBe(1);
      await source.refresh();
      expect(state.loads).toBe(1);
      state.agreements = [];
      state.version++;
      await source.refresh();
      expect(state.loads).toBe(2);
      expect(source.snapshot().byConsumer.size).toBe(0);
    } finally {
      source.close();
    }
  });

  it('learns a department it does not know from the department itself, and grants its categories from then on', async () => {
    const { reader } = fakeLedger([agreement()]);
    let answering = false;
    const source = ledgerAgreementSource({
      reader,
      departments: { finance, justice },
      discover: async () => {
        if (!answering) throw new Error('education is down');
        return { education: didForAddress(education, CHAIN) };
      },
      pollMs: 60_000,
    });
    try {
      await source.ready();
      const asks = () => decide({ agency: { did: agencyDid, purpose: 'degree-verification' } }, source.snapshot(), NOW).scopes;
      expect(asks()).not.toContain('education.degree');
      answering = true;
      await source.refresh();
      expect(asks()).toContain('education.degree');
    } finally {
      source.close();
    }
  });

  it('keeps the last read while the ledger is down, then fails closed past the bound', async () => {
    let clock = 0;
    const { state, reader } = fakeLedger([agreement()]);
    const source = ledgerAgreementSource({ reader, departments, pollMs: 60_000, maxStalenessMs: 5_000, now: () => clock });
    try {
      await source.ready();
      state.down = true;
      clock = 4_000;
      await source.refresh();
      expect(decide({ agency: { did: agencyDid, purpose: 'degree-verification' } }, source.snapshot(), NOW).scopes).toContain('education.degree');
      clock = 6_000;
      await source.refresh();
      const closed = decide({ agency: { did: agencyDid, purpose: 'degree-verification' } }, source.snapshot(), NOW);
      expect(closed.scopes).toEqual(['agency', 'public']);
      expect(closed.failedClosed).toBe('AGREEMENTS_UNAVAILABLE');
      expect(source.status()).toMatchObject({ fresh: false, version: 1, ageSeconds: 6 });
      state.down = false;
      await source.refresh();
      expect(source.snapshot().fresh).toBe(true);
    } finally {
      source.close();
    }
  });
});

/** The memoised decision is the one decide() gives, and changes whenever decide()'s would. */
describe('memoizedDecide', () => {
  const asks = { agency: { did: agencyDid, purpose: 'degree-verification' } };
  const other = didForAddress(Wallet.createRandom().address, CHAIN);
  // The window closes at NOW + 1: the next second decides differently.
  const closing = (overrides: Partial<Agreement> = {}) => agreement({ validUntil: NOW + 1, ...overrides });

  it('answers what decide() answers, once per agency, purpose and second', () => {
    const source = memoryAgreementSource({ chainId: CHAIN, departments, agreements: [closing()] });
    const memo = memoizedDecide();
    const first = memo(asks, source.snapshot(), NOW);
    expect(first).toEqual(decide(asks, source.snapshot(), NOW));
    expect(first.scopes).toContain('education.degree');
    // Same inputs (a new snapshot object over the same agreements): the same decision object.
    expect(memo(asks, source.snapshot(), NOW)).toBe(first);
    // Another purpose, another agency, an anonymous caller: decided on their own.
    expect(memo({ agency: { did: agencyDid, purpose: 'audit' } }, source.snapshot(), NOW)).toEqual(decide({ agency: { did: agencyDid, purpose: 'audit' } }, source.snapshot(), NOW));
    expect(memo({ agency: { did: agencyDid, purpose: 'audit' } }, source.snapshot(), NOW).scopes).not.toContain('education.degree');
    expect(memo({ agency: { did: other, purpose: 'degree-verification' } }, source.snapshot(), NOW).scopes).not.toContain('education.degree');
    expect(memo({}, source.snapshot(), NOW).scopes).toEqual(['public']);
  });

  it('decides again in the next second: a validity window that closes counts at once', () => {
    const source = memoryAgreementSource({ chainId: CHAIN, departments, agreements: [closing()] });
    const memo = memoizedDecide();
    expect(memo(asks, source.snapshot(), NOW).scopes).toContain('education.degree');
    expect(memo(asks, source.snapshot(), NOW + 1).scopes).not.toContain('education.degree');
  });

  it('decides again when the agreements change, or stop being fresh', () => {
    const source = memoryAgreementSource({ chainId: CHAIN, departments, agreements: [closing()] });
    const memo = memoizedDecide();
    expect(memo(asks, source.snapshot(), NOW).scopes).toContain('education.degree');
    source.set([closing({ state: 'TERMINATED', terminatedAt: NOW - 1 })]);
    expect(memo(asks, source.snapshot(), NOW).scopes).not.toContain('education.degree');
    source.set([closing()]);
    expect(memo(asks, source.snapshot(), NOW).scopes).toContain('education.degree');
    const stale = { ...source.snapshot(), fresh: false };
    expect(memo(asks, stale, NOW)).toEqual(decide(asks, stale, NOW));
    expect(memo(asks, stale, NOW).failedClosed).toBe('AGREEMENTS_UNAVAILABLE');
    expect(memo(asks, undefined, NOW).failedClosed).toBe('AGREEMENTS_UNAVAILABLE');
  });
});
