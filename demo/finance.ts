import { formatMoney } from '../subgraphs/kit/scalars.ts';
import type { FinanceStore, TaxClearanceStatus } from '../subgraphs/finance/store.ts';
import { ErrorCode } from '../subgraphs/kit/errors.ts';
import { GovshareError } from '../platform/errors.ts';
import type { DemoCitizen } from './citizens.ts';
import { demoId, pick, seededRandom } from './ids.ts';

/**
 * Finance demo data: every citizen on the taxpayer register with a tax
 * clearance, budgets of five departments for fiscal years 2025 and 2026 (CNY,
 * hundreds of millions of yuan: far beyond 2^31 fen), appropriations within each
 * budget, payments within each appropriation (to suppliers, and to citizens for
 * scholarships, subsidies and assistance), and two corrections: one effective,
 * one pending. Ids come from demoId(), so a second run writes nothing new.
 *
 * Payees are fictional companies and institutions with realistic names.
 */

const CURRENCY = 'CNY';
const FISCAL_YEARS = [2025, 2026] as const;
type FiscalYear = (typeof FISCAL_YEARS)[number];
/** Budgets grow by this much from 2025 to 2026. */
const GROWTH_2026 = 1.04;

const fen = (yuan: number): number => Math.round(yuan * 100);

interface Supplier {
  payee: string;
  /** What the payment bought, for its purpose line. */
  service: string;
}

interface BudgetLine {
  key: string;
  purpose: string;
  /** Share of the budget total appropriated to this line. */
  share: number;
  /** Payments to suppliers; a line paying citizens has its disbursing bank only. */
  suppliers: Supplier[];
}

interface DemoBudget {
  department: string;
  title: string;
  totalYuan: number;
  lines: BudgetLine[];
}

const DISBURSING_BANK = 'Huitong Bank Co., Ltd., Public Payments Department';

