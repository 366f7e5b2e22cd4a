import type { JsonRpcProvider, Signer } from 'ethers';
import type { Logger } from '../../platform/log.ts';
import type { Keystore } from '../keys/keystore.ts';
import type { DeployedContract } from './deploy.ts';
import { ensureFunded } from './funding.ts';
import { createProvider, viaLedger, type LedgerEndpoint } from './rpc.ts';
import { createSharingAgreementsClient, type Agreement, type LegalBasis } from './sharing-agreements.ts';

/**
 * The demo consortium's sharing agreements (DESIGN.md "Demo identities"): which department
 * shares which data categories with which demo agency, for which purpose, on which legal
 * basis. `audit-office` holds a statutory agreement for every category with purpose `audit`.
 * Set up by the embedded ledger on first start: the department proposes (its keystore key),
 * the agency accepts (its keystore key `agency-<name>`). On a real consortium each party signs
 * with its own key; nothing here runs unless the embedded ledger is used.
 */
export interface DemoAgreement {
  provider: 'education' | 'finance' | 'justice';
  agency: string;
  categories: readonly string[];
  purposes: readonly string[];
  legalBasis: LegalBasis;
  terms: string;
}

const EDUCATION = ['education.enrolment', 'education.results', 'education.degree', 'education.transfer', 'education.authorship'];
const FINANCE = ['finance.identity', 'finance.tax', 'finance.payments'];
const JUSTICE = ['justice.case', 'justice.party', 'justice.judgment', 'justice.criminal-record', 'justice.evidence'];

export const DEMO_AGREEMENTS: readonly DemoAgreement[] = [
  {
    provider: 'education',
    agency: 'human-resources',
    categories: ['education.degree', 'education.results'],
    purposes: ['degree-verification'],
    legalBasis: 'consent',
    terms: 'Degrees and course results of job applicants who consented, for verifying their applications. Demo terms.',
  },
  {
    provider: 'finance',
    agency: 'civil-affairs',
    categories: ['finance.identity', 'finance.payments'],
    purposes: ['benefit-eligibility'],
    legalBasis: 'statute',
    terms: 'Identity and payments received, for deciding benefit eligibility as the social assistance law provides. Demo terms.',
  },
  {
    provider: 'finance',
    agency: 'tax-bureau',
    categories: FINANCE,
    purposes: ['tax-administration'],
    legalBasis: 'statute',
    terms: 'The taxpayer register, tax clearance and payments, for tax administration. Demo terms.',
  },
  {
    provider: 'justice',
    agency: 'internet-court',
    categories: JUSTICE,
    purposes: ['court-proceedings'],
    legalBasis: 'statute',
    terms: 'Case files, parties, judgments, criminal records and evidence, for proceedings before the court. Demo terms.',
  },
  ...(
    [
      ['education', EDUCATION],
      ['finance', FINANCE],
      ['justice', JUSTICE],
    ] as const
  ).map(([provider, categories]) => ({
    provider,
    agency: 'audit-office',
    categories,
    purposes: ['audit'],
    legalBasis: 'statute' as const,
    terms: `Every ${provider} record, for the statutory audit of the consortium. Demo terms.`,
  })),
];

/** Demo agreements run ten years from set-up: long enough that a demo never sees one lapse. */
const DEMO_VALIDITY_SECONDS = 10 * 365 * 24 * 3600;

export interface EnsureDemoAgreementsOptions extends LedgerEndpoint {
  contract: DeployedContract;
  keystore: Keystore;
  /** Pays the agencies' gas on a chain where gas is not free (the embedded deployer). */
  funder: Signer;
  agencyKeyName: (agency: string) => string;
  agreements?: readonly DemoAgreement[];
  provider?: JsonRpcProvider;
  logger?: Logger;
}

/**
 * Proposes and accepts each demo agreement that does not exist yet between that department
 * and agency (any agreement between them, in any state, counts: one terminated on purpose is
 * not made again). Idempotent across restarts; returns what it made.
 */
export async function ensureDemoAgreements(options: EnsureDemoAgreementsOptions): Promise<Agreement[]> {
  const endpoint: LedgerEndpoint = { rpcUrl: options.rpcUrl, chainId: options.chainId };
  const provider = options.provider ?? createProvider(endpoint);
  const reader = createSharingAgreementsClient({ ...endpoint, contract: options.contract.address, provider });
  try {
    const existing = await reader.all();
    const made = (provider: string, consumer: string) => existing.some((a) => a.provider === provider && a.consumer === consumer);
    const wanted: DemoAgreement[] = [];
    for (const agreement of options.agreements ?? DEMO_AGREEMENTS) {
      const consumer = await options.keystore.ensureAddress(options.agencyKeyName(agreement.agency));
      if (!made(options.keystore.address(agreement.provider), consumer)) wanted.push(agreement);
    }
    if (!wanted.length) return [];

    const agencies = [...new Set(wanted.map((a) => a.agency))];
    await ensureFunded({ provider, endpoint, funder: options.funder, accounts: agencies.map((a) => options.keystore.address(options.agencyKeyName(a))), ...(options.logger && { logger: options.logger }) });
    const block = await viaLedger(endpoint.rpcUrl, () => provider.getBlock('latest'));
    const validFrom = block?.timestamp ?? Math.floor(Date.now() / 1000);

    const created: Agreement[] = [];
    for (const agreement of wanted) {
      const agencyKey = options.agencyKeyName(agreement.agency);
      const department = createSharingAgreementsClient({ ...endpoint, contract: options.contract.address, provider, signer: await options.keystore.loadKey(agreement.provider) });
      const agency = createSharingAgreementsClient({ ...endpoint, contract: options.contract.address, provider, signer: await options.keystore.loadKey(agencyKey) });
      const proposed = await department.propose({
        consumer: options.keystore.address(agencyKey),
        categories: agreement.categories,
        purposes: agreement.purposes,
        legalBasis: agreement.legalBasis,
        validFrom,
        validUntil: validFrom + DEMO_VALIDITY_SECONDS,
        terms: agreement.terms,
      });
      created.push(await agency.accept(proposed.id));
      options.logger?.info({ id: proposed.id, provider: agreement.provider, agency: agreement.agency, categories: agreement.categories }, 'demo sharing agreement in force');
    }
    return created;
  } finally {
    reader.close();
    if (!options.provider) provider.destroy();
  }
}
