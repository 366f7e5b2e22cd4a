import type { Wallet } from './wallet.ts';

export interface CredentialListing {
  jti: string;
  type: string;
  types: string[];
  issuer: string;
  issuedAt: string | null;
  expiresAt: string | null;
  receivedAt: string;
  expired: boolean;
}

/** What the wallet holds, in the order received, without the JWTs (a listing is for reading, not for passing on). */
export function listCredentials(wallet: Wallet, options: { now?: Date } = {}): CredentialListing[] {
  const now = (options.now ?? new Date()).getTime();
  return wallet.credentials.map((c) => ({
    jti: c.jti,
    type: c.type,
    types: [...c.types],
    issuer: c.issuer,
    issuedAt: c.issuedAt,
    expiresAt: c.expiresAt,
    receivedAt: c.receivedAt,
    expired: c.expiresAt !== null && Date.parse(c.expiresAt) <= now,
  }));
}
