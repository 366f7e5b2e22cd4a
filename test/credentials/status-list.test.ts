import { randomBytes, randomInt } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  allocateIndex,
  Bitstring,
  decodeMultibaseBase64url,
  DEFAULT_MAX_STATUS_LIST_LENGTH,
  MIN_STATUS_LIST_LENGTH,
  parseStatusList,
  readParsedStatus,
  readStatus,
  statusEntry,
  statusListCredentialPayload,
  statusListSubjectOf,
  StatusListError,
  type StatusErrorCode,
} from '../../credentials/status/index.ts';

/**
 * The encodedList of every example in W3C Bitstring Status List v1.0 (§2.2 and the appendix
 * examples): an all-zero list of 131,072 entries. Found in the spec's examples and in several
 * independent implementations' test suites.
 */
const SPEC_EXAMPLE_ENCODED_LIST = 'uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA';

const LIST_URL = 'https://education.gov.example/status/revocation/1';
const ISSUER = 'did:ethr:0x539:0x1234567890abcdef1234567890abcdef12345678';

function codeOf(fn: () => unknown): StatusErrorCode | 'NO_ERROR' | 'OTHER_ERROR' {
  try {
    fn();
    return 'NO_ERROR';
  } catch (err) {
    return err instanceof StatusListError ? err.code : 'OTHER_ERROR';
  }
}

const u = (bytes: Uint8Array): string => 'u' + Buffer.from(bytes).toString('base64url');

function subject(encodedList: string, statusPurpose: unknown = 'revocation'): Record<string, unknown> {
  return { id: `${LIST_URL}#list`, type: 'BitstringStatusList', statusPurpose, encodedList };
}

describe('Bitstring encode/decode', () => {
  it('decodes the spec example to 131,072 zero entries, and encodes an empty list to exactly it', () => {
    const bits = Bitstring.decode(SPEC_EXAMPLE_ENCODED_LIST);
    expect(bits.length).toBe(131_072);
    expect(bits.toBytes().length).toBe(16 * 1024);
    expect(bits.countSet()).toBe(0);
    expect(new Bitstring().encode()).toBe(SPEC_EXAMPLE_ENCODED_LIST);
  });

  it('round-trips set bits, including the first and last index and a larger list', () => {
    for (const length of [MIN_STATUS_LIST_LENGTH, MIN_STATUS_LIST_LENGTH * 4]) {
      const bits = new Bitstring(length);
      const chosen = [0, 1, 7, 8, 12_345, length - 1];
      for (const i of chosen) bits.set(i);
      const encoded = bits.encode();
      expect(encoded.startsWith('u')).toBe(true);
      expect(encoded.slice(1)).toMatch(/^[A-Za-z0-9_-]+$/);
      const back = Bitstring.decode(encoded);
      expect(back.length).toBe(length);
      expect(back.countSet()).toBe(chosen.length);
      for (const i of chosen) expect(back.get(i)).toBe(true);
      expect(back.get(2)).toBe(false);
    }
  });

  it('round-trips a random bitstring byte for byte', () => {
    const raw = randomBytes(16 * 1024);
    const back = Bitstring.decode(Bitstring.fromBytes(raw).encode());
    expect(Buffer.from(back.toBytes()).equals(raw)).toBe(true);
  });

  it('clear and set(false) unset a bit', () => {
    const bits = new Bitstring();
    bits.set(42);
    bits.set(43);
    bits.clear(42);
    bits.set(43, false);
    expect(bits.countSet()).toBe(0);
  });

  it('uses the spec bit order: index 0 is the most significant (left-most) bit of byte 0', () => {
    const bits = new Bitstring();
    bits.set(0);
    expect(bits.toBytes()[0]).toBe(0x80);
    bits.set(7);
    expect(bits.toBytes()[0]).toBe(0x81);
    bits.set(8);
    expect(bits.toBytes()[1]).toBe(0x80);

    // Independently built list: byte 2 = 0b0000_0001 → only index 23 set.
    const raw = new Uint8Array(16 * 1024);
    raw[2] = 0x01;
    raw[raw.length - 1] = 0x80;
    const decoded = Bitstring.decode(u(gzipSync(raw)));
    expect(decoded.get(23)).toBe(true);
    expect(decoded.get(16)).toBe(false);
    expect(decoded.get(131_072 - 8)).toBe(true);
    expect(decoded.countSet()).toBe(2);
  });

  it('refuses lengths that are too short or not whole bytes', () => {
    expect(codeOf(() => new Bitstring(131_064))).toBe('STATUS_LIST_TOO_SHORT');
    expect(codeOf(() => new Bitstring(131_073))).toBe('STATUS_LIST_LENGTH_INVALID');
    expect(codeOf(() => new Bitstring(131_072.5))).toBe('STATUS_LIST_LENGTH_INVALID');
    expect(codeOf(() => Bitstring.fromBytes(new Uint8Array(100)))).toBe('STATUS_LIST_TOO_SHORT');
  });

  it('refuses indexes outside the list on get/set', () => {
    const bits = new Bitstring();
    for (const index of [-1, 131_072, 2 ** 53, 1.5, Number.NaN]) {
      expect(codeOf(() => bits.get(index))).toBe('STATUS_INDEX_OUT_OF_RANGE');
      expect(codeOf(() => bits.set(index))).toBe('STATUS_INDEX_OUT_OF_RANGE');
    }
  });
});