const BUDGETS: DemoBudget[] = [
  {
    department: 'education',
    title: 'Education Bureau operating and development budget',
    totalYuan: 960_000_000,
    lines: [
      { key: 'student-aid', purpose: 'National scholarships and student grants', share: 0.14, suppliers: [] },
      {
        key: 'teachers',
        purpose: 'Teacher salaries and professional training',
        share: 0.38,
        suppliers: [
          { payee: 'Municipal Education Payroll Centre', service: 'teacher payroll, first quarter' },
          { payee: 'Municipal Education Payroll Centre', service: 'teacher payroll, second quarter' },
          { payee: 'Beijing Normal University Continuing Education College', service: 'professional development courses for teachers' },
        ],
      },
      {
        key: 'construction',
        purpose: 'School construction and renovation',
        share: 0.22,
        suppliers: [
          { payee: 'Shanghai Huaxin Construction Engineering Co., Ltd.', service: 'classroom block renovation, phase 1' },
          { payee: 'Jianke Green Building Technology Co., Ltd.', service: 'energy retrofit of primary school buildings' },
          { payee: 'Meridian Structural Consultants (Shanghai) Ltd.', service: 'structural safety survey of school buildings' },
        ],
      },
      {
        key: 'digital',
        purpose: 'Smart campus and digital learning platforms',
        share: 0.09,
        suppliers: [
          { payee: 'Hangzhou Zhixue Information Technology Co., Ltd.', service: 'smart classroom displays and installation' },
          { payee: 'Neuedu Online Learning Services Co., Ltd.', service: 'digital learning platform licences' },
          { payee: 'Pacific Rim Computer Systems (Shenzhen) Ltd.', service: 'student laptops for rural schools' },
        ],
      },
    ],
  },
  {
    department: 'finance',
    title: 'Finance Bureau administration budget',
    totalYuan: 310_000_000,
    lines: [
      {
        key: 'tax-systems',
        purpose: 'Tax administration information systems',
        share: 0.2,
        suppliers: [
          { payee: 'Beijing Jinshui Software Co., Ltd.', service: 'electronic invoice platform, milestone 2' },
          { payee: 'Huarong Cloud Data Centre Co., Ltd.', service: 'data centre hosting' },
          { payee: 'Sterling & Wei Advisory (China) Ltd.', service: 'security audit of the tax systems' },
        ],
      },
      { key: 'start-up', purpose: 'Business start-up subsidies', share: 0.12, suppliers: [] },
      {
        key: 'treasury',
        purpose: 'Treasury operations and government audit',
        share: 0.25,
        suppliers: [
          { payee: 'Zhongcheng Payment Clearing Services Co., Ltd.', service: 'treasury payment clearing services' },
          { payee: 'Dahua Zhongxin Certified Public Accountants LLP', service: 'audit of departmental final accounts' },
          { payee: 'Shenyang Anxin Security Printing Co., Ltd.', service: 'secure printing of fiscal receipts' },
        ],
      },
      {
        key: 'procurement',
        purpose: 'Government procurement platform',
        share: 0.06,
        suppliers: [
          { payee: 'Nanjing Tongda Procurement Systems Co., Ltd.', service: 'e-procurement platform operation' },
          { payee: 'Guangzhou Xinda Tendering Agency Co., Ltd.', service: 'tendering agency services' },
          { payee: 'Global Trade Compliance Partners Ltd.', service: 'procurement compliance review' },
        ],
      },
    ],
  },
  {
    department: 'justice',
    title: 'Justice Bureau and courts budget',
    totalYuan: 420_000_000,
    lines: [
      {
        key: 'courts',
        purpose: 'Court operations and case management',
        share: 0.4,
        suppliers: [
          { payee: 'Tongfang Court Information Systems Co., Ltd.', service: 'case management system maintenance' },
          { payee: 'Beijing Huayu Property Management Co., Ltd.', service: 'courthouse facility management' },
          { payee: 'Yunda Judicial Document Delivery Co., Ltd.', service: 'service of court documents by post' },
        ],
      },
      {
        key: 'legal-aid',
        purpose: 'Legal aid services',
        share: 0.12,
        suppliers: [
          { payee: 'Shanghai Legal Aid Centre', service: 'legal aid case fees' },
          { payee: 'Kangda & Partners Law Firm', service: 'duty lawyer services at detention centres' },
          { payee: 'Chengdu Minsheng Law Firm', service: "legal aid for migrant workers' wage claims" },
        ],
      },
      { key: 'victim-aid', purpose: 'Judicial assistance for victims of crime', share: 0.05, suppliers: [] },
      {
        key: 'evidence',
        purpose: 'Electronic evidence and smart court platform',
        share: 0.08,
        suppliers: [
          { payee: 'Shenzhen Xinzheng Blockchain Technology Co., Ltd.', service: 'electronic evidence platform, milestone 1' },
          { payee: 'Beijing Anxin Cryptography Technology Co., Ltd.', service: 'hardware security modules for evidence encryption' },
          { payee: 'Wuhan Guanggu Forensic Data Services Co., Ltd.', service: 'digital forensics laboratory equipment' },
        ],
      },
    ],
  },
  {
    department: 'health',
    title: 'Health Commission budget',
    totalYuan: 1_250_000_000,
    lines: [
      { key: 'medical-aid', purpose: 'Critical illness medical assistance', share: 0.15, suppliers: [] },
      {
        key: 'equipment',
        purpose: 'Public hospital equipment',
        share: 0.3,
        suppliers: [
          { payee: 'Shenzhen Kangtai Medical Devices Co., Ltd.', service: 'patient monitors for county hospitals' },
          { payee: 'Nordmann Medical Imaging (China) Co., Ltd.', service: 'CT scanners, four units' },
          { payee: 'Guoyao Medical Supply Chain Co., Ltd.', service: 'equipment logistics and installation' },
        ],
      },
      {
        key: 'immunisation',
        purpose: 'Immunisation programme',
        share: 0.1,
        suppliers: [
          { payee: 'Changchun Huasheng Biological Products Co., Ltd.', service: 'seasonal influenza vaccine' },
          { payee: 'Wuhan Kangsheng Biological Products Co., Ltd.', service: 'HPV vaccine for girls aged 13 to 14' },
          { payee: 'Qingdao Lengyun Cold Chain Co., Ltd.', service: 'vaccine cold-chain refrigerators' },
        ],
      },
      {
        key: 'primary-care',
        purpose: 'Community health centres',
        share: 0.2,
        suppliers: [
          { payee: 'Chengdu Jianmin Construction Group Co., Ltd.', service: 'community health centre construction' },
          { payee: 'Shanghai Yikang Health Information Co., Ltd.', service: 'family doctor contracting system' },
          { payee: 'Guangdong Institute of Primary Care Training', service: 'general practitioner training' },
        ],
      },
    ],
  },
  {
    department: 'transport',
    title: 'Transport Bureau budget',
    totalYuan: 780_000_000,
    lines: [
      {
        key: 'roads',
        purpose: 'Road and bridge maintenance',
        share: 0.35,
        suppliers: [
          { payee: 'Jiangsu Tongda Road and Bridge Construction Co., Ltd.', service: 'resurfacing of the ring road, section 3' },
          { payee: 'Shandong Luqiao Maintenance Engineering Co., Ltd.', service: 'bridge inspection and repair' },
          { payee: 'Meridian Transport Consultants (Asia) Ltd.', service: 'pavement condition survey' },
        ],
      },
      {
        key: 'public-transport',
        purpose: 'Metro and bus operating grants',
        share: 0.3,
        suppliers: [
          { payee: 'City Metro Operations Group Co., Ltd.', service: 'operating grant' },
          { payee: 'City Bus Group Co., Ltd.', service: 'operating grant for rural bus routes' },
          { payee: 'Xiamen Haixia New Energy Bus Co., Ltd.', service: 'electric buses, forty units' },
        ],
      },
      { key: 'fare-subsidy', purpose: 'Senior citizen public transport fare subsidies', share: 0.06, suppliers: [] },
      {
        key: 'traffic',
        purpose: 'Intelligent traffic management systems',
        share: 0.08,
        suppliers: [
          { payee: 'Hangzhou Tianyan Intelligent Traffic Co., Ltd.', service: 'adaptive traffic signal system' },
          { payee: 'Beijing Jiaotong Data Technology Co., Ltd.', service: 'traffic data platform' },
          { payee: 'Rheinland Mobility Systems (China) Ltd.', service: 'toll gantry upgrade' },
        ],
      },
    ],
  },
];

