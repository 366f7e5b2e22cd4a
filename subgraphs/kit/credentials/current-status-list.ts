import { GovshareError } from '../../../platform/errors.ts';
import type { Database } from '../../../store/database.ts';
import { ErrorCode } from '../errors.ts';
import type { CredentialSettings } from './settings.ts';
import { signingKeyAddress, signStatusListRow, type SignedStatusList, type StatusListRow } from './sign-status-list-row.ts';
import type { IssuerIdentity } from './types.ts';

/**
 * The list credential to serve for `listId` (undefined: no such list). The stored signed copy
 * is served as long as it reflects the list's current version, was signed by the current key
 * and has more than a quarter of its validity left; only then is it signed again. So a GET
 * never signs unless the list changed behind a restart, the key rotated or the copy is aging:
 * status changes sign in their own transaction (change-credential-status.ts).
 * Without a signing key (ledger not reached yet) a copy that is still valid is served as is.
 */
export async function currentStatusList(db: Database, listId: string, issuer: IssuerIdentity | undefined, settings: CredentialSettings, now: Date): Promise<SignedStatusList | undefined> {
  const [row] = await db.query<StatusListRow>('SELECT * FROM status_lists WHERE id = $1', [listId]);
  if (!row) return undefined;
  const served = fresh(row, issuer, settings, now);
  if (served) return served;
  if (!issuer) {
    const stillValid = servable(row, now);
    if (stillValid && row.signed_version === row.version) return stillValid;
    throw new GovshareError(ErrorCode.ISSUER_UNAVAILABLE, 'this status list must be signed again and the department has no signing key yet');
  }
  return db.transaction(async (tx) => {
    // Under the row lock: a concurrent GET may have just signed it.
    const [locked] = await tx.query<StatusListRow>('SELECT * FROM status_lists WHERE id = $1 FOR UPDATE', [listId]);
    return (locked && fresh(locked, issuer, settings, now)) || signStatusListRow(tx, listId, issuer, settings, now);
  });
}

function fresh(row: StatusListRow, issuer: IssuerIdentity | undefined, settings: CredentialSettings, now: Date): SignedStatusList | undefined {
  const served = servable(row, now);
  const ok =
    served &&
    row.signed_version === row.version &&
    served.validUntil.getTime() - now.getTime() > settings.listValidityMs / 4 &&
    (!issuer || row.signed_by === signingKeyAddress(issuer));
  return ok ? served : undefined;
}

function servable(row: StatusListRow, now: Date): SignedStatusList | undefined {
  if (!row.signed_jwt || !row.etag || !row.valid_until) return undefined;
  const validUntil = new Date(row.valid_until);
  return validUntil > now ? { id: row.id, jwt: row.signed_jwt, etag: row.etag, validUntil } : undefined;
}