describe('Bitstring.decode refuses hostile input', () => {
  const zeros = gzipSync(new Uint8Array(16 * 1024));
  const cases: Array<[string, unknown, StatusErrorCode]> = [
    ['not a string', 42, 'STATUS_LIST_MALFORMED'],
    ['empty', '', 'STATUS_LIST_MALFORMED'],
    ['only the prefix', 'u', 'STATUS_LIST_MALFORMED'],
    ['no multibase prefix', SPEC_EXAMPLE_ENCODED_LIST.slice(1), 'STATUS_LIST_MALFORMED'],
    ['base58btc prefix', 'z' + SPEC_EXAMPLE_ENCODED_LIST.slice(1), 'STATUS_LIST_MALFORMED'],
    ["base64 (not url) prefix 'm'", 'm' + Buffer.from(zeros).toString('base64'), 'STATUS_LIST_MALFORMED'],
    ['padding', SPEC_EXAMPLE_ENCODED_LIST + '=', 'STATUS_LIST_MALFORMED'],
    ['standard base64 alphabet', 'u' + Buffer.from(zeros).toString('base64').replace(/=+$/, ''), 'STATUS_LIST_MALFORMED'],
    ['characters outside base64url', SPEC_EXAMPLE_ENCODED_LIST.slice(0, 20) + '!' + SPEC_EXAMPLE_ENCODED_LIST.slice(21), 'STATUS_LIST_MALFORMED'],
    ['whitespace', SPEC_EXAMPLE_ENCODED_LIST.slice(0, 20) + ' ' + SPEC_EXAMPLE_ENCODED_LIST.slice(20), 'STATUS_LIST_MALFORMED'],
    ['impossible length', 'uAAAAA', 'STATUS_LIST_MALFORMED'],
    ['corrupted deflate data', SPEC_EXAMPLE_ENCODED_LIST.slice(0, 30) + 'Z' + SPEC_EXAMPLE_ENCODED_LIST.slice(31), 'STATUS_LIST_MALFORMED'],
    ['not gzip (random bytes)', u(randomBytes(64)), 'STATUS_LIST_MALFORMED'],
    ['raw deflate, no gzip header', u(new Uint8Array(zeros.subarray(10, zeros.length - 8))), 'STATUS_LIST_MALFORMED'],
    ['truncated gzip', u(new Uint8Array(zeros.subarray(0, zeros.length - 4))), 'STATUS_LIST_MALFORMED'],
    ['gzip with trailing garbage', u(Buffer.concat([zeros, Buffer.from('garbage')])), 'STATUS_LIST_MALFORMED'],
    ['corrupted CRC', u(Buffer.concat([zeros.subarray(0, zeros.length - 8), Buffer.alloc(4), zeros.subarray(zeros.length - 4)])), 'STATUS_LIST_MALFORMED'],
    ['too short (16 KB - 1 byte)', u(gzipSync(new Uint8Array(16 * 1024 - 1))), 'STATUS_LIST_TOO_SHORT'],
    ['too short (empty bitstring)', u(gzipSync(new Uint8Array(0))), 'STATUS_LIST_TOO_SHORT'],
  ];
  for (const [name, input, code] of cases) {
    it(`${name} → ${code}`, () => {
      expect(codeOf(() => Bitstring.decode(input))).toBe(code);
    });
  }

  it('non-canonical base64url (non-zero trailing bits) is refused as such', () => {
    // 'uAA' and 'uAB' both decode to one 0x00 byte with a lenient decoder; only 'uAA' is canonical.
    expect(() => decodeMultibaseBase64url('uAB')).toThrow(/not canonical/);
    expect([...decodeMultibaseBase64url('uAA')]).toEqual([0]);
    const body = u(gzipSync(new Uint8Array(16 * 1024), { level: 1 }));
    if (body.length % 4 !== 1) {
      const last = body.at(-1) as string;
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const bumped = body.slice(0, -1) + alphabet[alphabet.indexOf(last) + 1];
      expect(codeOf(() => Bitstring.decode(bumped))).toBe('STATUS_LIST_MALFORMED');
    }
  });

  it('gzip bomb: a small input inflating past the 16 MiB maximum is refused while inflating', () => {
    const bomb = u(gzipSync(new Uint8Array(DEFAULT_MAX_STATUS_LIST_LENGTH / 8 + 1024), { level: 9 }));
    expect(bomb.length).toBeLessThan(64 * 1024);
    expect(codeOf(() => Bitstring.decode(bomb))).toBe('STATUS_LIST_TOO_LARGE');
  });

  it('honours a smaller declared maximum and a larger minimum', () => {
    const big = new Bitstring(MIN_STATUS_LIST_LENGTH * 4).encode();
    expect(codeOf(() => Bitstring.decode(big, { maxLength: MIN_STATUS_LIST_LENGTH * 2 }))).toBe('STATUS_LIST_TOO_LARGE');
    expect(Bitstring.decode(big, { maxLength: MIN_STATUS_LIST_LENGTH * 4 }).length).toBe(MIN_STATUS_LIST_LENGTH * 4);
    expect(codeOf(() => Bitstring.decode(SPEC_EXAMPLE_ENCODED_LIST, { minLength: MIN_STATUS_LIST_LENGTH * 2 }))).toBe('STATUS_LIST_TOO_SHORT');
    // A minimum below the spec's is raised to the spec's.
    expect(codeOf(() => Bitstring.decode(u(gzipSync(new Uint8Array(8))), { minLength: 8 }))).toBe('STATUS_LIST_TOO_SHORT');
  });

  it('refuses an encoded string longer than any list within the maximum before decoding it', () => {
    const huge = 'u' + 'A'.repeat(400_000);
    expect(codeOf(() => Bitstring.decode(huge, { maxLength: MIN_STATUS_LIST_LENGTH * 2 }))).toBe('STATUS_LIST_TOO_LARGE');
  });
});

