import fs from 'node:fs';
import { GovshareError } from '../../platform/errors.ts';
import { SCRYPT_BOUNDS, WALLET_FORMAT, type WalletFile } from './format.ts';

/** A wallet file is a few KiB per credential; anything far larger is not one. */
const MAX_FILE_BYTES = 16 * 1024 * 1024;
const HEX = /^[0-9a-f]+$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Reads and checks the clear part of a wallet file (nothing is decrypted): WALLET_NOT_FOUND when
 * there is no file, WALLET_CORRUPT for anything that is not a well-formed file of this format,
 * including KDF parameters outside SCRYPT_BOUNDS.
 */
export function readWalletFile(file: string): WalletFile {
  let text: string;
  try {
    const size = fs.statSync(file).size;
    if (size > MAX_FILE_BYTES) throw corrupt(file, `it is ${size} bytes, more than any wallet`);
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new GovshareError('WALLET_NOT_FOUND', `no wallet at ${file} (create one with \`govshare wallet init\`)`, { detail: { file } });
    }
    if (error instanceof GovshareError) throw error;
    throw new GovshareError('WALLET_CORRUPT', `cannot read the wallet ${file}: ${(error as Error).message}`, { cause: error, detail: { file } });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw corrupt(file, 'it is not JSON');
  }
  if (!isObject(value)) throw corrupt(file, 'it is not a JSON object');
  if (value.format !== WALLET_FORMAT) throw corrupt(file, `its format is ${JSON.stringify(value.format)}, not "${WALLET_FORMAT}"`);
  const { kdf, cipher, ciphertext } = value;
  if (!isObject(kdf) || kdf.name !== 'scrypt' || kdf.dkLen !== 32 || !isHex(kdf.salt, 16, 64)) throw corrupt(file, 'its kdf is not scrypt with a salt');
  const { N, r, p } = kdf;
  const logN = typeof N === 'number' ? Math.log2(N) : NaN;
  if (!Number.isInteger(logN) || logN < SCRYPT_BOUNDS.minLogN || logN > SCRYPT_BOUNDS.maxLogN) throw corrupt(file, `its scrypt N (${String(N)}) is not a power of two from 2^${SCRYPT_BOUNDS.minLogN} to 2^${SCRYPT_BOUNDS.maxLogN}`);
  if (!isSmallInt(r, SCRYPT_BOUNDS.maxR) || !isSmallInt(p, SCRYPT_BOUNDS.maxP)) throw corrupt(file, 'its scrypt r or p is out of range');
  if (!isObject(cipher) || cipher.name !== 'aes-256-gcm' || !isHex(cipher.iv, 12, 12) || !isHex(cipher.tag, 16, 16)) throw corrupt(file, 'its cipher is not AES-256-GCM with a 96-bit IV and 128-bit tag');
  if (typeof ciphertext !== 'string' || !BASE64.test(ciphertext) || ciphertext.length === 0) throw corrupt(file, 'its ciphertext is not base64');
  return value as unknown as WalletFile;
}

function corrupt(file: string, why: string): GovshareError {
  return new GovshareError('WALLET_CORRUPT', `${file} is not a readable wallet: ${why}`, { detail: { file } });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isHex(value: unknown, minBytes: number, maxBytes: number): boolean {
  return typeof value === 'string' && HEX.test(value) && value.length % 2 === 0 && value.length / 2 >= minBytes && value.length / 2 <= maxBytes;
}

function isSmallInt(value: unknown, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= max;
}
