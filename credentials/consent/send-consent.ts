import { callDepartment } from '../request/call-department.ts';

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

const FIELDS = 'jti citizen agency purpose categories validFrom expiresAt registeredAt status revokedAt';

/**
 * Registers a signed consent with the department that holds its categories, over GraphQL
 * (`register<Department>Consent`), normally through the gateway: a department answers only
 * its gateway. No agency token is needed: the citizen's signature authorises. A refusal is
 * thrown as a GovshareError with the department's code (CONSENT_INVALID with `detail.reason`,
 * ...); a transport failure as DEPARTMENT_UNREACHABLE.
 */
export async function sendConsent(options: { graphqlUrl: string; department: string; jwt: string; timeoutMs?: number }): Promise<RegisteredConsent> {
  const field = `register${options.department.charAt(0).toUpperCase()}${options.department.slice(1)}Consent`;
  return callDepartment<RegisteredConsent>({
    graphqlUrl: options.graphqlUrl,
    query: `mutation($c: String!) { ${field}(credential: $c) { ${FIELDS} } }`,
    variables: { c: options.jwt },
    field,
    unreachableCode: 'DEPARTMENT_UNREACHABLE',
    what: 'a consent',
    ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
  });
}
