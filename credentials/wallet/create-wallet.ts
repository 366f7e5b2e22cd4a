import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { computeAddress, SigningKey } from 'ethers';
import { GovshareError, InputError } from '../../platform/errors.ts';
import { didForAddress } from '../../anchor/ledger/did.ts';
import { es256kPrivateKeyObject } from '../sign/es256k-signer.ts';
import { DEFAULT_WALLET_SCRYPT, MIN_PASSPHRASE_LENGTH, type ScryptParams, type WalletContents } from './format.ts';
import { deriveSealingKey, sealContents } from './seal-contents.ts';
import { walletFromContents, type Wallet } from './wallet.ts';
import { writeWalletFile } from './write-wallet-file.ts';

export interface CreateWalletOptions {
  file: string;
  passphrase: string;
  /** The ledger's chain id: the DID is did:ethr:<hex chain id>:<address>. */
  chainId: number;
  /** Import this secp256k1 key (32 bytes or hex) instead of drawing one: demo citizens have fixed keys. */
  privateKey?: string | Uint8Array;
  /** KDF cost; default DEFAULT_WALLET_SCRYPT. Tests pass a cheap one. */
  scrypt?: ScryptParams;
  now?: Date;
}

/**
 * A new wallet file holding a new key (or an imported one) and its did:ethr, with no credentials.
 *
 * No ledger transaction: every address already has a did:ethr document (a fresh one, whose
 * `#controller` is the address), so the DID resolves and verifies the holder's signatures as
 * soon as the key exists. Refuses (WALLET_EXISTS) when anything is at `file`.
 */
export async function createWallet(options: CreateWalletOptions): Promise<Wallet> {
  if (typeof options.passphrase !== 'string' || options.passphrase.length < MIN_PASSPHRASE_LENGTH) {
    throw new InputError('WALLET_PASSPHRASE_TOO_SHORT', `a wallet passphrase needs at least ${MIN_PASSPHRASE_LENGTH} characters`);
  }
  if (!Number.isSafeInteger(options.chainId) || options.chainId <= 0) {
    throw new InputError('WALLET_ARGUMENT_INVALID', `chain id must be a positive integer, got ${String(options.chainId)}`);
  }
  // Before paying for scrypt; writeWalletFile checks again atomically.
  if (fs.existsSync(options.file)) {
    throw new GovshareError('WALLET_EXISTS', `a wallet already exists at ${options.file}; it is never overwritten (move it away first, or choose another --wallet)`, {
      detail: { file: options.file },
    });
  }
  const privateKey = options.privateKey === undefined ? newPrivateKey() : importedPrivateKey(options.privateKey);
  const address = computeAddress(new SigningKey(privateKey).publicKey);
  const contents: WalletContents = {
    did: didForAddress(address, options.chainId),
    privateKey,
    chainId: options.chainId,
    createdAt: (options.now ?? new Date()).toISOString(),
    credentials: [],
  };
  const sealing = await deriveSealingKey(options.passphrase, options.scrypt ?? DEFAULT_WALLET_SCRYPT);
  writeWalletFile(options.file, sealContents(sealing, contents), { exclusive: true });
  return walletFromContents(options.file, contents, sealing);
}

function newPrivateKey(): string {
  // A uniform 32-byte string is a valid scalar except with probability ~2^-128; retry anyway.
  for (;;) {
    const candidate = randomBytes(32);
    try {
      es256kPrivateKeyObject(candidate);
      return `0x${candidate.toString('hex')}`;
    } catch {
      /* outside [1, n-1]: draw again */
    }
  }
}

function importedPrivateKey(key: string | Uint8Array): string {
  try {
    es256kPrivateKeyObject(key);
  } catch (error) {
    throw new InputError('WALLET_ARGUMENT_INVALID', `cannot import that key: ${(error as Error).message}`);
  }
  const hex = typeof key === 'string' ? key.replace(/^0x/i, '') : Buffer.from(key).toString('hex');
  return `0x${hex.toLowerCase()}`;
}
