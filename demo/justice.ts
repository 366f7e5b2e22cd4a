import { createHash } from 'node:crypto';
import type { JusticeStore } from '../subgraphs/justice/store.ts';
import type { CaseStatus, CourtLevel, PartyInput } from '../subgraphs/justice/store.ts';
import { DEMO_CHAIN_ID_HEX, type DemoCitizen } from './citizens.ts';
import { demoId, pick, seededRandom } from './ids.ts';

/**
 * Justice demo data: real courts, a civil case for one citizen in four (some
 * with an item of evidence and an access request), a criminal case for one
 * in twenty-five (most convicted, some acquitted, some appealed), every status
 * history following the allowed transitions. All ids come from demoId, so a
 * second run writes nothing; all dates lie between January 2024 and September 2026.
 */

interface DemoCourt {
  key: string;
  name: string;
  level: CourtLevel;
  city: string;
  /** The court's code in Chinese case numbers, e.g. 京0491 in (2025)京0491民初123号. */
  code: string;
}

const COURTS: readonly DemoCourt[] = [
  { key: 'spc', name: "Supreme People's Court", level: 'SUPREME', city: 'Beijing', code: '最高法' },
  { key: 'bj-internet', name: 'Beijing Internet Court', level: 'INTERNET', city: 'Beijing', code: '京0491' },
  { key: 'hz-internet', name: 'Hangzhou Internet Court', level: 'INTERNET', city: 'Hangzhou', code: '浙0192' },
  { key: 'gz-internet', name: 'Guangzhou Internet Court', level: 'INTERNET', city: 'Guangzhou', code: '粤0192' },
  { key: 'bj-ip', name: 'Beijing Intellectual Property Court', level: 'SPECIALISED', city: 'Beijing', code: '京73' },
  { key: 'sh-1-intermediate', name: "Shanghai No.1 Intermediate People's Court", level: 'INTERMEDIATE', city: 'Shanghai', code: '沪01' },
  { key: 'sz-futian', name: "Shenzhen Futian District People's Court", level: 'BASIC', city: 'Shenzhen', code: '粤0304' },
];
const court = (key: string): DemoCourt => COURTS.find((c) => c.key === key)!;

interface CivilMatter {
  cause: string;
  courts: readonly string[];
  /** Organisations sued in this kind of matter (when the defendant is not a demo citizen). */
  companies: readonly string[];
  evidence: readonly { title: string; mediaType: string; minBytes: number; maxBytes: number }[];
  claim: [min: number, max: number];
}

const PLATFORMS = [
  'Beijing Jingdong Century Trading Co., Ltd.',
  'Zhejiang Tmall Network Co., Ltd.',
  'Shanghai Xunmeng Information Technology Co., Ltd.',
  'Beijing Douyin Information Service Co., Ltd.',
  'Guangzhou Vipshop E-commerce Co., Ltd.',
];
const INTERNET_COURTS = ['bj-internet', 'hz-internet', 'gz-internet'];

