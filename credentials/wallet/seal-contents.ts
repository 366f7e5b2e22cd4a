import { createCipheriv, createDecipheriv, randomBytes, scrypt, type ScryptOptions } from 'node:crypto';
import { GovshareError } from '../../platform/errors.ts';
import { WALLET_FORMAT, type ScryptParams, type WalletContents, type WalletFile } from './format.ts';

/**
 * Encryption of the wallet's contents: scrypt (node's native one: pure-JS scrypt takes seconds at
 * these parameters) stretches the passphrase into an AES-256-GCM key; each write draws a fresh
 * 96-bit IV, so one derived key can seal many versions of the file (random IVs stay far from
 * GCM's collision bound at a wallet's write rate). The format string is associated data, so a
 * ciphertext cannot be relabelled as another format version.
 *
 * The keystore (anchor/keys/keystore.ts) does the same with its own private helpers; sharing one
 * module is a refactor for the keystore's owner.
 */
export interface SealingKey {
  /** The derived AES key; never written anywhere. */
  key: Buffer;
  kdf: WalletFile['kdf'];
}

export async function deriveSealingKey(passphrase: string, params: ScryptParams, salt: Buffer = randomBytes(32)): Promise<SealingKey> {
  const key = await new Promise<Buffer>((resolve, reject) =>
    scrypt(passphrase.normalize('NFKC'), salt, 32, scryptOptions(params), (error, derived) => (error ? reject(error) : resolve(derived))),
  );
  return { key, kdf: { name: 'scrypt', salt: salt.toString('hex'), dkLen: 32, N: params.N, r: params.r, p: params.p } };
}

/** Re-derives the key a file was sealed with (its own salt and parameters). */
export function deriveKeyForFile(passphrase: string, file: WalletFile): Promise<SealingKey> {
  return deriveSealingKey(passphrase, { N: file.kdf.N, r: file.kdf.r, p: file.kdf.p }, Buffer.from(file.kdf.salt, 'hex'));
}

export function sealContents(sealing: SealingKey, contents: WalletContents): WalletFile {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealing.key, iv);
  cipher.setAAD(Buffer.from(WALLET_FORMAT, 'utf8'));
  const plaintext = Buffer.from(JSON.stringify(contents), 'utf8');
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  plaintext.fill(0);
  return {
    format: WALLET_FORMAT,
    kdf: sealing.kdf,
    cipher: { name: 'aes-256-gcm', iv: iv.toString('hex'), tag: cipher.getAuthTag().toString('hex') },
    ciphertext: ciphertext.toString('base64'),
  };
}

/**
 * The decrypted JSON (not yet checked for shape). WALLET_PASSPHRASE_WRONG when the tag does not
 * verify: GCM cannot tell a wrong passphrase from an altered file, and a wrong passphrase is by
 * far the likelier; the message says both.
 */
export function unsealContents(sealing: SealingKey, file: WalletFile, where: string): unknown {
  const decipher = createDecipheriv('aes-256-gcm', sealing.key, Buffer.from(file.cipher.iv, 'hex'));
  decipher.setAAD(Buffer.from(WALLET_FORMAT, 'utf8'));
  decipher.setAuthTag(Buffer.from(file.cipher.tag, 'hex'));
  let plaintext: Buffer;
  try {
    plaintext = Buffer.concat([decipher.update(Buffer.from(file.ciphertext, 'base64')), decipher.final()]);
  } catch (error) {
    throw new GovshareError('WALLET_PASSPHRASE_WRONG', `cannot open the wallet ${where}: wrong passphrase (or the file was altered)`, {
      cause: error,
      detail: { file: where },
    });
  }
  try {
    return JSON.parse(plaintext.toString('utf8'));
  } catch (error) {
    // Authenticated yet not JSON: written by something that was not this code.
    throw new GovshareError('WALLET_CORRUPT', `the wallet ${where} decrypts to something that is not a wallet`, { cause: error, detail: { file: where } });
  } finally {
    plaintext.fill(0);
  }
}

function scryptOptions(params: ScryptParams): ScryptOptions {
  // node refuses N * r * 128 above maxmem (32 MiB by default); 2^17 * 8 needs 128 MiB.
  return { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 16 * 1024 * 1024 };
}
