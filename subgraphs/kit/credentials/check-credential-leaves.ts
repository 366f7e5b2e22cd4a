import { CREDENTIAL_LOG_TABLE } from '../../../credentials/issue/log-credential.ts';
import type { RecordFinding } from '../../../anchor/log/check-records.ts';
import type { Queryable } from '../../../store/database.ts';

/**
 * `govshare audit`, for a department that issues credentials: every credential leaf of its log
 * (the unsalted digest of a credential's signing input, logged in the issuing transaction) must
 * be the digest of an issued_credentials row, and every row must have its leaf. The record audit
 * (check-records.ts) cannot see this: it reads salted entries only, and the log audit checks the
 * tree, not what a leaf stands for. So without this, a credential signed with a stolen key and
 * logged straight into the table would be anchored and pass every verifier with no trace in the
 * audit. Findings name the credential (table `credential`, id its jti):
 *
 * - INSERTED: a credential leaf no issued credential accounts for: logged behind the issuer's
 *   back under a jti nobody issued, or a second leaf beside an issued credential's own.
 * - DELETED: an issued credential with no leaf under its jti (its log entry was removed).
 * - ALTERED: an issued credential whose leaf under its jti has another digest (the row's
 *   digest, or the leaf, changed).
 *
 * One statement, so one snapshot: an issuance commits its row and its leaf together.
 */
export async function checkCredentialLeaves(db: Queryable): Promise<RecordFinding[]> {
  const rows = await db.query<{ id: string; problem: RecordFinding['problem'] }>(
    `WITH leaves AS (
       SELECT record_id, digest FROM record_log WHERE record_table = $1 AND salt IS NULL
     ), issued AS (
       SELECT id, decode(digest, 'hex') AS digest FROM issued_credentials
     )
     SELECT l.record_id AS id, 'INSERTED' AS problem
       FROM leaves l LEFT JOIN issued c ON c.id = l.record_id
      WHERE c.id IS NULL
         OR (l.digest <> c.digest AND EXISTS (SELECT 1 FROM leaves m WHERE m.record_id = c.id AND m.digest = c.digest))
     UNION ALL
     SELECT c.id, CASE WHEN EXISTS (SELECT 1 FROM leaves l WHERE l.record_id = c.id) THEN 'ALTERED' ELSE 'DELETED' END
       FROM issued c
      WHERE NOT EXISTS (SELECT 1 FROM leaves l WHERE l.record_id = c.id AND l.digest = c.digest)
     ORDER BY 1, 2`,
    [CREDENTIAL_LOG_TABLE],
  );
  return rows.map(({ id, problem }) => ({ table: CREDENTIAL_LOG_TABLE, id, problem }));
}