describe('allocateIndex', () => {
  it('never reuses an index, covers the whole space, then reports a full list', () => {
    const length = 256;
    const taken = new Set<number>();
    for (let i = 0; i < length; i++) {
      const index = allocateIndex((k) => taken.has(k), length);
      expect(taken.has(index)).toBe(false);
      expect(index).toBeGreaterThanOrEqual(0);
      expect(index).toBeLessThan(length);
      taken.add(index);
    }
    expect(taken.size).toBe(length);
    expect(codeOf(() => allocateIndex((k) => taken.has(k), length))).toBe('STATUS_LIST_FULL');
  });

  it('is not sequential: indexes spread over a real-size list', () => {
    const taken = new Set<number>();
    const order: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const index = allocateIndex((k) => taken.has(k), MIN_STATUS_LIST_LENGTH);
      taken.add(index);
      order.push(index);
    }
    expect(taken.size).toBe(2000);
    expect(Math.min(...order)).toBeLessThan(MIN_STATUS_LIST_LENGTH / 10);
    expect(Math.max(...order)).toBeGreaterThan((MIN_STATUS_LIST_LENGTH * 9) / 10);
    // Not increasing: about half of consecutive pairs go down.
    const descents = order.slice(1).filter((v, i) => v < (order[i] as number)).length;
    expect(descents).toBeGreaterThan(800);
    expect(descents).toBeLessThan(1200);
  });

  it('is uniform over the free indexes, on the probe path and on the exact-scan path', () => {
    // Sparse: 4 of 16 taken (rejection sampling).
    const sparseTaken = new Set([0, 5, 10, 15]);
    const counts = new Map<number, number>();
    const draws = 12_000;
    for (let i = 0; i < draws; i++) {
      const index = allocateIndex((k) => sparseTaken.has(k), 16);
      counts.set(index, (counts.get(index) ?? 0) + 1);
    }
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 6, 7, 8, 9, 11, 12, 13, 14]);
    for (const count of counts.values()) expect(Math.abs(count - draws / 12)).toBeLessThan(draws / 12 / 4);

    // Nearly full: 2 free of 10,000 (probes almost always miss; exact scan decides).
    const free = new Set([1234, 9876]);
    const hits = new Map<number, number>();
    for (let i = 0; i < 400; i++) {
      const index = allocateIndex((k) => !free.has(k), 10_000);
      hits.set(index, (hits.get(index) ?? 0) + 1);
    }
    expect([...hits.keys()].sort((a, b) => a - b)).toEqual([1234, 9876]);
    for (const count of hits.values()) expect(count).toBeGreaterThan(140);
  });

  it('uses the injected random source and refuses one that misbehaves', () => {
    // Always 0: index 0 taken → probes fail → scan picks the 0th free index.
    expect(allocateIndex((k) => k === 0, 8, () => 0)).toBe(1);
    expect(allocateIndex(() => false, 8, (max) => max - 1)).toBe(7);
    expect(codeOf(() => allocateIndex(() => false, 8, () => 8))).toBe('STATUS_ARGUMENT_INVALID');
    expect(codeOf(() => allocateIndex(() => false, 8, () => -1))).toBe('STATUS_ARGUMENT_INVALID');
    expect(codeOf(() => allocateIndex(() => false, 8, () => 0.5))).toBe('STATUS_ARGUMENT_INVALID');
    expect(codeOf(() => allocateIndex(() => false, 0))).toBe('STATUS_ARGUMENT_INVALID');
    expect(allocateIndex(() => false, 2 ** 20, randomInt)).toBeLessThan(2 ** 20);
  });
});

