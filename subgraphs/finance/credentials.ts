import type { Queryable } from '../../store/database.ts';
import { endOfDay, noRecordIdFor, notEligible } from '../kit/credentials/claims-helpers.ts';
import type { ClaimsFromRecords, ClaimsRequest, DepartmentCredentials } from '../kit/credentials/types.ts';
import type { TaxAssessmentRow } from './store.ts';

/**
 * What finance's credentials state, from its own records (DEMO_ACCREDITATIONS: finance issues
 * TaxClearanceCredential). The issuing itself is the kit's.
 */
export const financeCredentials: DepartmentCredentials = {
  TaxClearanceCredential: {
    claims: taxClearanceClaims,
    // A clearance assessed without an end date is a statement as of its day: good for 90 days.
    validForDays: 90,
    demoClaims: (_subject, now) => ({ demo: true, taxClearance: { status: 'CLEARED', assessedOn: now.toISOString().slice(0, 10) } }),
  },
};

/**
 * The subject's current tax-clearance status: the latest assessment (by assessment date, then
 * by when it was recorded, as Citizen.taxClearance), whatever its status (CLEARED, ARREARS with
 * what is owed, UNDER_REVIEW): the credential states the status, a verifier decides what it
 * needs. It expires with the assessment's validUntil; one already past is NOT_ELIGIBLE.
 */
async function taxClearanceClaims(q: Queryable, { subject, recordId, now }: ClaimsRequest): Promise<ClaimsFromRecords | null> {
  noRecordIdFor('TaxClearanceCredential', recordId);
  const [assessment] = await q.query<TaxAssessmentRow>('SELECT * FROM tax_assessments WHERE did = $1 ORDER BY assessed_on DESC, sequence DESC LIMIT 1', [subject]);
  if (!assessment) return null;
  const expiresAt = assessment.valid_until === null ? undefined : endOfDay(assessment.valid_until);
  if (expiresAt && expiresAt <= now) throw notEligible(`the latest tax-clearance assessment was valid until ${assessment.valid_until}: a new assessment is needed`);
  return {
    recordId: assessment.id,
    ...(expiresAt && { expiresAt }),
    claims: {
      taxClearance: {
        status: assessment.status,
        assessedOn: assessment.assessed_on,
        ...(assessment.valid_until !== null && { validUntil: assessment.valid_until }),
        ...(assessment.outstanding_minor !== null && {
          outstanding: { minorUnits: Number(assessment.outstanding_minor), currency: assessment.outstanding_currency },
        }),
      },
    },
  };
}