const CIVIL_MATTERS: readonly CivilMatter[] = [
  {
    cause: 'online shopping contract dispute',
    courts: INTERNET_COURTS,
    companies: PLATFORMS,
    evidence: [
      { title: 'Order page and payment record (screenshots)', mediaType: 'image/png', minBytes: 180_000, maxBytes: 2_400_000 },
      { title: 'Customer service chat log export', mediaType: 'application/pdf', minBytes: 60_000, maxBytes: 900_000 },
    ],
    claim: [800, 60_000],
  },
  {
    cause: 'network service contract dispute',
    courts: INTERNET_COURTS,
    companies: ['Shenzhen Tencent Computer Systems Co., Ltd.', 'Beijing iQIYI Science & Technology Co., Ltd.', 'Alibaba Cloud Computing Co., Ltd.'],
    evidence: [{ title: 'Membership terms and account statement', mediaType: 'application/pdf', minBytes: 90_000, maxBytes: 1_500_000 }],
    claim: [300, 20_000],
  },
  {
    cause: 'online infringement of the right of reputation',
    courts: INTERNET_COURTS,
    companies: ['Beijing Weimeng Chuangke Network Technology Co., Ltd.'],
    evidence: [
      { title: 'Notarised capture of the defamatory posts (trusted timestamp)', mediaType: 'application/pdf', minBytes: 250_000, maxBytes: 6_000_000 },
      { title: 'Screen recording of the posts and comments', mediaType: 'video/mp4', minBytes: 8_000_000, maxBytes: 240_000_000 },
    ],
    claim: [5_000, 100_000],
  },
  {
    cause: 'infringement of the right of communication through information networks',
    courts: ['bj-ip', 'bj-internet'],
    companies: ['Beijing ByteDance Network Technology Co., Ltd.', 'Shanghai Kuanyu Digital Technology Co., Ltd.'],
    evidence: [{ title: 'Blockchain-notarised evidence of the infringing stream', mediaType: 'video/mp4', minBytes: 20_000_000, maxBytes: 600_000_000 }],
    claim: [10_000, 500_000],
  },
  {
    cause: 'private lending dispute',
    courts: ['sz-futian'],
    companies: ['Shenzhen Qianhai Weizhong Bank Co., Ltd.'],
    evidence: [
      { title: 'IOU (scanned)', mediaType: 'application/pdf', minBytes: 120_000, maxBytes: 2_000_000 },
      { title: 'Bank transfer receipt', mediaType: 'image/jpeg', minBytes: 90_000, maxBytes: 1_200_000 },
    ],
    claim: [20_000, 400_000],
  },
  {
    cause: 'housing lease contract dispute',
    courts: ['sz-futian'],
    companies: ['Shenzhen Vanke Property Services Co., Ltd.', 'Shenzhen Ziroom Housing Rental Co., Ltd.'],
    evidence: [{ title: 'Lease contract and deposit receipt (scanned)', mediaType: 'application/pdf', minBytes: 200_000, maxBytes: 3_000_000 }],
    claim: [3_000, 80_000],
  },
  {
    cause: 'labour contract dispute',
    courts: ['sz-futian', 'sh-1-intermediate'],
    companies: ['Shenzhen Mindray Bio-Medical Electronics Co., Ltd.', 'Shanghai Lujiazui Finance Development Co., Ltd.', 'Foxconn Precision Electronics (Shenzhen) Co., Ltd.'],
    evidence: [
      {
        title: 'Payroll records and attendance sheets',
        mediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        minBytes: 40_000,
        maxBytes: 800_000,
      },
    ],
    claim: [8_000, 250_000],
  },
];

const OFFENCES = [
  { offence: 'Theft (Criminal Law art. 264)', sentence: 'Fixed-term imprisonment of 8 months and a fine of CNY 3,000' },
  { offence: 'Dangerous driving (Criminal Law art. 133-1)', sentence: 'Criminal detention of 2 months, suspended for 3 months, and a fine of CNY 5,000' },
  { offence: 'Fraud (Criminal Law art. 266)', sentence: 'Fixed-term imprisonment of 3 years and a fine of CNY 20,000' },
  {
    offence: 'Assisting information network criminal activities (Criminal Law art. 287-2)',
    sentence: 'Fixed-term imprisonment of 10 months and a fine of CNY 5,000',
  },
  { offence: 'Intentional injury (Criminal Law art. 234)', sentence: 'Fixed-term imprisonment of 1 year and 6 months' },
] as const;

const PROCURATORATES: Record<string, string> = {
  'sz-futian': "Shenzhen Futian District People's Procuratorate",
  'sh-1-intermediate': "Shanghai No.1 Branch of the People's Procuratorate",
};

const EVIDENCE_ACCESS_REASONS = [
  "To prepare the defence: verify the authenticity of the plaintiff's evidence before the hearing",
  'To cross-examine the evidence (质证) at the hearing',
  'To check the completeness of the notarised capture against the original posts',
];

