import type { Signer } from 'did-jwt';
import { nodeES256KSigner } from '../sign/es256k-signer.ts';
import { secretsOf, type Wallet } from './wallet.ts';

/** did-jwt-vc's `Issuer` shape: pass it as the holder/issuer, or `{ issuer: did, signer }` to did-jwt's createJWT with `{ alg }`. */
export interface WalletSigner {
  did: string;
  signer: Signer;
  alg: 'ES256K';
}

/**
 * Signs as the wallet's holder (presentations, signed requests to departments, consents) without
 * handing out the private key: the signer closes over a KeyObject that never leaves this process'
 * crypto. ES256K, low-S (credentials/sign/es256k-signer.ts); a fresh did:ethr verifies it by key
 * recovery against its `#controller` address.
 */
export function walletSigner(wallet: Wallet): WalletSigner {
  return { did: wallet.did, signer: nodeES256KSigner(secretsOf(wallet).signingKey), alg: 'ES256K' };
}
