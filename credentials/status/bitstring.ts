/**
 * The bitstring of a W3C Bitstring Status List v1.0 (https://www.w3.org/TR/vc-bitstring-status-list/).
 *
 * - §2.2 BitstringStatusListCredential: "The uncompressed bitstring MUST be at least 16KB in size"
 *   (131,072 entries), and `encodedList` is 'u' + base64url(no padding) of the GZIP [RFC1952]
 *   compressed bitstring.
 * - §3.1 Bitstring Generation Algorithm / §3.3 Bitstring Expansion Algorithm: encode and decode.
 * - Bit order (§2.2): "the first index, with a value of zero (0), is located at the left-most bit
 *   in the bitstring": index i lives in byte i >> 3 under mask 0x80 >> (i & 7), i.e. index 0 is the
 *   most significant bit of byte 0.
 *
 * Pure: no I/O, no globals; gzip through node:zlib's synchronous API.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { StatusListError } from './errors.ts';
import { decodeMultibaseBase64url, encodeMultibaseBase64url } from './multibase.ts';

/** Spec minimum: 16 KB uncompressed = 131,072 entries (§2.2). */
export const MIN_STATUS_LIST_LENGTH = 131_072;

/**
 * Default largest list we accept when decoding: 16 MiB uncompressed (134,217,728 entries). This is
 * the gzip bomb bound: inflation stops as soon as output would exceed it (zlib `maxOutputLength`).
 */
export const DEFAULT_MAX_STATUS_LIST_LENGTH = 16 * 1024 * 1024 * 8;

/** gzip header: ID1 ID2 CM(deflate) (RFC 1952 §2.3.1). */
const GZIP_MAGIC = [0x1f, 0x8b, 0x08] as const;

export interface DecodeOptions {
  /** Fewest entries (bits) accepted; never below the spec minimum of 131,072. */
  minLength?: number;
  /** Most entries (bits) accepted, a multiple of 8; default 16 MiB worth (134,217,728). */
  maxLength?: number;
}

/** What a verifier needs from a list: read access only (a cached list must not be mutated). */
export interface ReadonlyBitstring {
  readonly length: number;
  get(index: number): boolean;
}

function checkLength(length: number, maxLength: number): void {
  if (!Number.isSafeInteger(length) || length % 8 !== 0) {
    throw new StatusListError('STATUS_LIST_LENGTH_INVALID', `bitstring length must be a whole number of bytes, got ${length}`);
  }
  if (length < MIN_STATUS_LIST_LENGTH) {
    throw new StatusListError('STATUS_LIST_TOO_SHORT', `bitstring has ${length} entries, the minimum is ${MIN_STATUS_LIST_LENGTH}`);
  }
  if (length > maxLength) {
    throw new StatusListError('STATUS_LIST_TOO_LARGE', `bitstring has ${length} entries, the maximum is ${maxLength}`);
  }
}

function resolveBounds(options: DecodeOptions): { minLength: number; maxLength: number } {
  const minLength = Math.max(options.minLength ?? MIN_STATUS_LIST_LENGTH, MIN_STATUS_LIST_LENGTH);
  const maxLength = options.maxLength ?? DEFAULT_MAX_STATUS_LIST_LENGTH;
  if (!Number.isSafeInteger(minLength) || !Number.isSafeInteger(maxLength) || maxLength % 8 !== 0 || maxLength < minLength) {
    throw new StatusListError('STATUS_ARGUMENT_INVALID', `invalid decode bounds min=${minLength} max=${maxLength}`);
  }
  return { minLength, maxLength };
}

export class Bitstring implements ReadonlyBitstring {
  readonly #bytes: Uint8Array;

  /** A zeroed list of `length` entries (default and minimum 131,072; a multiple of 8). */
  constructor(length: number = MIN_STATUS_LIST_LENGTH) {
    checkLength(length, Number.MAX_SAFE_INTEGER);
    this.#bytes = new Uint8Array(length / 8);
  }