/** Demo judges: one per court, with a placeholder did:ethr until the identity issue creates real ones. */
export function demoJudgeDid(courtKey: string): string {
  return `did:ethr:${DEMO_CHAIN_ID_HEX}:0x${createHash('sha256').update(`govshare-demo-judge:${courtKey}`).digest('hex').slice(0, 40)}`;
}

// ---------------------------------------------------------------------------

export async function seedJustice(
  store: JusticeStore,
  citizens: DemoCitizen[],
  onProgress?: (done: number) => void,
): Promise<{ records: number }> {
  const seed = new Seeder(store);
  for (const c of COURTS) {
    await store.registerCourt({ id: demoId('justice', 'court', c.key), name: c.name, level: c.level, city: c.city });
    seed.records++;
  }
  for (const [position, citizen] of citizens.entries()) {
    // A demo citizen sued by the plaintiff, when there is one after them; else a company.
    const next = citizens[position + 1];
    if (citizen.index % 4 === 0) await seed.civilCase(citizen, next);
    if (citizen.index % 25 === 3) await seed.criminalCase(citizen);
    onProgress?.(position + 1);
  }
  return { records: seed.records };
}

/**
 * Builds one case at a time through the store, as the courts would: open,
 * register evidence, ask for access, move through the procedure, judge.
 * `records` counts the records the seed ensures (new or found from a previous run).
 */
class Seeder {
  records = 0;

  constructor(private readonly store: JusticeStore) {}

  async civilCase(plaintiff: DemoCitizen, other: DemoCitizen | undefined): Promise<void> {
    const random = seededRandom(`justice:civil:${plaintiff.index}`);
    const matter = pick(random, CIVIL_MATTERS);
    const where = court(pick(random, matter.courts));
    const claim = roundTo(matter.claim[0] + random() * (matter.claim[1] - matter.claim[0]), 100);
    const defendantIsCitizen = other !== undefined && random() < 0.5;
    const defendantName = defendantIsCitizen ? other.name : pick(random, matter.companies);
    // The longest civil path takes at most 142 days: every date stays before October 2026.
    const filedOn = demoDate(random, '2024-01-08', '2026-04-30');
    const caseKey = `civil:${plaintiff.index}`;
    const caseId = demoId('justice', 'case', caseKey);
    const defendantPartyId = demoId('justice', 'party', caseKey, 'defendant');
    const parties: PartyInput[] = [
      { id: demoId('justice', 'party', caseKey, 'plaintiff'), did: plaintiff.did, name: plaintiff.name, role: 'PLAINTIFF' },
      { id: defendantPartyId, did: defendantIsCitizen ? other.did : null, name: defendantName, role: 'DEFENDANT' },
    ];
    await this.store.openCase({
      id: caseId,
      courtId: demoId('justice', 'court', where.key),
      caseNumber: `(${filedOn.slice(0, 4)})${where.code}民初${10000 + plaintiff.index}号`,
      kind: 'CIVIL',
      title: `${plaintiff.name} v. ${defendantName}: ${matter.cause} (claim CNY ${formatYuan(claim)})`,
      filedOn,
      parties,
    });
    this.records += 1 + parties.length;

    // About half the plaintiffs file an item of electronic evidence with the claim.
    let accessRequestId: string | undefined;
    if (random() < 0.5) {
      const item = pick(random, matter.evidence);
      const evidenceId = demoId('justice', 'evidence', caseKey, 0);
      await this.store.registerEvidence({
        id: evidenceId,
        caseId,
        title: item.title,
        mediaType: item.mediaType,
        sizeBytes: Math.round(item.minBytes + random() * (item.maxBytes - item.minBytes)),
        contentDigest: createHash('sha256').update(`govshare-demo-evidence:${caseKey}:0`).digest('hex'),
        submittedBy: plaintiff.did,
      });
      this.records++;
      // A defendant with a DID asks to see it.
      if (defendantIsCitizen) {
        accessRequestId = demoId('justice', 'access-request', caseKey, 0);
        await this.store.requestEvidenceAccess({ id: accessRequestId, evidenceId, requester: other.did, reason: pick(random, EVIDENCE_ACCESS_REASONS) });
        this.records++;
      }
    }

    const outcome = random();
    const path: CaseStatus[] =
      outcome < 0.08 ? []
      : outcome < 0.15 ? ['DISMISSED']
      : outcome < 0.25 ? ['ADMITTED']
      : outcome < 0.32 ? ['ADMITTED', 'WITHDRAWN']
      : outcome < 0.45 ? ['ADMITTED', 'IN_HEARING']
      : outcome < 0.6 ? ['ADMITTED', 'IN_HEARING', 'JUDGED']
      : outcome < 0.95 ? ['ADMITTED', 'IN_HEARING', 'JUDGED', 'CLOSED']
      : ['ADMITTED', 'IN_HEARING', 'JUDGED', 'APPEALED'];
    let on = filedOn;
    for (const [step, status] of path.entries()) {
      on = addDays(on, stepDays(random, status));
      if (status === 'IN_HEARING' && accessRequestId) await this.decideAccess(random, accessRequestId, where.key, on);
      if (status === 'JUDGED') {
        const liable = random() < 0.7;
        const fee = courtFee(claim);
        await this.store.recordJudgment({
          id: demoId('justice', 'judgment', caseKey, 0),
          caseId,
          partyId: defendantPartyId,
          verdict: liable ? 'LIABLE' : 'NOT_LIABLE',
          sentence: liable
            ? `Defendant to pay the plaintiff CNY ${formatYuan(claim)} within 10 days of the judgment taking effect; court fee of CNY ${formatYuan(fee)} borne by the defendant`
            : `Plaintiff's claims dismissed; court fee of CNY ${formatYuan(fee)} borne by the plaintiff`,
          decidedOn: on,
        });
        this.records++;
      }
      await this.store.changeCaseStatus({ id: demoId('justice', 'status', caseKey, step), caseId, status, changedOn: on, note: civilNote(status) });
      this.records++;
    }
  }

