import { Wallet } from 'ethers';
import { describe, expect, it } from 'vitest';
import { didForAddress } from '../../anchor/ledger/did.ts';
import type { Agreement } from '../../anchor/ledger/sharing-agreements.ts';
import { memoryAgreementSource } from '../../gateway/policy/agreements.ts';
import { decide } from '../../gateway/policy/decide.ts';
import { memoizedDecide } from '../../gateway/policy/decide-memo.ts';

/** The memoised decision is the one decide() gives, and changes whenever decide()'s would. */
const CHAIN = 1337;
const education = Wallet.createRandom().address;
const departments = { education, finance: Wallet.createRandom().address, justice: Wallet.createRandom().address };
const agency = Wallet.createRandom().address;
const did = didForAddress(agency, CHAIN);
const other = didForAddress(Wallet.createRandom().address, CHAIN);
const NOW = 1_800_000_000;

const agreement = (overrides: Partial<Agreement> = {}): Agreement => ({
  id: 1,
  provider: education,
  consumer: agency,
  legalBasis: 'statute',
  state: 'ACTIVE',
  validFrom: NOW - 100,
  // The window closes at NOW + 1: the next second decides differently.
  validUntil: NOW + 1,
  proposedAt: NOW - 200,
  acceptedAt: NOW - 150,
  terminatedAt: null,
  terminatedBy: null,
  termsDigest: `0x${'11'.repeat(32)}`,
  categories: ['education.degree'],
  purposes: ['degree-verification'],
  ...overrides,
});

describe('memoizedDecide', () => {
  const asks = { agency: { did, purpose: 'degree-verification' } };

  it('answers what decide() answers, once per agency, purpose and second', () => {
    const source = memoryAgreementSource({ chainId: CHAIN, departments, agreements: [agreement()] });
    const memo = memoizedDecide();
    const first = memo(asks, source.snapshot(), NOW);
    expect(first).toEqual(decide(asks, source.snapshot(), NOW));
    expect(first.scopes).toContain('education.degree');
    // Same inputs (a new snapshot object over the same agreements): the same decision object.
    expect(memo(asks, source.snapshot(), NOW)).toBe(first);
    // Another purpose, another agency, an anonymous caller: decided on their own.
    expect(memo({ agency: { did, purpose: 'audit' } }, source.snapshot(), NOW)).toEqual(decide({ agency: { did, purpose: 'audit' } }, source.snapshot(), NOW));
    expect(memo({ agency: { did, purpose: 'audit' } }, source.snapshot(), NOW).scopes).not.toContain('education.degree');
    expect(memo({ agency: { did: other, purpose: 'degree-verification' } }, source.snapshot(), NOW).scopes).not.toContain('education.degree');
    expect(memo({}, source.snapshot(), NOW).scopes).toEqual(['public']);
  });

  it('decides again in the next second: a validity window that closes counts at once', () => {
    const source = memoryAgreementSource({ chainId: CHAIN, departments, agreements: [agreement()] });
    const memo = memoizedDecide();
    expect(memo(asks, source.snapshot(), NOW).scopes).toContain('education.degree');
    expect(memo(asks, source.snapshot(), NOW + 1).scopes).not.toContain('education.degree');
  });

  it('decides again when the agreements change, or stop being fresh', () => {
    const source = memoryAgreementSource({ chainId: CHAIN, departments, agreements: [agreement()] });
    const memo = memoizedDecide();
    expect(memo(asks, source.snapshot(), NOW).scopes).toContain('education.degree');
    source.set([agreement({ state: 'TERMINATED', terminatedAt: NOW - 1 })]);
    expect(memo(asks, source.snapshot(), NOW).scopes).not.toContain('education.degree');
    source.set([agreement()]);
    expect(memo(asks, source.snapshot(), NOW).scopes).toContain('education.degree');
    const stale = { ...source.snapshot(), fresh: false };
    expect(memo(asks, stale, NOW)).toEqual(decide(asks, stale, NOW));
    expect(memo(asks, stale, NOW).failedClosed).toBe('AGREEMENTS_UNAVAILABLE');
    expect(memo(asks, undefined, NOW).failedClosed).toBe('AGREEMENTS_UNAVAILABLE');
  });
});
