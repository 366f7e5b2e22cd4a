import type { Queryable } from '../../store/database.ts';
import { noRecordIdFor, notEligible, uuidOrNull } from '../kit/credentials/claims-helpers.ts';
import type { ClaimsFromRecords, ClaimsRequest, DepartmentCredentials } from '../kit/credentials/types.ts';
import { STANDING_CONVICTIONS_SQL, type ConvictionRow, type EvidenceRow } from './store.ts';

/**
 * What justice's credentials state, from its own records (DEMO_ACCREDITATIONS: justice issues
 * NoCriminalRecordCredential and EvidenceReceiptCredential). The issuing itself is the kit's.
 */
export const justiceCredentials: DepartmentCredentials = {
  NoCriminalRecordCredential: {
    claims: noCriminalRecordClaims,
    // A certificate of no criminal record speaks for the day it was checked; 90 days is the
    // usual acceptance window, and the department can revoke it earlier.
    validForDays: 90,
    demoClaims: (_subject, now) => ({ demo: true, criminalRecord: { clean: true, checkedAt: now.toISOString() } }),
  },
  EvidenceReceiptCredential: {
    claims: evidenceReceiptClaims,
    demoClaims: (_subject, now) => ({
      demo: true,
      evidence: { title: 'Demo evidence', mediaType: 'application/pdf', sizeBytes: 1024, contentDigest: '0'.repeat(64), submittedAt: now.toISOString(), caseNumber: 'DEMO-1' },
    }),
  },
};

/**
 * A clean criminal record: no conviction stands against the subject in justice's records (the
 * same rule as Citizen.criminalRecord). Anyone without justice records has a clean record,
 * so this never answers NO_RECORDS; a standing conviction is NOT_ELIGIBLE.
 */
async function noCriminalRecordClaims(q: Queryable, { subject, recordId, now }: ClaimsRequest): Promise<ClaimsFromRecords | null> {
  noRecordIdFor('NoCriminalRecordCredential', recordId);
  const convictions = await q.query<ConvictionRow>(STANDING_CONVICTIONS_SQL, [[subject]]);
  if (convictions.length) throw notEligible('a conviction stands in the justice records');
  return { recordId: null, claims: { criminalRecord: { clean: true, checkedAt: now.toISOString() } } };
}

/**
 * A receipt for an evidence item the subject submitted (the one named, else the latest): what
 * it is, its SHA-256 content digest, when it was registered and in which case, so the
 * submitter can prove what they handed in and when. It does not expire.
 */
async function evidenceReceiptClaims(q: Queryable, { subject, recordId }: ClaimsRequest): Promise<ClaimsFromRecords | null> {
  const id = uuidOrNull(recordId);
  if (id === false) return null;
  const [evidence] = await q.query<EvidenceRow & { case_number: string; court_name: string }>(
    `SELECT e.*, c.case_number, ct.name AS court_name
       FROM evidence e JOIN cases c ON c.id = e.case_id JOIN courts ct ON ct.id = c.court_id
      WHERE e.submitted_by = $1 AND ($2::uuid IS NULL OR e.id = $2::uuid)
      ORDER BY e.submitted_at DESC, e.id DESC LIMIT 1`,
    [subject, id],
  );
  if (!evidence) return null;
  return {
    recordId: evidence.id,
    claims: {
      evidence: {
        id: evidence.id,
        title: evidence.title,
        mediaType: evidence.media_type,
        sizeBytes: Number(evidence.size_bytes),
        contentDigest: evidence.content_digest,
        submittedAt: evidence.submitted_at,
        caseNumber: evidence.case_number,
        court: evidence.court_name,
      },
    },
  };
}