  async criminalCase(defendant: DemoCitizen): Promise<void> {
    const random = seededRandom(`justice:criminal:${defendant.index}`);
    const where = court(random() < 0.8 ? 'sz-futian' : 'sh-1-intermediate');
    const charge = pick(random, OFFENCES);
    // The longest criminal path (with an appeal) takes at most 262 days: every date stays before October 2026.
    const filedOn = demoDate(random, '2024-01-08', '2025-12-31');
    const caseKey = `criminal:${defendant.index}`;
    const caseId = demoId('justice', 'case', caseKey);
    const parties: PartyInput[] = [
      { id: demoId('justice', 'party', caseKey, 'prosecutor'), name: PROCURATORATES[where.key]!, role: 'PROSECUTOR' },
      { id: demoId('justice', 'party', caseKey, 'defendant'), did: defendant.did, name: defendant.name, role: 'DEFENDANT' },
    ];
    await this.store.openCase({
      id: caseId,
      courtId: demoId('justice', 'court', where.key),
      caseNumber: `(${filedOn.slice(0, 4)})${where.code}刑初${500 + defendant.index}号`,
      kind: 'CRIMINAL',
      title: `${PROCURATORATES[where.key]} v. ${defendant.name}: ${charge.offence.replace(/ \(.*\)$/, '').toLowerCase()}`,
      filedOn,
      parties,
    });
    this.records += 1 + parties.length;

    // Most are convicted; some acquitted; some appeal, and an appeal may end in acquittal.
    const outcome = random();
    const first = outcome < 0.9 ? 'CONVICTED' : 'ACQUITTED';
    const appeal = first === 'CONVICTED' && outcome >= 0.7 ? (outcome < 0.8 ? 'CONVICTED' : 'ACQUITTED') : undefined;
    const path: CaseStatus[] = ['ADMITTED', 'IN_HEARING', 'JUDGED', ...(appeal ? (['APPEALED', 'IN_HEARING', 'JUDGED'] as const) : []), 'CLOSED'];
    let on = filedOn;
    let judgments = 0;
    for (const [step, status] of path.entries()) {
      on = addDays(on, stepDays(random, status));
      if (status === 'JUDGED') {
        const verdict = judgments === 0 ? first : appeal!;
        await this.store.recordJudgment({
          id: demoId('justice', 'judgment', caseKey, judgments),
          caseId,
          partyDid: defendant.did,
          verdict,
          offence: charge.offence,
          sentence: verdict === 'CONVICTED' ? charge.sentence : null,
          decidedOn: on,
        });
        judgments++;
        this.records++;
      }
      await this.store.changeCaseStatus({ id: demoId('justice', 'status', caseKey, step), caseId, status, changedOn: on, note: criminalNote(status) });
      this.records++;
    }
  }

