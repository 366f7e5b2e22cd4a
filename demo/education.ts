import { createHash } from 'node:crypto';
import type { EducationStore, EnrolmentOutcome, InstitutionKind, QualificationLevel } from '../subgraphs/education/store.ts';
import type { DemoCitizen } from './citizens.ts';
import { demoId, pick, seededRandom } from './ids.ts';

/**
 * Demo education records: a register of real institutions, and for each demo
 * citizen one or two enrolments with their course results, a degree for about
 * half of them, now and then a credit transfer and a learning resource. All ids
 * come from demoId(...), so seeding again finds what the first run wrote.
 */

interface DemoInstitution {
  code: string;
  name: string;
  kind: InstitutionKind;
  city: string;
  country: string;
}

// Mainland institutions carry their Ministry of Education code; others a country-prefixed short code.
export const DEMO_INSTITUTIONS: readonly DemoInstitution[] = [
  { code: '10003', name: 'Tsinghua University', kind: 'UNIVERSITY', city: 'Beijing', country: 'CN' },
  { code: '10001', name: 'Peking University', kind: 'UNIVERSITY', city: 'Beijing', country: 'CN' },
  { code: '10335', name: 'Zhejiang University', kind: 'UNIVERSITY', city: 'Hangzhou', country: 'CN' },
  { code: '10246', name: 'Fudan University', kind: 'UNIVERSITY', city: 'Shanghai', country: 'CN' },
  { code: '10486', name: 'Wuhan University', kind: 'UNIVERSITY', city: 'Wuhan', country: 'CN' },
  { code: '10284', name: 'Nanjing University', kind: 'UNIVERSITY', city: 'Nanjing', country: 'CN' },
  { code: '11113', name: 'Shenzhen Polytechnic University', kind: 'VOCATIONAL', city: 'Shenzhen', country: 'CN' },
  { code: '10051', name: 'Beijing Film Academy', kind: 'COLLEGE', city: 'Beijing', country: 'CN' },
  { code: 'HK-HKU', name: 'The University of Hong Kong', kind: 'UNIVERSITY', city: 'Hong Kong', country: 'HK' },
  { code: 'SG-NUS', name: 'National University of Singapore', kind: 'UNIVERSITY', city: 'Singapore', country: 'SG' },
  { code: 'GB-UCL', name: 'University College London', kind: 'UNIVERSITY', city: 'London', country: 'GB' },
  { code: 'DE-TUM', name: 'Technical University of Munich', kind: 'UNIVERSITY', city: 'Munich', country: 'DE' },
];

const UNIVERSITIES = DEMO_INSTITUTIONS.filter((i) => i.kind === 'UNIVERSITY');
const MAINLAND_UNIVERSITIES = UNIVERSITIES.filter((i) => i.country === 'CN');
const VOCATIONAL = DEMO_INSTITUTIONS.filter((i) => i.kind === 'VOCATIONAL');
const FILM_ACADEMY = DEMO_INSTITUTIONS.filter((i) => i.kind === 'COLLEGE');

type Course = readonly [code: string, title: string, mainlandCredits: number];

interface Programme {
  name: string;
  level: QualificationLevel;
  degreeTitle: string;
  years: number;
  courses: readonly Course[];
}

