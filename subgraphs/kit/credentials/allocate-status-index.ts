import type { Queryable } from '../../../store/database.ts';
import { allocateIndex, Bitstring, type RandomBelow } from '../../../credentials/status/index.ts';
import type { CredentialSettings } from './settings.ts';

export interface StatusAllocation {
  series: number;
  index: number;
  /** The list ids of the series, one per purpose. */
  lists: { revocation: string; suspension: string };
}

/** A series' list ids: what follows `/status/<department>/` in its URLs. */
export function statusListIds(series: number): { revocation: string; suspension: string } {
  return { revocation: `revocation-${series}`, suspension: `suspension-${series}` };
}

/**
 * Gives a new credential its status index, inside the issuance transaction.
 *
 * One index per credential, the same in its series' revocation list and suspension list. Two
 * independent random indexes would hide nothing more (both entries travel in the same
 * credential, so a verifier sees both either way) and would double the allocation state; one
 * index keeps a credential's two bits at one position an operator can name.
 *
 * Uniformly random among the free indexes (allocateIndex; W3C Bitstring Status List v1.0,
 * privacy considerations): an index says nothing about when or with what else the credential
 * was issued. Allocations are kept in their own bitmap, never inferred from status bits, so an
 * index is never reused. The series row is locked for the allocation (one issuance at a time
 * per department: a few milliseconds), and a new series (two fresh lists) starts once the
 * current one is `seriesFillLimit` full.
 */
export async function allocateStatusIndex(tx: Queryable, settings: CredentialSettings, random?: RandomBelow): Promise<StatusAllocation> {
  let [series] = await tx.query<{ id: number; length: number; allocated: Uint8Array; allocated_count: number }>(
    'SELECT id, length, allocated, allocated_count FROM status_list_series ORDER BY id DESC LIMIT 1 FOR UPDATE',
  );
  if (!series || series.allocated_count >= Math.floor(series.length * settings.seriesFillLimit)) {
    const id = (series?.id ?? 0) + 1;
    const length = settings.listLength;
    // Two issuances may start the same series at once (PostgreSQL): the second waits for the
    // first's insert, inserts nothing, and allocates in the series the first created.
    await tx.query('INSERT INTO status_list_series (id, length, allocated) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING', [id, length, Buffer.alloc(length / 8)]);
    const lists = statusListIds(id);
    await tx.query("INSERT INTO status_lists (id, series, purpose) VALUES ($1, $3, 'revocation'), ($2, $3, 'suspension') ON CONFLICT (id) DO NOTHING", [
      lists.revocation,
      lists.suspension,
      id,
    ]);
    [series] = await tx.query<{ id: number; length: number; allocated: Uint8Array; allocated_count: number }>(
      'SELECT id, length, allocated, allocated_count FROM status_list_series WHERE id = $1 FOR UPDATE',
      [id],
    );
  }
  const { id, length } = series!;
  const allocated = Bitstring.fromBytes(series!.allocated);
  const index = allocateIndex((i) => allocated.get(i), length, random);
  allocated.set(index, true);
  await tx.query('UPDATE status_list_series SET allocated = $2, allocated_count = allocated_count + 1 WHERE id = $1', [id, Buffer.from(allocated.toBytes())]);
  return { series: id, index, lists: statusListIds(id) };
}