/** Payments to citizens: who is eligible, out of which budget line, how much. */
interface CitizenProgramme {
  department: string;
  line: string;
  eligible(citizen: DemoCitizen, year: FiscalYear): boolean;
  /**
   * The payee text on the public ledger: a non-identifying description, never
   * the citizen's name (the citizen is the payment's payeeDid, 'finance.payments').
   */
  beneficiary: string;
  award(random: () => number): { yuan: number; purpose: string };
}

const birthYear = (c: DemoCitizen): number => Number(c.birthDate.slice(0, 4));

const PROGRAMMES: CitizenProgramme[] = [
  {
    department: 'education',
    line: 'student-aid',
    beneficiary: 'Individual beneficiary (student aid)',
    eligible: (c, year) => year - birthYear(c) <= 26,
    award: (random) =>
      pick(random, [
        { yuan: 10_000, purpose: 'National Scholarship' },
        { yuan: 6_000, purpose: 'National Encouragement Scholarship' },
        { yuan: 3_700, purpose: 'National Student Grant' },
      ]),
  },
  {
    department: 'finance',
    line: 'start-up',
    beneficiary: 'Individual beneficiary (start-up subsidy)',
    eligible: (c, year) => year - birthYear(c) <= 45,
    award: (random) => ({ yuan: 5_000 + 1_000 * Math.floor(random() * 11), purpose: 'Business start-up subsidy' }),
  },
  {
    department: 'justice',
    line: 'victim-aid',
    beneficiary: 'Individual beneficiary (victim assistance)',
    eligible: () => true,
    award: (random) => ({ yuan: 3_000 + 500 * Math.floor(random() * 55), purpose: 'Judicial assistance to a victim of crime' }),
  },
  {
    department: 'health',
    line: 'medical-aid',
    beneficiary: 'Individual beneficiary (medical assistance)',
    eligible: () => true,
    award: (random) => ({ yuan: 2_000 + 10 * Math.floor(random() * 1_801), purpose: 'Critical illness medical assistance' }),
  },
  {
    department: 'transport',
    line: 'fare-subsidy',
    beneficiary: 'Individual beneficiary (fare subsidy)',
    eligible: (c, year) => year - birthYear(c) >= 60,
    award: (random) => ({ yuan: 600 + 50 * Math.floor(random() * 13), purpose: 'Senior citizen public transport fare subsidy' }),
  },
];

/** About this share of citizens receives one payment from a programme they are eligible for. */
const CITIZEN_PAYMENT_SHARE = 0.4;

// Region codes of the demo cities, the first six digits of a tax number.
const REGION_CODES: Record<string, string> = {
  Beijing: '110000', Shanghai: '310000', Guangzhou: '440100', Shenzhen: '440300', Hangzhou: '330100',
  Chengdu: '510100', Wuhan: '420100', "Xi'an": '610100', Nanjing: '320100', 'Hong Kong': '810000',
};

export async function seedFinance(
  store: FinanceStore,
  citizens: DemoCitizen[],
  onProgress?: (done: number) => void,
): Promise<{ records: number }> {
  let records = 0;
  const count = <T>(written: T): T => {
    records++;
    return written;
  };

  const appropriations = new Map<string, { id: string; approvedOn: string }>();
  for (const year of FISCAL_YEARS) {
    for (const budget of BUDGETS) await seedBudget(store, budget, year, appropriations, count);
  }
  await seedCorrections(store, count);

  for (const [done, citizen] of citizens.entries()) {
    await seedCitizen(store, citizen, appropriations, count);
    if ((done + 1) % 100 === 0) onProgress?.(done + 1);
  }
  onProgress?.(citizens.length);
  return { records };
}

