import type { KeyObject } from 'node:crypto';
import { GovshareError } from '../../platform/errors.ts';
import { es256kPrivateKeyObject } from '../sign/es256k-signer.ts';
import type { StoredCredential, WalletContents } from './format.ts';
import type { SealingKey } from './seal-contents.ts';

/**
 * An opened wallet: what it holds, as plain read-only data. Each change (receiving a credential)
 * returns a new Wallet and leaves the old one as it was.
 *
 * The private key and the derived file key are deliberately NOT properties: they live in a
 * module-private WeakMap keyed by the Wallet, so logging, spreading or JSON-serialising a wallet
 * can never leak them, and code outside this folder signs through `walletSigner` instead of
 * holding the raw key.
 */
export interface Wallet {
  readonly file: string;
  readonly did: string;
  readonly chainId: number;
  readonly createdAt: string;
  readonly credentials: readonly StoredCredential[];
}

interface WalletSecrets {
  sealing: SealingKey;
  signingKey: KeyObject;
}

const secrets = new WeakMap<Wallet, WalletSecrets>();

/** Builds the Wallet for decrypted contents (contents already checked by parseWalletContents). */
export function walletFromContents(file: string, contents: WalletContents, sealing: SealingKey): Wallet {
  const wallet: Wallet = Object.freeze({
    file,
    did: contents.did,
    chainId: contents.chainId,
    createdAt: contents.createdAt,
    credentials: Object.freeze(contents.credentials.map((c) => Object.freeze({ ...c, types: Object.freeze([...c.types]) as string[] }))),
  });
  secrets.set(wallet, { sealing, signingKey: es256kPrivateKeyObject(contents.privateKey) });
  return wallet;
}

/** The secrets of a Wallet made by this module; anything else (a copy, a forged object) is refused. */
export function secretsOf(wallet: Wallet): WalletSecrets {
  const found = secrets.get(wallet);
  if (!found) throw new GovshareError('WALLET_ARGUMENT_INVALID', 'not an opened wallet (use openWallet or createWallet; copies of a Wallet carry no keys)');
  return found;
}