const BACHELOR_PROGRAMMES: readonly Programme[] = [
  {
    name: 'Computer Science and Technology',
    level: 'BACHELOR',
    degreeTitle: 'Bachelor of Engineering',
    years: 4,
    courses: [
      ['CS1001', 'Programming Fundamentals', 3], ['MATH1101', 'Calculus I', 5], ['MATH1201', 'Linear Algebra', 4],
      ['CS2002', 'Data Structures and Algorithms', 4], ['CS2105', 'Computer Organisation', 3], ['CS3001', 'Operating Systems', 4],
      ['CS3102', 'Computer Networks', 3], ['CS3205', 'Database Systems', 3],
    ],
  },
  {
    name: 'Economics',
    level: 'BACHELOR',
    degreeTitle: 'Bachelor of Economics',
    years: 4,
    courses: [
      ['ECON1001', 'Principles of Microeconomics', 3], ['ECON1002', 'Principles of Macroeconomics', 3], ['MATH1105', 'Probability and Statistics', 4],
      ['ECON2101', 'Intermediate Microeconomics', 3], ['ECON2201', 'Econometrics', 4], ['FIN2001', 'Corporate Finance', 3],
      ['ECON3104', 'International Trade', 2], ['ECON3210', 'Development Economics', 2],
    ],
  },
  {
    name: 'Law',
    level: 'BACHELOR',
    degreeTitle: 'Bachelor of Laws',
    years: 4,
    courses: [
      ['LAW1001', 'Jurisprudence', 3], ['LAW1102', 'Constitutional Law', 3], ['LAW2001', 'Civil Law', 4],
      ['LAW2103', 'Criminal Law', 4], ['LAW2205', 'Contract Law', 3], ['LAW3001', 'Civil Procedure', 3],
      ['LAW3102', 'Public International Law', 2], ['LAW3210', 'Intellectual Property Law', 2],
    ],
  },
  {
    name: 'Clinical Medicine',
    level: 'BACHELOR',
    degreeTitle: 'Bachelor of Medicine',
    years: 5,
    courses: [
      ['MED1001', 'Systematic Anatomy', 5], ['MED1102', 'Physiology', 4], ['MED2001', 'Biochemistry and Molecular Biology', 4],
      ['MED2105', 'Pathology', 4], ['MED3001', 'Pharmacology', 3], ['MED3102', 'Diagnostics', 4],
      ['MED4001', 'Internal Medicine', 6], ['MED4102', 'Surgery', 6],
    ],
  },
  {
    name: 'Chinese Language and Literature',
    level: 'BACHELOR',
    degreeTitle: 'Bachelor of Arts',
    years: 4,
    courses: [
      ['CHN1001', 'Classical Chinese', 3], ['CHN1102', 'Modern Chinese', 3], ['CHN2001', 'History of Chinese Literature', 4],
      ['CHN2103', 'Introduction to Linguistics', 2], ['CHN2204', 'Tang and Song Poetry', 2], ['CHN3001', 'Modern Chinese Fiction', 2],
      ['CHN3105', 'Comparative Literature', 2], ['CHN3206', 'Literary Theory', 3],
    ],
  },
  {
    name: 'Mechanical Engineering',
    level: 'BACHELOR',
    degreeTitle: 'Bachelor of Engineering',
    years: 4,
    courses: [
      ['ME1001', 'Engineering Drawing', 3], ['MATH1101', 'Calculus I', 5], ['PHYS1001', 'University Physics', 4],
      ['ME2001', 'Theoretical Mechanics', 4], ['ME2102', 'Mechanics of Materials', 4], ['ME3001', 'Thermodynamics', 3],
      ['ME3105', 'Machine Design', 3], ['ME3208', 'Control Engineering', 3],
    ],
  },
];

const VOCATIONAL_PROGRAMMES: readonly Programme[] = [
  {
    name: 'Software Technology',
    level: 'DIPLOMA',
    degreeTitle: 'Diploma in Software Technology',
    years: 3,
    courses: [
      ['ST101', 'Web Front-end Development', 4], ['ST102', 'Java Programming', 4], ['ST201', 'Mobile Application Development', 4],
      ['ST202', 'Software Testing', 3], ['ST203', 'Cloud Deployment Practice', 3], ['ST301', 'Enterprise Internship', 10],
    ],
  },
  {
    name: 'Mechatronics Technology',
    level: 'DIPLOMA',
    degreeTitle: 'Diploma in Mechatronics Technology',
    years: 3,
    courses: [
      ['MT101', 'Electrical Fundamentals', 4], ['MT102', 'PLC Programming', 4], ['MT201', 'Industrial Robotics', 4],
      ['MT202', 'CNC Machining', 3], ['MT203', 'Sensors and Actuators', 3], ['MT301', 'Enterprise Internship', 10],
    ],
  },
];