type Count = <T>(written: T) => T;

async function seedBudget(
  store: FinanceStore,
  budget: DemoBudget,
  year: FiscalYear,
  appropriations: Map<string, { id: string; approvedOn: string }>,
  count: Count,
): Promise<void> {
  // Whole ten-thousands of yuan, as budgets are voted.
  const totalYuan = year === 2026 ? Math.round((budget.totalYuan * GROWTH_2026) / 10_000) * 10_000 : budget.totalYuan;
  const { id: budgetId } = count(
    await store.createBudget({
      id: demoId('finance', 'budget', budget.department, year),
      fiscalYear: year,
      department: budget.department,
      title: `${budget.title} FY${year}`,
      total: { minorUnits: fen(totalYuan), currency: CURRENCY },
    }),
  );
  for (const [index, line] of budget.lines.entries()) {
    const approvedOn = `${year}-0${1 + Math.floor(index / 2)}-${String(10 + 10 * (index % 2)).padStart(2, '0')}`;
    const appropriation = count(
      await store.appropriate({
        id: demoId('finance', 'appropriation', budget.department, year, line.key),
        budgetId,
        purpose: line.purpose,
        amount: { minorUnits: fen(Math.round(totalYuan * line.share)), currency: CURRENCY },
        approvedOn,
      }),
    );
    appropriations.set(`${budget.department}:${year}:${line.key}`, { id: appropriation.id, approvedOn });
    await seedSupplierPayments(store, budget, year, line, appropriation, count);
  }
}

async function seedSupplierPayments(
  store: FinanceStore,
  budget: DemoBudget,
  year: FiscalYear,
  line: BudgetLine,
  appropriation: { id: string; amount_minor: number },
  count: Count,
): Promise<void> {
  const random = seededRandom(`finance:payments:${budget.department}:${year}:${line.key}`);
  // A line paying citizens pays its bank a small disbursement fee; others pay suppliers
  // 8-22% of the line each, so three payments never exceed two thirds of it.
  const payments = line.suppliers.length
    ? line.suppliers.map((s) => ({ payee: s.payee, purpose: `${line.purpose}: ${s.service}`, share: 0.08 + 0.14 * random() }))
    : [{ payee: DISBURSING_BANK, purpose: `${line.purpose}: disbursement services`, share: 0.002 }];
  // FY2026 payments stop in October: the demo year is not over yet.
  const lastMonth = year === 2026 ? 10 : 12;
  for (const [i, payment] of payments.entries()) {
    const month = 3 + Math.floor(((lastMonth - 2) * i) / payments.length + random() * 2);
    count(
      await store.recordPayment({
        id: demoId('finance', 'payment', budget.department, year, line.key, i),
        appropriationId: appropriation.id,
        payee: payment.payee,
        amount: { minorUnits: Math.floor(appropriation.amount_minor * payment.share), currency: CURRENCY },
        purpose: payment.purpose,
        paidOn: isoDate(year, Math.min(month, lastMonth), 1 + Math.floor(random() * 28)),
      }),
    );
  }
}

/**
 * Two corrections on supplier payments. An invoice line entered twice,
 * reversed with the approval of finance and education (EFFECTIVE), and a
 * misclassified purpose that only justice has approved so far (PENDING).
 */
async function seedCorrections(store: FinanceStore, count: Count): Promise<void> {
  const duplicated = (await store.paymentsById([demoId('finance', 'payment', 'education', 2025, 'construction', 0)]))[0]!;
  const duplicateLine = Math.floor(duplicated.amount_minor / 12 / 1_000_000) * 1_000_000 || 100_000;
  const reversal = count(
    await store.proposeCorrection({
      id: demoId('finance', 'correction', 'duplicate-invoice'),
      paymentId: duplicated.id,
      amount: { minorUnits: duplicated.amount_minor - duplicateLine, currency: CURRENCY },
      reason: `Invoice HX-2025-0317 was entered twice in the payment batch: the duplicate line of ${formatMoney(duplicateLine, CURRENCY)} is reversed.`,
      proposedBy: 'finance',
    }),
  );
  for (const approver of ['finance', 'education'] as const) {
    count(await store.approveCorrection({ id: demoId('finance', 'approval', 'duplicate-invoice', approver), correctionId: reversal.id, approver }));
  }

  const misfiled = demoId('finance', 'payment', 'justice', 2026, 'courts', 2);
  const reclassification = count(
    await store.proposeCorrection({
      id: demoId('finance', 'correction', 'misclassified-purpose'),
      paymentId: misfiled,
      purpose: 'Legal aid services: postage for legal aid case files',
      reason: 'The postage was for legal aid case files, not court documents: the purpose is reclassified.',
      proposedBy: 'justice',
    }),
  );
  count(
    await store.approveCorrection({
      id: demoId('finance', 'approval', 'misclassified-purpose', 'justice'),
      correctionId: reclassification.id,
      approver: 'justice',
    }),
  );
}

