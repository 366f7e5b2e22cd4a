import type { Queryable } from '../../store/database.ts';
import { uuidOrNull } from '../kit/credentials/claims-helpers.ts';
import type { ClaimsFromRecords, ClaimsRequest, DepartmentCredentials } from '../kit/credentials/types.ts';
import type { CourseResultRow, DegreeRow, EnrolmentRow } from './store.ts';

/**
 * What education's credentials state, from its own records (DEMO_ACCREDITATIONS: education
 * issues DegreeCredential and TranscriptCredential). The issuing itself is the kit's.
 */
export const educationCredentials: DepartmentCredentials = {
  DegreeCredential: {
    claims: degreeClaims,
    demoClaims: () => ({
      demo: true,
      degree: { title: 'Bachelor of Engineering', field: 'Computer Science and Technology', level: 'BACHELOR', awardedOn: '2024-07-01' },
      institution: { name: 'Demo University', code: 'DEMO-U', country: 'CN' },
    }),
  },
  TranscriptCredential: {
    claims: transcriptClaims,
    demoClaims: () => ({
      demo: true,
      institution: { name: 'Demo University', code: 'DEMO-U', country: 'CN' },
      enrolment: { programme: 'Computer Science and Technology', level: 'BACHELOR', startDate: '2020-09-01', endDate: '2024-07-01', status: 'COMPLETED' },
      courses: [{ courseCode: 'CS1010', courseTitle: 'Programming Methodology', credits: 4, grade: 'A', passed: true, term: '2020-autumn', completedOn: '2021-01-15' }],
      totalCredits: 4,
    }),
  },
};

interface Institution {
  institution_name: string;
  institution_code: string;
  institution_country: string;
}

const institutionOf = (row: Institution) => ({ name: row.institution_name, code: row.institution_code, country: row.institution_country });
const INSTITUTION_COLUMNS = 'i.name AS institution_name, i.code AS institution_code, i.country AS institution_country';

/** A degree of the subject: the one named, else the latest awarded. Degrees do not expire. */
async function degreeClaims(q: Queryable, { subject, recordId }: ClaimsRequest): Promise<ClaimsFromRecords | null> {
  const id = uuidOrNull(recordId);
  if (id === false) return null;
  const [degree] = await q.query<DegreeRow & Institution>(
    `SELECT d.*, ${INSTITUTION_COLUMNS} FROM degrees d JOIN institutions i ON i.id = d.institution_id
      WHERE d.holder_did = $1 AND ($2::uuid IS NULL OR d.id = $2::uuid)
      ORDER BY d.awarded_on DESC, d.recorded_at DESC, d.id LIMIT 1`,
    [subject, id],
  );
  if (!degree) return null;
  return {
    recordId: degree.id,
    claims: {
      degree: {
        title: degree.title,
        field: degree.field,
        level: degree.level,
        ...(degree.honours !== null && { honours: degree.honours }),
        awardedOn: degree.awarded_on,
      },
      institution: institutionOf(degree),
    },
  };
}

/**
 * The transcript of one enrolment of the subject (the one named, else the latest started):
 * the programme, every course result recorded under it (credits, grade, pass) and the credits
 * of the passing ones. A snapshot: it does not expire, a later result needs a new transcript.
 */
async function transcriptClaims(q: Queryable, { subject, recordId }: ClaimsRequest): Promise<ClaimsFromRecords | null> {
  const id = uuidOrNull(recordId);
  if (id === false) return null;
  const [enrolment] = await q.query<EnrolmentRow & Institution>(
    `SELECT e.*, ${INSTITUTION_COLUMNS} FROM enrolments e JOIN institutions i ON i.id = e.institution_id
      WHERE e.student_did = $1 AND ($2::uuid IS NULL OR e.id = $2::uuid)
      ORDER BY e.start_date DESC, e.recorded_at DESC, e.id LIMIT 1`,
    [subject, id],
  );
  if (!enrolment) return null;
  const results = await q.query<CourseResultRow>('SELECT * FROM course_results WHERE enrolment_id = $1 ORDER BY completed_on, course_code, term', [enrolment.id]);
  // numeric(3,1) comes back as text; tenths summed as integers so 0.1 + 0.2 stays 0.3.
  const tenths = results.filter((r) => r.passed).reduce((sum, r) => sum + Math.round(Number(r.credits) * 10), 0);
  return {
    recordId: enrolment.id,
    claims: {
      institution: institutionOf(enrolment),
      enrolment: {
        programme: enrolment.programme,
        level: enrolment.level,
        startDate: enrolment.start_date,
        ...(enrolment.end_date !== null && { endDate: enrolment.end_date }),
        status: enrolment.status,
      },
      courses: results.map((r) => ({
        courseCode: r.course_code,
        courseTitle: r.course_title,
        credits: Number(r.credits),
        grade: r.grade,
        passed: r.passed,
        term: r.term,
        completedOn: r.completed_on,
      })),
      totalCredits: tenths / 10,
    },
  };
}