describe('statusEntry', () => {
  it('builds a BitstringStatusListEntry for vc.credentialStatus', () => {
    expect(statusEntry({ listUrl: LIST_URL, index: 94_567, purpose: 'revocation' })).toEqual({
      id: `${LIST_URL}#94567`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: '94567',
      statusListCredential: LIST_URL,
    });
  });

  it('refuses bad arguments', () => {
    expect(codeOf(() => statusEntry({ listUrl: 'not a url', index: 1, purpose: 'revocation' }))).toBe('STATUS_ARGUMENT_INVALID');
    expect(codeOf(() => statusEntry({ listUrl: `${LIST_URL}#frag`, index: 1, purpose: 'revocation' }))).toBe('STATUS_ARGUMENT_INVALID');
    expect(codeOf(() => statusEntry({ listUrl: 'ftp://x.example/l', index: 1, purpose: 'revocation' }))).toBe('STATUS_ARGUMENT_INVALID');
    expect(codeOf(() => statusEntry({ listUrl: LIST_URL, index: -1, purpose: 'revocation' }))).toBe('STATUS_ARGUMENT_INVALID');
    expect(codeOf(() => statusEntry({ listUrl: LIST_URL, index: 1.5, purpose: 'revocation' }))).toBe('STATUS_ARGUMENT_INVALID');
    expect(codeOf(() => statusEntry({ listUrl: LIST_URL, index: 1, purpose: 'refresh' as 'revocation' }))).toBe('STATUS_ARGUMENT_INVALID');
  });
});

