/**
 * The stable codes a wallet refuses with (GovshareError / InputError `code`). Callers (the CLI,
 * later a wallet UI) branch on these, never on message text.
 */
export const WALLET_ERROR_CODES = [
  /** `createWallet` on a path that already holds a file: a wallet is never overwritten. */
  'WALLET_EXISTS',
  /** No wallet file at that path. */
  'WALLET_NOT_FOUND',
  /** The passphrase does not open the file (AES-GCM cannot tell this from an altered ciphertext). */
  'WALLET_PASSPHRASE_WRONG',
  /** No passphrase given and none can be asked for (no terminal). */
  'WALLET_PASSPHRASE_REQUIRED',
  /** The passphrase typed twice at creation differs. */
  'WALLET_PASSPHRASE_MISMATCH',
  /** A new wallet's passphrase is too short to protect a private key. */
  'WALLET_PASSPHRASE_TOO_SHORT',
  /** The file is not a wallet of a format this code reads, or its contents contradict themselves. */
  'WALLET_CORRUPT',
  /** The file changed identity since this process opened it (another wallet moved to that path). */
  'WALLET_REPLACED',
  /** Another process holds the wallet's lock for longer than we wait. */
  'WALLET_BUSY',
  /** Bad arguments to a wallet function (chain id, key, lifetime...). */
  'WALLET_ARGUMENT_INVALID',
  /** Not a JWT, or a JWT that is not a VC Data Model 1.1 credential. */
  'CREDENTIAL_MALFORMED',
  /** The credential's subject is another DID than the wallet's. */
  'CREDENTIAL_NOT_FOR_THIS_HOLDER',
  /** The credential expired (on receipt, or when chosen for a presentation). */
  'CREDENTIAL_EXPIRED',
  /** The injected verifier said the credential is not valid. */
  'CREDENTIAL_REJECTED',
  /** A credential with the same jti but different content is already stored. */
  'CREDENTIAL_CONFLICT',
  /** A presentation asked for a jti or type that the wallet does not hold. */
  'CREDENTIAL_NOT_IN_WALLET',
  /** A presentation with nothing selected, or without challenge/domain. */
  'PRESENTATION_INVALID',
] as const;

export type WalletErrorCode = (typeof WALLET_ERROR_CODES)[number];
