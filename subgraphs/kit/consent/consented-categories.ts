import type { Queryable } from '../../../store/database.ts';

export interface ConsentQuery {
  /** Identity keys (credentials/consent/identity-of.ts) of the agency and the citizens. */
  agencyKey: string;
  purpose: string;
  citizenKeys: readonly string[];
  now: Date;
}

/**
 * For each citizen (in the order given), the categories their consents in force release to
 * this agency for this purpose (registered, not revoked, not expired, already valid), each with
 * the jti of a consent that releases it (the one registered last, for the audit). One query
 * for the whole batch (a page of citizens costs one look-up, not one per citizen); read at
 * request time, never cached across requests, so a revocation counts from the next request.
 */
export async function consentedCategories(db: Queryable, query: ConsentQuery): Promise<Map<string, string>[]> {
  const at = query.now.toISOString();
  const rows = await db.query<{ id: string; citizen_key: string; categories: string[] }>(
    `SELECT id, citizen_key, categories FROM consents
      WHERE citizen_key = ANY($1) AND agency_key = $2 AND purpose = $3 AND NOT revoked AND expires_at > $4 AND valid_from <= $4
      ORDER BY registered_at, id`,
    [[...query.citizenKeys], query.agencyKey, query.purpose, at],
  );
  const granted = new Map<string, Map<string, string>>();
  for (const row of rows) {
    const categories = granted.get(row.citizen_key) ?? new Map<string, string>();
    for (const category of row.categories) categories.set(category, row.id);
    granted.set(row.citizen_key, categories);
  }
  return query.citizenKeys.map((key) => granted.get(key) ?? new Map());
}
