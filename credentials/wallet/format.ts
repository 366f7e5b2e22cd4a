/**
 * The wallet file: one JSON document, private to its owner (mode 0600).
 *
 * Everything about the citizen — DID, private key, credentials — is inside one AES-256-GCM
 * ciphertext; in clear there is only what is needed to decrypt it (format, KDF parameters, salt,
 * IV, tag). So the file alone does not even say whose wallet it is: the DID correlates every
 * presentation its holder ever made.
 *
 * `format` is the version: a reader refuses any other value (WALLET_CORRUPT) rather than guess;
 * a later version adds a reader for the old one.
 */
export const WALLET_FORMAT = 'govshare-wallet/1';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

export interface WalletFile {
  format: typeof WALLET_FORMAT;
  kdf: { name: 'scrypt'; salt: string; dkLen: 32 } & ScryptParams;
  cipher: { name: 'aes-256-gcm'; iv: string; tag: string };
  /** base64 of the encrypted UTF-8 JSON of WalletContents. */
  ciphertext: string;
}

/** The decrypted contents. */
export interface WalletContents {
  did: string;
  /** 0x-prefixed hex secp256k1 private key of the DID's controller. */
  privateKey: string;
  chainId: number;
  createdAt: string;
  credentials: StoredCredential[];
}

/**
 * A received credential: the JWT exactly as received, plus what was read from it at receipt so
 * that listing needs no decoding. The summary is inside the authenticated ciphertext, so it
 * cannot be edited apart from the JWT.
 */
export interface StoredCredential {
  jwt: string;
  receivedAt: string;
  /** The most specific type (the last of vc.type that is not "VerifiableCredential"). */
  type: string;
  /** vc.type as issued. */
  types: string[];
  issuer: string;
  subject: string;
  jti: string;
  /** From nbf (VC-JWT's issuanceDate), else iat; ISO 8601. */
  issuedAt: string | null;
  /** From exp; ISO 8601; null when the credential does not expire. */
  expiresAt: string | null;
}

/**
 * Interactive strength (~0.3 s natively), as the keystore's DEFAULT_SCRYPT. Tests pass cheaper
 * parameters; an existing file carries its own.
 */
export const DEFAULT_WALLET_SCRYPT: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };

/**
 * What a file may ask of the KDF. A file is input: without bounds an edited `N` of 2^30 would
 * make opening it allocate a terabyte before the passphrase is even checked.
 */
export const SCRYPT_BOUNDS = { minLogN: 10, maxLogN: 20, maxR: 16, maxP: 4 } as const;

export const MIN_PASSPHRASE_LENGTH = 8;