const FILM_PROGRAMMES: readonly Programme[] = [
  {
    name: 'Film Directing',
    level: 'BACHELOR',
    degreeTitle: 'Bachelor of Fine Arts',
    years: 4,
    courses: [
      ['FD101', 'History of World Cinema', 3], ['FD102', 'Screenwriting', 3], ['FD201', 'Cinematography', 4],
      ['FD202', 'Film Editing', 3], ['FD301', 'Directing Actors', 4], ['FD302', 'Short Film Workshop', 6],
    ],
  },
];

const MASTER_PROGRAMMES: readonly Programme[] = [
  {
    name: 'Artificial Intelligence',
    level: 'MASTER',
    degreeTitle: 'Master of Science',
    years: 2,
    courses: [
      ['AI5001', 'Machine Learning', 4], ['AI5002', 'Deep Learning', 4], ['AI5103', 'Natural Language Processing', 3],
      ['AI5204', 'Computer Vision', 3], ['AI6001', 'Research Methods', 2],
    ],
  },
  {
    name: 'Public Administration',
    level: 'MASTER',
    degreeTitle: 'Master of Public Administration',
    years: 2,
    courses: [
      ['PA5001', 'Public Policy Analysis', 3], ['PA5002', 'Public Finance', 3], ['PA5103', 'Digital Government', 2],
      ['PA5204', 'Administrative Law', 2], ['PA6001', 'Policy Research Seminar', 2],
    ],
  },
  {
    name: 'Finance',
    level: 'MASTER',
    degreeTitle: 'Master of Finance',
    years: 2,
    courses: [
      ['FIN5001', 'Asset Pricing', 3], ['FIN5002', 'Financial Econometrics', 3], ['FIN5103', 'Fixed Income Securities', 2],
      ['FIN5204', 'Risk Management', 2], ['FIN6001', 'FinTech and Digital Currency', 2],
    ],
  },
];

// Credits per course outside the mainland, where course weights follow the local credit system.
const CREDITS_BY_COUNTRY: Record<string, number> = { HK: 6, SG: 4, GB: 15, DE: 6 };
const LETTER_GRADES = ['A+', 'A', 'A', 'A-', 'A-', 'B+', 'B+', 'B', 'B', 'B-', 'C+', 'C', 'D', 'F'];
const HONOURS: Record<string, readonly (string | null)[]> = {
  CN: [null, null, null, 'Outstanding Graduate'],
  HK: ['First Class Honours', 'Second Class Honours (Division I)', 'Second Class Honours (Division II)', null],
  GB: ['First Class Honours', 'Upper Second Class Honours', 'Lower Second Class Honours'],
  SG: ['Honours (Highest Distinction)', 'Honours (Distinction)', 'Honours (Merit)', null],
  DE: [null, 'with distinction'],
};
const RESOURCE_KINDS = [
  { prefix: 'Lecture Notes on', mediaType: 'application/pdf' },
  { prefix: 'Recorded Lectures:', mediaType: 'video/mp4' },
  { prefix: 'Problem Sets for', mediaType: 'text/markdown' },
  { prefix: 'Open Textbook:', mediaType: 'application/epub+zip' },
] as const;
const LICENSES = ['CC-BY-4.0', 'CC-BY-4.0', 'CC-BY-SA-4.0', 'CC-BY-NC-4.0', 'CC0-1.0'];

/** One enrolment as planned from the citizen's random draws, before today's date decides what has happened. */
interface PlannedEnrolment {
  key: number;
  institution: DemoInstitution;
  programme: Programme;
  startYear: number;
  courseCount: number;
  fate: number;
  honours: string | null;
}

// A plan's `fate` (0-1) decides how a finished programme ended: a degree below DEGREE_FATE
// (about half), a withdrawal from WITHDRAWAL_FATE on, completion without a registered degree between.
const DEGREE_FATE = 0.5;
const WITHDRAWAL_FATE = 0.8;

/** How many citizens are seeded at once: overlaps store round trips on PostgreSQL, harmless on PGlite. */
const CONCURRENCY = 4;

export async function seedEducation(
  store: EducationStore,
  citizens: DemoCitizen[],
  onProgress?: (done: number) => void,
): Promise<{ records: number }> {
  let records = 0;
  for (const institution of DEMO_INSTITUTIONS) {
    await store.registerInstitution({ id: institutionId(institution), ...institution });
    records++;
  }
  const today = new Date().toISOString().slice(0, 10);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < citizens.length) {
      const citizen = citizens[next++]!;
      // Await first: `records += await ...` would read `records` before the await and lose other workers' counts.
      const written = await seedCitizen(store, citizen, today);
      records += written;
      onProgress?.(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, citizens.length) }, worker));
  return { records };
}

