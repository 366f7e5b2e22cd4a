import { logRecord } from '../../../anchor/log/log-record.ts';
import { ConsentError, ConsentRefusal } from '../../../credentials/consent/consent-credential.ts';
import { identityOf } from '../../../credentials/consent/identity-of.ts';
import { verifyConsent } from '../../../credentials/consent/verify-consent.ts';
import { conflict } from '../errors.ts';
import { consentAnswer, type ConsentAnswer, type ConsentContext, type ConsentRow } from './context.ts';

/**
 * Registers a citizen's consent with the department holding the data (DESIGN.md "Trust model";
 * issue 6). The credential must verify (verify-consent.ts: the citizen's signature by their
 * DID's assertionMethod key, iss = sub, within its validity period, well-formed) and name only
 * categories this department holds (a consent spanning departments is registered with each in
 * its own credential, so each controller keeps evidence of exactly what it may release).
 *
 * Stored with the credential itself (the evidence) in the recorded `consents` table and logged
 * in the same transaction, so it is anchored like any record. Anyone may register it (the
 * citizen, or an agency the citizen handed it to): the signature authorises, and it says only
 * what the citizen signed. Registering the same consent again returns the stored one; another
 * consent under the same jti is a CONFLICT.
 */
export async function registerConsent(ctx: ConsentContext, credential: unknown, now = new Date()): Promise<ConsentAnswer> {
  const { resolver } = ctx.issuer.require();
  const consent = await verifyConsent(credential, { resolver, now });
  const foreign = consent.categories.filter((category) => !ctx.categories.has(category));
  if (foreign.length) {
    throw new ConsentError(ConsentRefusal.CATEGORY_NOT_HELD, `${ctx.department} does not hold ${foreign.join(', ')}: register a consent for those with the department that does`);
  }
  return ctx.db.transaction(async (tx) => {
    const [stored] = await tx.query<ConsentRow>('SELECT * FROM consents WHERE id = $1', [consent.jti]);
    if (stored) {
      if (stored.digest !== consent.digest) throw conflict(`another consent is registered under ${consent.jti}`);
      return consentAnswer(stored, now);
    }
    const [row] = await tx.query<ConsentRow>(
      `INSERT INTO consents (id, citizen_did, citizen_key, agency_did, agency_key, purpose, categories, valid_from, expires_at, credential, digest, registered_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING *`,
      [
        consent.jti,
        consent.citizen,
        identityOf(consent.citizen),
        consent.agency,
        identityOf(consent.agency),
        consent.purpose,
        consent.categories,
        consent.issuedAt.toISOString(),
        consent.expiresAt.toISOString(),
        consent.jwt,
        consent.digest,
        now.toISOString(),
      ],
    );
    await logRecord(tx, 'consents', row as unknown as Record<string, unknown> & { id: unknown });
    return consentAnswer(row!, now);
  });
}
