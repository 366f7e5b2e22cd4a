import { createHash } from 'node:crypto';
import { computeAddress } from 'ethers';
import type { Queryable } from '../../../store/database.ts';
import { signStatusList } from '../../../credentials/issue/sign-status-list.ts';
import { statusListUrl } from '../../../credentials/issue/status-list-url.ts';
import { Bitstring, type StatusPurpose } from '../../../credentials/status/index.ts';
import type { CredentialSettings } from './settings.ts';
import type { IssuerIdentity } from './types.ts';

/** A status list as it is served: the signed list credential and its HTTP validators. */
export interface SignedStatusList {
  id: string;
  jwt: string;
  etag: string;
  validUntil: Date;
}

export interface StatusListRow {
  id: string;
  series: number;
  purpose: StatusPurpose;
  version: number;
  signed_jwt: string | null;
  signed_version: number | null;
  signed_by: string | null;
  etag: string | null;
  valid_until: string | null;
}

/** The address of the key that signs now: a list signed by another key (before a rotation) is signed again. */
export function signingKeyAddress(issuer: Pick<IssuerIdentity, 'privateKey'>): string {
  return computeAddress(issuer.privateKey).toLowerCase();
}

/**
 * Signs one list as the issued credentials make it now and stores the result with the
 * version it reflects, inside `tx` (a status change signs in its own transaction, so the list
 * that is served and the rows that are audited never disagree). The bits are derived, never
 * stored: bit i of a series' revocation (suspension) list is set iff the credential at index
 * i of that series is revoked (suspended). CPU only (gzip of 16 KB, one ES256K signature).
 */
export async function signStatusListRow(tx: Queryable, listId: string, issuer: IssuerIdentity, settings: CredentialSettings, now: Date): Promise<SignedStatusList> {
  const [row] = await tx.query<StatusListRow & { length: number }>(
    'SELECT l.*, s.length FROM status_lists l JOIN status_list_series s ON s.id = l.series WHERE l.id = $1 FOR UPDATE OF l',
    [listId],
  );
  if (!row) throw new Error(`no status list ${listId}`);
  const flag = row.purpose === 'revocation' ? 'revoked' : 'suspended';
  const set = await tx.query<{ status_index: number }>(`SELECT status_index FROM issued_credentials WHERE status_series = $1 AND ${flag}`, [row.series]);
  const bitstring = new Bitstring(row.length);
  for (const { status_index } of set) bitstring.set(status_index, true);

  const validFrom = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const validUntil = new Date(validFrom.getTime() + settings.listValidityMs);
  const jwt = await signStatusList({
    issuer: { did: issuer.did, privateKey: issuer.privateKey },
    listUrl: statusListUrl(settings.publicUrl, settings.department, listId),
    purpose: row.purpose,
    bitstring,
    validFrom,
    validUntil,
    ttlMs: settings.listTtlMs,
  });
  // A strong validator of the exact bytes served (RFC 9110 §8.8.3).
  const etag = `"${createHash('sha256').update(jwt).digest('base64url').slice(0, 32)}"`;
  await tx.query('UPDATE status_lists SET signed_jwt = $2, signed_version = version, signed_by = $3, etag = $4, valid_until = $5 WHERE id = $1', [
    listId,
    jwt,
    signingKeyAddress(issuer),
    etag,
    validUntil.toISOString(),
  ]);
  return { id: listId, jwt, etag, validUntil };
}

/** Marks a series' list of `purpose` as changed (its bits differ from the signed copy); returns its id. */
export async function markStatusListChanged(tx: Queryable, series: number, purpose: StatusPurpose): Promise<string> {
  const [row] = await tx.query<{ id: string }>('UPDATE status_lists SET version = version + 1 WHERE series = $1 AND purpose = $2 RETURNING id', [series, purpose]);
  if (!row) throw new Error(`series ${series} has no ${purpose} list`);
  return row.id;
}
