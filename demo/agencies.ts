/**
 * The demo agencies (DESIGN.md): each has a secp256k1 key in the keystore
 * under `agency-<name>` and so a did:ethr. Their agreements come with the
 * policy work; `govshare agency token <name>` prints a bearer token for one.
 */
export const DEMO_AGENCIES = {
  'civil-affairs': { title: 'Civil Affairs Bureau', purpose: 'benefit-eligibility' },
  'human-resources': { title: 'Human Resources and Social Security Bureau', purpose: 'degree-verification' },
  'tax-bureau': { title: 'Tax Bureau', purpose: 'tax-administration' },
  'internet-court': { title: 'Internet Court', purpose: 'court-proceedings' },
  'audit-office': { title: 'National Audit Office', purpose: 'audit' },
} as const;

export type DemoAgency = keyof typeof DEMO_AGENCIES;

export const agencyKeyName = (agency: string) => `agency-${agency}`;