describe('statusListCredentialPayload', () => {
  it('builds the VC-JWT claims of a BitstringStatusListCredential', () => {
    const bits = new Bitstring();
    bits.set(3);
    const payload = statusListCredentialPayload({
      issuerDid: ISSUER,
      listUrl: LIST_URL,
      purpose: 'suspension',
      bitstring: bits,
      validFrom: new Date('2025-01-02T03:04:05.678Z'),
      validUntil: new Date('2025-01-03T03:04:05Z'),
      ttlMs: 300_000,
    });
    expect(payload).toEqual({
      iss: ISSUER,
      sub: `${LIST_URL}#list`,
      jti: LIST_URL,
      nbf: Date.parse('2025-01-02T03:04:05Z') / 1000,
      exp: Date.parse('2025-01-03T03:04:05Z') / 1000,
      vc: {
        '@context': ['https://www.w3.org/2018/credentials/v1', 'https://www.w3.org/ns/credentials/status/v1'],
        type: ['VerifiableCredential', 'BitstringStatusListCredential'],
        credentialSubject: {
          id: `${LIST_URL}#list`,
          type: 'BitstringStatusList',
          statusPurpose: 'suspension',
          encodedList: bits.encode(),
          ttl: 300_000,
        },
      },
    });
    // JSON-safe (it becomes a JWT payload) and readable back.
    const viaJson = JSON.parse(JSON.stringify(payload)) as typeof payload;
    const entry = statusEntry({ listUrl: LIST_URL, index: 3, purpose: 'suspension' });
    expect(readStatus(entry, statusListSubjectOf(viaJson.vc), { listCredentialId: viaJson.jti })).toEqual({ purpose: 'suspension', set: true });
  });

  it('omits exp and ttl when not given, and refuses bad arguments', () => {
    const base = { issuerDid: ISSUER, listUrl: LIST_URL, purpose: 'revocation' as const, bitstring: new Bitstring(), validFrom: new Date(0) };
    const payload = statusListCredentialPayload(base);
    expect('exp' in payload).toBe(false);
    expect('ttl' in payload.vc.credentialSubject).toBe(false);
    expect(codeOf(() => statusListCredentialPayload({ ...base, issuerDid: 'https://not-a-did' }))).toBe('STATUS_ARGUMENT_INVALID');
    expect(codeOf(() => statusListCredentialPayload({ ...base, validFrom: new Date('nope') }))).toBe('STATUS_ARGUMENT_INVALID');
    expect(codeOf(() => statusListCredentialPayload({ ...base, validUntil: new Date(0) }))).toBe('STATUS_ARGUMENT_INVALID');
    expect(codeOf(() => statusListCredentialPayload({ ...base, ttlMs: -5 }))).toBe('STATUS_ARGUMENT_INVALID');
    expect(codeOf(() => statusListCredentialPayload({ ...base, purpose: 'bogus' as 'revocation' }))).toBe('STATUS_ARGUMENT_INVALID');
  });
});