  /** Wrap a copy of raw bytes (8 entries per byte, index 0 = MSB of byte 0). */
  static fromBytes(bytes: Uint8Array): Bitstring {
    const bitstring = new Bitstring(bytes.length * 8);
    bitstring.#bytes.set(bytes);
    return bitstring;
  }

  /**
   * §3.3 Bitstring Expansion Algorithm, fail-closed: multibase 'u' + strict base64url → exactly one
   * gzip member (trailing bytes refused by zlib) → at most `maxLength / 8` bytes of output (the
   * gzip bomb guard: zlib aborts inflation past `maxOutputLength`) → at least `minLength` bits.
   */
  static decode(encoded: unknown, options: DecodeOptions = {}): Bitstring {
    const { minLength, maxLength } = resolveBounds(options);
    if (typeof encoded !== 'string') throw new StatusListError('STATUS_LIST_MALFORMED', 'encodedList must be a string');
    // Compressed data is never larger than the raw bytes plus small overhead (stored blocks add
    // 5 bytes per 64 KiB), so a much longer string is refused before any decoding work.
    const maxBytes = maxLength / 8;
    const maxCompressed = maxBytes + Math.ceil(maxBytes / 16_384) * 5 + 1024;
    if (encoded.length > 1 + Math.ceil((maxCompressed * 4) / 3)) {
      throw new StatusListError('STATUS_LIST_TOO_LARGE', `encodedList is ${encoded.length} characters, longer than any list within the maximum`);
    }
    const compressed = decodeMultibaseBase64url(encoded);
    if (compressed.length < 18 || GZIP_MAGIC.some((b, i) => compressed[i] !== b)) {
      throw new StatusListError('STATUS_LIST_MALFORMED', 'encodedList is not GZIP (RFC 1952) data');
    }
    let raw: Buffer;
    try {
      raw = gunzipSync(compressed, { maxOutputLength: maxBytes });
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new StatusListError('STATUS_LIST_TOO_LARGE', `encodedList inflates beyond ${maxBytes} bytes`, { cause: err });
      }
      throw new StatusListError('STATUS_LIST_MALFORMED', 'encodedList is not valid GZIP data', { cause: err });
    }
    if (raw.length * 8 < minLength) {
      throw new StatusListError('STATUS_LIST_TOO_SHORT', `bitstring has ${raw.length * 8} entries, the minimum is ${minLength}`);
    }
    return Bitstring.fromBytes(raw);
  }

  /** Number of entries (bits). */
  get length(): number {
    return this.#bytes.length * 8;
  }

  #locate(index: number): [byte: number, mask: number] {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.length) {
      throw new StatusListError('STATUS_INDEX_OUT_OF_RANGE', `index ${index} is outside the list of ${this.length} entries`);
    }
    return [index >>> 3, 0x80 >>> (index & 7)];
  }

  get(index: number): boolean {
    const [byte, mask] = this.#locate(index);
    return ((this.#bytes[byte] as number) & mask) !== 0;
  }

  set(index: number, value = true): void {
    const [byte, mask] = this.#locate(index);
    const current = this.#bytes[byte] as number;
    this.#bytes[byte] = value ? current | mask : current & ~mask;
  }

  clear(index: number): void {
    this.set(index, false);
  }

  /** Number of set entries. */
  countSet(): number {
    let count = 0;
    for (const byte of this.#bytes) {
      let b = byte;
      while (b !== 0) {
        b &= b - 1;
        count++;
      }
    }
    return count;
  }

  /** A copy of the raw bytes. */
  toBytes(): Uint8Array {
    return this.#bytes.slice();
  }

  /**
   * §3.1 Bitstring Generation Algorithm: GZIP, then multibase base64url without padding. Node's
   * gzip writes MTIME 0 and a fixed OS byte, so the output is deterministic (the all-zero 16 KB list
   * yields exactly the spec's example encodedList).
   */
  encode(): string {
    return encodeMultibaseBase64url(gzipSync(this.#bytes));
  }
}