function institutionId(institution: DemoInstitution): string {
  return demoId('education', 'institution', institution.code);
}

/** Writes one citizen's records; returns how many records it made sure exist. */
async function seedCitizen(store: EducationStore, citizen: DemoCitizen, today: string): Promise<number> {
  const random = seededRandom(`education:${citizen.did}`);
  const plans = planEnrolments(random, citizen);
  const wantsTransfer = random() < 0.4;
  const wantsResource = random() < 0.12;
  const resourceKind = pick(random, RESOURCE_KINDS);
  const license = pick(random, LICENSES);

  let records = 0;
  const passedResults: { id: string; credits: number; completedOn: string; institution: DemoInstitution }[] = [];
  for (const plan of plans) {
    const startDate = `${plan.startYear}-09-01`;
    if (startDate > today) break;
    const enrolmentId = demoId('education', 'enrolment', citizen.did, plan.key);
    await store.enrolStudent({
      id: enrolmentId,
      studentDid: citizen.did,
      institutionId: institutionId(plan.institution),
      programme: plan.programme.name,
      level: plan.programme.level,
      startDate,
    });
    records++;

    const endYear = plan.startYear + plan.programme.years;
    const plannedEnd = `${endYear}-07-01`;
    const finished = plannedEnd <= today;
    const outcome: 'DEGREE' | EnrolmentOutcome | 'ACTIVE' = !finished ? 'ACTIVE' : plan.fate < DEGREE_FATE ? 'DEGREE' : plan.fate < WITHDRAWAL_FATE ? 'COMPLETED' : 'WITHDRAWN';
    const lastDay = outcome === 'WITHDRAWN' ? `${plan.startYear + 1}-07-15` : outcome === 'ACTIVE' ? today : plannedEnd;

    for (const [index, course] of courseSchedule(plan, `${citizen.did}:${plan.key}`)) {
      if (course.completedOn > lastDay) continue;
      const result = await store.recordCourseResult({
        id: demoId('education', 'course-result', citizen.did, plan.key, index),
        enrolmentId,
        courseCode: course.code,
        courseTitle: course.title,
        credits: course.credits,
        grade: course.grade,
        term: course.term,
        completedOn: course.completedOn,
      });
      records++;
      if (result.passed) passedResults.push({ id: result.id, credits: course.credits, completedOn: course.completedOn, institution: plan.institution });
    }

    if (outcome === 'DEGREE') {
      await store.awardDegree({
        id: demoId('education', 'degree', citizen.did, plan.key),
        holderDid: citizen.did,
        institutionId: institutionId(plan.institution),
        enrolmentId,
        title: plan.programme.degreeTitle,
        field: plan.programme.name,
        honours: plan.honours,
        awardedOn: plannedEnd,
      });
      records++;
    } else if (outcome === 'COMPLETED' || outcome === 'WITHDRAWN') {
      await store.endEnrolment({ enrolmentId, outcome, endDate: lastDay });
    }

    // A master's student sometimes has a course from their first institution recognised.
    const earlier = passedResults.find((r) => r.institution !== plan.institution);
    if (plan.key > 0 && wantsTransfer && earlier && earlier.completedOn <= startDate) {
      await store.recordCreditTransfer({
        id: demoId('education', 'credit-transfer', citizen.did, plan.key),
        studentDid: citizen.did,
        courseResultId: earlier.id,
        toInstitutionId: institutionId(plan.institution),
        creditsRecognised: Math.min(earlier.credits, 4),
        recognisedAs: 'Elective credit',
        recognisedOn: startDate,
      });
      records++;
    }
  }

  const first = plans[0]!;
  if (wantsResource && `${first.startYear}-09-01` <= today) {
    const subject = first.programme.courses[Math.floor(first.fate * first.programme.courses.length)]![1];
    await store.registerLearningResource({
      id: demoId('education', 'learning-resource', citizen.did),
      title: `${resourceKind.prefix} ${subject}`,
      authorDid: citizen.did,
      contentDigest: createHash('sha256').update(`govshare-demo-learning-resource:${citizen.did}`).digest('hex'),
      mediaType: resourceKind.mediaType,
      license,
      institutionId: institutionId(first.institution),
    });
    records++;
  }
  return records;
}

