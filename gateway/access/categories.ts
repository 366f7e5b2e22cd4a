/**
 * The data categories a field may be classified with (`@access(scope: ...)`),
 * each owned by one department. A sharing agreement names categories; the
 * policy layer releases a category's fields only under an active agreement.
 * Adding a category is a deliberate act: composition refuses a scope that is
 * not listed here, so a typo cannot silently create an unguarded category.
 */
export const CATEGORIES = {
  'education.enrolment': 'who studies where, what programme, since when',
  'education.results': 'course results: credits and grades (transcripts)',
  'education.degree': 'degrees awarded',
  'education.transfer': 'credit transfers between institutions',
  'education.authorship': 'who registered which learning resource',
  'finance.identity': "a resident's name and tax number on the taxpayer register",
  'finance.tax': 'tax-clearance status and assessments',
  'finance.payments': 'payments made to a natural person',
  'justice.case': 'case details beyond the public status: titles, parties, history',
  'justice.party': "a person's participation in cases",
  'justice.judgment': 'judgments and verdicts',
  'justice.criminal-record': 'criminal record and convictions',
  'justice.evidence': 'evidence metadata and access requests',
} as const;

export type Category = keyof typeof CATEGORIES;
export const OPEN_SCOPES = ['public', 'agency'] as const;
export type Scope = (typeof OPEN_SCOPES)[number] | Category;

export function isScope(value: string): value is Scope {
  return (OPEN_SCOPES as readonly string[]).includes(value) || Object.hasOwn(CATEGORIES, value);
}