  private async decideAccess(random: () => number, requestId: string, courtKey: string, on: string): Promise<void> {
    const approved = random() < 0.8;
    await this.store.decideEvidenceAccess({
      id: demoId('justice', 'access-decision', requestId),
      requestId,
      decision: approved ? 'APPROVED' : 'REJECTED',
      judge: demoJudgeDid(courtKey),
      note: approved ? `Access granted for cross-examination before the hearing of ${on}` : 'The requester is not a party entitled to this item',
    });
    this.records++;
  }
}

function civilNote(status: CaseStatus): string {
  return {
    FILED: 'Complaint received',
    ADMITTED: 'Case docketed (立案)',
    DISMISSED: 'Complaint not accepted: outside the jurisdiction of this court',
    IN_HEARING: 'Online hearing held',
    WITHDRAWN: 'Plaintiff withdrew the suit after settlement',
    JUDGED: 'Judgment pronounced',
    CLOSED: 'Judgment took effect; case closed',
    APPEALED: 'Notice of appeal filed',
  }[status];
}

function criminalNote(status: CaseStatus): string {
  return {
    FILED: 'Indictment received',
    ADMITTED: 'Public prosecution accepted',
    DISMISSED: 'Prosecution not accepted',
    IN_HEARING: 'Trial in open court',
    WITHDRAWN: 'Prosecution withdrawn',
    JUDGED: 'Judgment pronounced',
    CLOSED: 'Judgment took effect; case closed',
    APPEALED: 'Defendant appealed',
  }[status];
}

/** Days between the previous status and this one, as courts take them. */
function stepDays(random: () => number, status: CaseStatus): number {
  const [min, max] = ({
    FILED: [0, 0],
    ADMITTED: [2, 7],
    DISMISSED: [3, 7],
    IN_HEARING: [20, 60],
    WITHDRAWN: [5, 30],
    JUDGED: [10, 45],
    CLOSED: [15, 30],
    APPEALED: [8, 15],
  } as const)[status];
  return min + Math.floor(random() * (max - min + 1));
}

/**
 * Acceptance fee for a property claim (Measures on the Payment of Litigation
 * Costs, art. 13): CNY 50 up to 10,000, then 2.5%, 2%, 1.5% by bracket.
 */
export function courtFee(claimYuan: number): number {
  const brackets: [upTo: number, rate: number][] = [
    [100_000, 0.025],
    [200_000, 0.02],
    [500_000, 0.015],
    [1_000_000, 0.01],
  ];
  let fee = 50;
  let lower = 10_000;
  for (const [upTo, rate] of brackets) {
    if (claimYuan <= lower) break;
    fee += (Math.min(claimYuan, upTo) - lower) * rate;
    lower = upTo;
  }
  return Math.round(fee * 100) / 100;
}

function demoDate(random: () => number, from: string, to: string): string {
  const start = Date.parse(`${from}T00:00:00Z`);
  const days = Math.round((Date.parse(`${to}T00:00:00Z`) - start) / 86_400_000);
  return new Date(start + Math.floor(random() * (days + 1)) * 86_400_000).toISOString().slice(0, 10);
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

const roundTo = (value: number, step: number) => Math.round(value / step) * step;

const formatYuan = (yuan: number) => yuan.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