async function seedCitizen(
  store: FinanceStore,
  citizen: DemoCitizen,
  appropriations: Map<string, { id: string; approvedOn: string }>,
  count: Count,
): Promise<void> {
  const random = seededRandom(`finance:citizen:${citizen.index}`);
  count(
    await store.registerTaxpayer({
      id: demoId('finance', 'taxpayer', citizen.index),
      did: citizen.did,
      name: citizen.name,
      taxNumber: taxNumberOf(citizen),
      registeredOn: registrationDate(citizen),
    }),
  );
  for (const assessment of assessmentsOf(citizen, random)) {
    count(await store.setTaxClearance({ ...assessment, did: citizen.did }));
  }

  if (random() >= CITIZEN_PAYMENT_SHARE) return;
  const year = pick(random, FISCAL_YEARS);
  const eligible = PROGRAMMES.filter((p) => p.eligible(citizen, year));
  if (!eligible.length) return;
  const programme = pick(random, eligible);
  const { yuan, purpose } = programme.award(random);
  const appropriation = appropriations.get(`${programme.department}:${year}:${programme.line}`)!;
  try {
    count(
      await store.recordPayment({
        id: demoId('finance', 'payment', 'citizen', citizen.index),
        appropriationId: appropriation.id,
        payee: programme.beneficiary,
        payeeDid: citizen.did,
        amount: { minorUnits: fen(yuan), currency: CURRENCY },
        purpose: `${purpose} ${year}`,
        paidOn: isoDate(year, year === 2026 ? 4 + Math.floor(random() * 7) : 3 + Math.floor(random() * 10), 1 + Math.floor(random() * 28)),
      }),
    );
  } catch (error) {
    // A very large population can exhaust a programme: then the rest simply get nothing.
    if (!(error instanceof GovshareError && error.code === ErrorCode.CONFLICT)) throw error;
  }
}

/**
 * Everyone was cleared in the 2025 annual reconciliation; in 2026 one in ten
 * fell into arrears and one in twenty-five is under review (history kept).
 */
function assessmentsOf(citizen: DemoCitizen, random: () => number) {
  const assessments: { id: string; status: TaxClearanceStatus; assessedOn: string; validUntil?: string; outstanding?: { minorUnits: number; currency: string } }[] = [
    { id: demoId('finance', 'assessment', citizen.index, 2025), status: 'CLEARED', assessedOn: '2025-06-30', validUntil: '2026-06-30' },
  ];
  if (citizen.index % 10 === 3) {
    const owed = fen(1_200 + 10 * Math.floor(random() * 4_681));
    assessments.push({ id: demoId('finance', 'assessment', citizen.index, 2026), status: 'ARREARS', assessedOn: '2026-06-30', outstanding: { minorUnits: owed, currency: CURRENCY } });
  } else if (citizen.index % 25 === 7) {
    assessments.push({ id: demoId('finance', 'assessment', citizen.index, 2026), status: 'UNDER_REVIEW', assessedOn: '2026-06-30' });
  }
  return assessments;
}

/** 18 characters: region code of the city, the citizen's number, an ISO 7064 MOD 11-2 check character. */
export function taxNumberOf(citizen: DemoCitizen): string {
  const body = `${REGION_CODES[citizen.city] ?? '100000'}${String(citizen.index).padStart(11, '0')}`;
  const sum = [...body].reduce((total, digit, i) => total + Number(digit) * (2 ** (17 - i) % 11), 0);
  const check = (12 - (sum % 11)) % 11;
  return body + (check === 10 ? 'X' : String(check));
}

/** Registered when they came of age, or when the register went digital (1994) for those older. */
function registrationDate(citizen: DemoCitizen): string {
  const eighteenth = `${birthYear(citizen) + 18}${citizen.birthDate.slice(4)}`;
  return eighteenth > '1994-01-01' ? eighteenth : '1994-01-01';
}

function isoDate(year: number, month: number, day: number): string {
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}
