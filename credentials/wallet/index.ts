/**
 * The citizen wallet (issue 5): a did:ethr key and the credentials issued to it, in one
 * passphrase-encrypted file; presentations bound to a verifier's challenge and domain.
 */
export { WALLET_ERROR_CODES, type WalletErrorCode } from './errors.ts';
export { DEFAULT_WALLET_SCRYPT, WALLET_FORMAT, type ScryptParams, type StoredCredential, type WalletContents, type WalletFile } from './format.ts';
export type { Wallet } from './wallet.ts';
export { createWallet, type CreateWalletOptions } from './create-wallet.ts';
export { openWallet } from './open-wallet.ts';
export { decodeCredential, MAX_CREDENTIAL_BYTES, type DecodedCredential } from './decode-credential.ts';
export {
  receiveCredential,
  type CredentialCheck,
  type ReceiveCredentialOptions,
  type ReceiveCredentialResult,
  type VerifyCredentialJwt,
} from './receive-credential.ts';
export { listCredentials, type CredentialListing } from './list-credentials.ts';
export { selectCredentials } from './select-credentials.ts';
export {
  createPresentation,
  DEFAULT_PRESENTATION_SECONDS,
  MAX_PRESENTATION_SECONDS,
  type CreatePresentationOptions,
  type Presentation,
} from './create-presentation.ts';
export { walletSigner, type WalletSigner } from './wallet-signer.ts';
export { DEFAULT_DEMO_WALLETS, DEMO_WALLET_PASSPHRASE, DEMO_WALLET_SCRYPT, DEMO_WALLETS_DIR, demoWalletFile, ensureDemoWallets, type DemoWallet } from './demo-wallets.ts';
export { resolveWalletFile, walletPassphraseFromEnv } from './wallet-location.ts';
export { promptPassphrase, type PromptStreams } from './prompt-passphrase.ts';
