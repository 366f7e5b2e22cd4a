import { DEPARTMENTS, type DepartmentName } from '../../platform/config.ts';
import { InputError } from '../../platform/errors.ts';

/** What a department answers for a registered consent (its Consent type). */
export interface RegisteredConsent {
  jti: string;
  citizen: string;
  agency: string;
  purpose: string;
  categories: string[];
  validFrom: string;
  expiresAt: string;
  registeredAt: string;
  status: 'ACTIVE' | 'EXPIRED' | 'REVOKED';
  revokedAt: string | null;
}

/** The selection of every RegisteredConsent field. */
export const REGISTERED_CONSENT_FIELDS = 'jti citizen agency purpose categories validFrom expiresAt registeredAt status revokedAt';

/**
 * The root field of a department's consent operation (subgraphs/kit/consent/sdl.ts names them):
 * each department has its own, because Federation routes a root field to one subgraph.
 */
export function consentField(operation: 'register' | 'revoke' | 'list', department: string): string {
  const Department = department.charAt(0).toUpperCase() + department.slice(1);
  return operation === 'list' ? `my${Department}Consents` : `${operation}${Department}Consent`;
}

/** A department name as given by a caller, checked before it goes into a field name. */
export function consentDepartment(name: string): DepartmentName {
  if (!(DEPARTMENTS as readonly string[]).includes(name)) throw new InputError('INVALID_ARGUMENT', `no department "${name}" (known: ${DEPARTMENTS.join(', ')})`);
  return name as DepartmentName;
}
