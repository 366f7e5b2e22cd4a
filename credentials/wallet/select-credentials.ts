import { InputError } from '../../platform/errors.ts';
import type { StoredCredential } from './format.ts';
import type { Wallet } from './wallet.ts';

/**
 * The credentials a presentation will carry, from the holder's selectors: each is a jti (that
 * credential) or a type (the most recently issued unexpired credential of that type).
 *
 * A type picks ONE credential on purpose: a verifier asking for "a degree" learns of one degree,
 * not all of them; a holder who wants to show several names their jtis. Presenting less than
 * wanted is fixed by asking again; presenting more cannot be taken back.
 *
 * Refuses an empty selection (PRESENTATION_INVALID), a selector matching nothing
 * (CREDENTIAL_NOT_IN_WALLET) and an expired credential (CREDENTIAL_EXPIRED: the verifier would
 * refuse the whole presentation for it).
 */
export function selectCredentials(wallet: Wallet, selectors: readonly string[], now: Date): StoredCredential[] {
  if (selectors.length === 0) {
    throw new InputError('PRESENTATION_INVALID', 'choose the credentials to present (by jti or type); a presentation never includes everything by default');
  }
  const at = now.getTime();
  const expired = (c: StoredCredential) => c.expiresAt !== null && Date.parse(c.expiresAt) <= at;
  const chosen: StoredCredential[] = [];
  for (const selector of selectors) {
    let pick = wallet.credentials.find((c) => c.jti === selector);
    if (!pick) {
      const ofType = wallet.credentials.filter((c) => c.types.includes(selector));
      if (ofType.length === 0) {
        throw new InputError('CREDENTIAL_NOT_IN_WALLET', `the wallet holds no credential with jti or type "${selector}"`, { detail: { selector } });
      }
      pick = ofType.filter((c) => !expired(c)).sort((a, b) => (b.issuedAt ?? b.receivedAt).localeCompare(a.issuedAt ?? a.receivedAt))[0];
      if (!pick) throw new InputError('CREDENTIAL_EXPIRED', `every "${selector}" credential in the wallet has expired`, { detail: { selector } });
    } else if (expired(pick)) {
      throw new InputError('CREDENTIAL_EXPIRED', `credential ${pick.jti} (${pick.type}) expired at ${pick.expiresAt}`, { detail: { jti: pick.jti, expiresAt: pick.expiresAt } });
    }
    if (!chosen.includes(pick)) chosen.push(pick);
  }
  return chosen;
}
