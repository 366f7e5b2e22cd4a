import { describe, expect, it } from 'vitest';
import { formatMoney, parseCurrency, parseDateTime, parseDid, parseIsoDate, parseMinorUnits } from '../../subgraphs/kit/scalars.ts';

const refusal = (parse: (v: unknown) => unknown, value: unknown) => {
  try {
    parse(value);
    return 'accepted';
  } catch (error) {
    return (error as { code?: string }).code;
  }
};

describe('department scalars', () => {
  it.each(['did:ethr:0x539:0xc874a2497f2a9cf86bcc2e1aa778c6d4bc554cb3', 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK', 'did:web:example.gov%3A8443:dept'])('accepts the DID %s', (did) => {
    expect(parseDid(did)).toBe(did);
  });
  it.each(['', 'did:', 'did:ethr:', 'DID:ethr:0x1', 'did:ETHR:0x1', 'did:ethr:0x1:', 'did:ethr:bad space', 'did:ethr:%zz', `did:ethr:${'a'.repeat(300)}`, 42, null])('refuses %j as a DID', (value) => {
    expect(refusal(parseDid, value)).toBe('INVALID_DID');
  });

  it('takes calendar dates and instants only when they exist', () => {
    expect(parseIsoDate('2024-02-29')).toBe('2024-02-29');
    for (const bad of ['2023-02-29', '2026-13-01', '2026-1-1', '2026-01-01T00:00:00Z', 20260101]) expect(refusal(parseIsoDate, bad)).toBe('INVALID_DATE');
    expect(parseDateTime('2026-11-25T09:30:00Z')).toBe('2026-11-25T09:30:00Z');
    expect(parseDateTime('2026-11-25T17:30:00.123456+08:00')).toBe('2026-11-25T17:30:00.123456+08:00');
    for (const bad of ['2026-02-30T10:00:00Z', '2026-11-25T25:00:00Z', '2026-11-25T09:30:00', '2026-11-25', 'yesterday', 0]) expect(refusal(parseDateTime, bad)).toBe('INVALID_DATE');
  });

  it('takes whole non-negative minor units up to 2^53-1 and known currencies', () => {
    expect(parseMinorUnits(9_007_199_254_740_991)).toBe(9_007_199_254_740_991);
    for (const bad of [-1, 1.5, 9_007_199_254_740_992, '100', Number.NaN]) expect(refusal(parseMinorUnits, bad)).toBe('INVALID_AMOUNT');
    expect(parseCurrency('CNY')).toBe('CNY');
    for (const bad of ['cny', 'XXX', 'RMB', 1]) expect(refusal(parseCurrency, bad)).toBe('INVALID_CURRENCY');
    expect(formatMoney(1_234_567, 'CNY')).toBe('12,345.67 CNY');
    expect(formatMoney(1_234_567, 'JPY')).toBe('1,234,567 JPY');
  });
});