describe('readStatus (verifier, fail-closed)', () => {
  const revoked = new Bitstring();
  revoked.set(100);
  const list = subject(revoked.encode());
  const entry = (index: unknown, purpose: unknown = 'revocation'): Record<string, unknown> => ({
    id: `${LIST_URL}#${String(index)}`,
    type: 'BitstringStatusListEntry',
    statusPurpose: purpose,
    statusListIndex: index,
    statusListCredential: LIST_URL,
  });

  it('reports set and unset bits', () => {
    expect(readStatus(entry('100'), list)).toEqual({ purpose: 'revocation', set: true });
    expect(readStatus(entry('101'), list)).toEqual({ purpose: 'revocation', set: false });
    expect(readStatus(entry('0'), list)).toEqual({ purpose: 'revocation', set: false });
    expect(readStatus(entry('131071'), list)).toEqual({ purpose: 'revocation', set: false });
  });

  it('reads the spec example list as all unset', () => {
    expect(readStatus(entry('94567'), subject(SPEC_EXAMPLE_ENCODED_LIST))).toEqual({ purpose: 'revocation', set: false });
  });

  it('refuses a purpose mismatch, accepts a purpose among several', () => {
    expect(codeOf(() => readStatus(entry('100', 'suspension'), list))).toBe('STATUS_PURPOSE_MISMATCH');
    expect(readStatus(entry('100', 'suspension'), subject(revoked.encode(), ['revocation', 'suspension']))).toEqual({ purpose: 'suspension', set: true });
  });

  const indexCases: Array<[unknown, StatusErrorCode]> = [
    ['131072', 'STATUS_INDEX_OUT_OF_RANGE'],
    ['9007199254740991', 'STATUS_INDEX_OUT_OF_RANGE'],
    ['99999999999999999999999999', 'STATUS_INDEX_OUT_OF_RANGE'],
    ['1e3', 'STATUS_ENTRY_MALFORMED'],
    ['-1', 'STATUS_ENTRY_MALFORMED'],
    ['0x10', 'STATUS_ENTRY_MALFORMED'],
    ['1.0', 'STATUS_ENTRY_MALFORMED'],
    ['+5', 'STATUS_ENTRY_MALFORMED'],
    [' 5', 'STATUS_ENTRY_MALFORMED'],
    ['05', 'STATUS_ENTRY_MALFORMED'],
    ['', 'STATUS_ENTRY_MALFORMED'],
    ['Infinity', 'STATUS_ENTRY_MALFORMED'],
    ['١٢', 'STATUS_ENTRY_MALFORMED'],
    [100, 'STATUS_ENTRY_MALFORMED'],
    [null, 'STATUS_ENTRY_MALFORMED'],
    [undefined, 'STATUS_ENTRY_MALFORMED'],
  ];
  for (const [index, code] of indexCases) {
    it(`statusListIndex ${JSON.stringify(index)} → ${code}`, () => {
      expect(codeOf(() => readStatus(entry(index), list))).toBe(code);
    });
  }

  it('refuses malformed entries', () => {
    expect(codeOf(() => readStatus(null, list))).toBe('STATUS_ENTRY_MALFORMED');
    expect(codeOf(() => readStatus([entry('1')], list))).toBe('STATUS_ENTRY_MALFORMED');
    expect(codeOf(() => readStatus({ ...entry('1'), type: 'StatusList2021Entry' }, list))).toBe('STATUS_ENTRY_MALFORMED');
    expect(codeOf(() => readStatus(entry('1', 'refresh'), list))).toBe('STATUS_ENTRY_MALFORMED');
    expect(codeOf(() => readStatus({ ...entry('1'), statusListCredential: undefined }, list))).toBe('STATUS_ENTRY_MALFORMED');
    expect(codeOf(() => readStatus({ ...entry('1'), statusSize: 2 }, list))).toBe('STATUS_SIZE_UNSUPPORTED');
    expect(readStatus({ ...entry('100'), statusSize: 1 }, list).set).toBe(true);
  });

  it('refuses malformed lists', () => {
    expect(codeOf(() => readStatus(entry('1'), null))).toBe('STATUS_LIST_MALFORMED');
    expect(codeOf(() => readStatus(entry('1'), { ...list, type: 'StatusList2021' }))).toBe('STATUS_LIST_MALFORMED');
    expect(codeOf(() => readStatus(entry('1'), subject(revoked.encode(), [])))).toBe('STATUS_LIST_MALFORMED');
    expect(codeOf(() => readStatus(entry('1'), subject(revoked.encode(), 'bogus')))).toBe('STATUS_LIST_MALFORMED');
    expect(codeOf(() => readStatus(entry('1'), { ...list, ttl: 'soon' }))).toBe('STATUS_LIST_MALFORMED');
    expect(codeOf(() => readStatus(entry('1'), { ...list, encodedList: undefined }))).toBe('STATUS_LIST_MALFORMED');
    expect(codeOf(() => readStatus(entry('1'), subject('zNotBase64url')))).toBe('STATUS_LIST_MALFORMED');
    expect(codeOf(() => readStatus(entry('1'), subject(u(gzipSync(new Uint8Array(1024))))))).toBe('STATUS_LIST_TOO_SHORT');
  });

  it('refuses an entry naming another list than the one supplied', () => {
    expect(codeOf(() => readStatus(entry('100'), list, { listCredentialId: 'https://other.example/status/2' }))).toBe('STATUS_LIST_MISMATCH');
    expect(readStatus(entry('100'), list, { listCredentialId: LIST_URL }).set).toBe(true);
  });

  it('reads from a parsed (cacheable) list', () => {
    const parsed = parseStatusList({ ...list, ttl: 60_000 });
    expect(parsed.ttl).toBe(60_000);
    expect(Object.isFrozen(parsed)).toBe(true);
    expect(readParsedStatus(entry('100'), parsed)).toEqual({ purpose: 'revocation', set: true });
    expect(codeOf(() => readParsedStatus(entry('100', 'suspension'), parsed))).toBe('STATUS_PURPOSE_MISMATCH');
  });

  it('statusListSubjectOf checks the credential type', () => {
    expect(codeOf(() => statusListSubjectOf({ type: ['VerifiableCredential'], credentialSubject: list }))).toBe('STATUS_LIST_MALFORMED');
    expect(codeOf(() => statusListSubjectOf({ type: ['VerifiableCredential', 'BitstringStatusListCredential'], credentialSubject: [list] }))).toBe('STATUS_LIST_MALFORMED');
    expect(statusListSubjectOf({ type: ['VerifiableCredential', 'BitstringStatusListCredential'], credentialSubject: list })).toBe(list);
  });

  it('every refusal is a StatusListError with the code in its message', () => {
    try {
      readStatus(entry('1e3'), list);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(StatusListError);
      expect((err as StatusListError).message.startsWith('STATUS_ENTRY_MALFORMED:')).toBe(true);
    }
  });
});
