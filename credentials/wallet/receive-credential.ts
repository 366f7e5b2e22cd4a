import { GovshareError, InputError } from '../../platform/errors.ts';
import type { StoredCredential } from './format.ts';
import { decodeCredential, type DecodedCredential } from './decode-credential.ts';
import { updateWallet } from './update-wallet.ts';
import type { Wallet } from './wallet.ts';

/** One check of a verification report (DESIGN.md, "Verification report"). */
export interface CredentialCheck {
  id: string;
  ok: boolean;
  code?: string;
  detail?: unknown;
}

/**
 * A verifier the caller injects: the wallet does not depend on how credentials are verified
 * (signature at the anchoring block, accreditation, status...), only on the report's shape.
 */
export type VerifyCredentialJwt = (jwt: string) => Promise<{ valid: boolean; checks: CredentialCheck[] }>;

export interface ReceiveCredentialOptions {
  /** When given, a credential it reports invalid is refused (CREDENTIAL_REJECTED). */
  verify?: VerifyCredentialJwt;
  now?: Date;
}

export interface ReceiveCredentialResult {
  /** The wallet after receipt (the argument is left as it was). */
  wallet: Wallet;
  credential: StoredCredential;
  /** false when the wallet already held this credential (same jti, same signed content). */
  added: boolean;
}

/**
 * Files a credential JWT in the wallet.
 *
 * Refuses: CREDENTIAL_MALFORMED (not a VC JWT), CREDENTIAL_NOT_FOR_THIS_HOLDER (its subject is
 * another DID: presenting it would fail the verifier's holder check, and a wallet that files
 * other people's credentials leaks them on every `list`), CREDENTIAL_EXPIRED,
 * CREDENTIAL_CONFLICT (the jti is already held with different content: one of the two was not
 * issued as is), CREDENTIAL_REJECTED (the injected verifier said no).
 *
 * Receiving the same credential again changes nothing and succeeds (added: false), so a citizen
 * can retry a download without thinking.
 */
export async function receiveCredential(wallet: Wallet, jwt: string, options: ReceiveCredentialOptions = {}): Promise<ReceiveCredentialResult> {
  const decoded = decodeCredential(typeof jwt === 'string' ? jwt.trim() : jwt);
  // Exactly, as strings: verifiers compare the presentation's iss with each credential's subject
  // that way (anchor/ledger/did.ts writes did:ethr in lower case for this), so even the same
  // address written with a checksum would make a credential that can never be presented.
  if (decoded.subject !== wallet.did) {
    const sameAddress = decoded.subject.toLowerCase() === wallet.did.toLowerCase();
    throw new InputError(
      'CREDENTIAL_NOT_FOR_THIS_HOLDER',
      sameAddress
        ? `this credential names the holder as ${decoded.subject}, not exactly ${wallet.did}: verifiers compare DIDs as strings, so it could never be presented; ask the issuer for one about ${wallet.did}`
        : `this credential is about ${decoded.subject}, not this wallet's holder ${wallet.did}`,
      { detail: { subject: decoded.subject, holder: wallet.did, jti: decoded.jti } },
    );
  }
  const now = options.now ?? new Date();
  if (decoded.expiresAt !== null && Date.parse(decoded.expiresAt) <= now.getTime()) {
    throw new InputError('CREDENTIAL_EXPIRED', `credential ${decoded.jti} (${decoded.type}) expired at ${decoded.expiresAt}`, { detail: { jti: decoded.jti, expiresAt: decoded.expiresAt } });
  }
  // Already held: answer without asking the verifier or writing anything.
  const held = duplicateOf(wallet.credentials, decoded);
  if (held) return { wallet, credential: held, added: false };

  if (options.verify) {
    const report = await options.verify(decoded.jwt);
    if (!report.valid) {
      const failed = report.checks.filter((c) => !c.ok);
      throw new InputError('CREDENTIAL_REJECTED', `credential ${decoded.jti} did not verify: ${failed.map((c) => c.code ?? c.id).join(', ') || 'invalid'}`, {
        detail: { jti: decoded.jti, checks: failed },
      });
    }
  }

  const { signingInput: _, ...summary } = decoded;
  const credential: StoredCredential = { ...summary, receivedAt: now.toISOString() };
  // Checked again against the file as it is now: another process may have filed it meanwhile.
  const { wallet: updated, result } = await updateWallet(wallet, (current) => {
    const existing = duplicateOf(current.credentials, decoded);
    if (existing) return { contents: undefined, result: { credential: existing, added: false } };
    return { contents: { ...current, credentials: [...current.credentials, credential] }, result: { credential, added: true } };
  });
  return { wallet: updated, ...result };
}

/** The stored credential with the same jti; CREDENTIAL_CONFLICT when its signed content differs. */
function duplicateOf(credentials: readonly StoredCredential[], decoded: DecodedCredential): StoredCredential | undefined {
  const same = credentials.find((c) => c.jti === decoded.jti);
  if (!same) return undefined;
  if (signingInputOf(same.jwt) !== decoded.signingInput) {
    throw new GovshareError('CREDENTIAL_CONFLICT', `the wallet already holds a different credential with jti ${decoded.jti}`, { detail: { jti: decoded.jti } });
  }
  return same;
}

function signingInputOf(jwt: string): string {
  return jwt.slice(0, jwt.lastIndexOf('.'));
}