/** One or two enrolments from the citizen's birth year: a first degree at 18, sometimes a master's after it. */
function planEnrolments(random: () => number, citizen: DemoCitizen): PlannedEnrolment[] {
  const birthYear = Number(citizen.birthDate.slice(0, 4));
  const track = random();
  const [institution, programmes] =
    track < 0.15
      ? [pick(random, VOCATIONAL), VOCATIONAL_PROGRAMMES]
      : track < 0.2
        ? [pick(random, FILM_ACADEMY), FILM_PROGRAMMES]
        : track < 0.85
          ? [pick(random, MAINLAND_UNIVERSITIES), BACHELOR_PROGRAMMES]
          : [pick(random, UNIVERSITIES), BACHELOR_PROGRAMMES];
  const firstPlan = plan(random, 0, institution, pick(random, programmes), birthYear + 18);
  const wantsMaster = random() < 0.3;
  const gap = Math.floor(random() * 3);
  const masterInstitution = pick(random, UNIVERSITIES.filter((u) => u !== institution));
  const masterPlan = plan(random, 1, masterInstitution, pick(random, MASTER_PROGRAMMES), firstPlan.startYear + firstPlan.programme.years + gap);
  // 4-8 results in all, split between the enrolments.
  const total = 4 + Math.floor(random() * 5);
  // A master's only follows a bachelor's that was not abandoned.
  if (!wantsMaster || firstPlan.programme.level !== 'BACHELOR' || firstPlan.fate >= WITHDRAWAL_FATE) return [{ ...firstPlan, courseCount: total }];
  const masterCourses = 2 + Math.floor(random() * 2);
  return [
    { ...firstPlan, courseCount: total - masterCourses },
    { ...masterPlan, courseCount: masterCourses },
  ];
}

function plan(random: () => number, key: number, institution: DemoInstitution, programme: Programme, startYear: number): PlannedEnrolment {
  const fate = random();
  const honours = pick(random, HONOURS[institution.country] ?? [null]);
  return { key, institution, programme, startYear, courseCount: 0, fate, honours };
}

interface ScheduledCourse {
  code: string;
  title: string;
  credits: number;
  grade: string;
  term: string;
  completedOn: string;
}

/** Spreads an enrolment's courses over its semesters (autumn ends mid-January, spring at the end of June). */
function courseSchedule(plan: PlannedEnrolment, seed: string): [number, ScheduledCourse][] {
  const random = seededRandom(`education:courses:${seed}`);
  const semesters = plan.programme.years * 2;
  const courses = plan.programme.courses.slice(0, plan.courseCount);
  return courses.map(([code, title, mainlandCredits], index) => {
    const semester = Math.floor((index * semesters) / courses.length);
    const year = plan.startYear + Math.floor(semester / 2);
    const autumn = semester % 2 === 0;
    const course: ScheduledCourse = {
      code,
      title,
      credits: CREDITS_BY_COUNTRY[plan.institution.country] ?? mainlandCredits,
      grade: grade(random, plan.institution, code),
      term: autumn ? `${year}-autumn` : `${year + 1}-spring`,
      completedOn: autumn ? `${year + 1}-01-15` : `${year + 1}-06-30`,
    };
    return [index, course];
  });
}

/** Mainland grades are percentages, elsewhere letters; internships are pass/fail. */
function grade(random: () => number, institution: DemoInstitution, courseCode: string): string {
  const draw = random();
  if (/^(ST|MT)301$/.test(courseCode)) return draw < 0.95 ? 'P' : 'F';
  if (institution.country === 'CN') return String(draw < 0.06 ? 40 + Math.floor(random() * 20) : 60 + Math.floor(random() * 39));
  return LETTER_GRADES[Math.floor(draw * LETTER_GRADES.length)]!;
}
