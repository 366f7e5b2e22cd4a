import { callDepartment } from '../request/call-department.ts';
import { consentField, REGISTERED_CONSENT_FIELDS, type RegisteredConsent } from './registered-consent.ts';

export type { RegisteredConsent } from './registered-consent.ts';

/**
 * Registers a signed consent with the department that holds its categories, over GraphQL
 * (`register<Department>Consent`), normally through the gateway: a department answers only
 * its gateway. No agency token is needed: the citizen's signature authorises. A refusal is
 * thrown as a GovshareError with the department's code (CONSENT_INVALID with `detail.reason`,
 * ...); a transport failure as DEPARTMENT_UNREACHABLE.
 */
export async function sendConsent(options: { graphqlUrl: string; department: string; jwt: string; timeoutMs?: number }): Promise<RegisteredConsent> {
  const field = consentField('register', options.department);
  return callDepartment<RegisteredConsent>({
    graphqlUrl: options.graphqlUrl,
    query: `mutation($c: String!) { ${field}(credential: $c) { ${REGISTERED_CONSENT_FIELDS} } }`,
    variables: { c: options.jwt },
    field,
    unreachableCode: 'DEPARTMENT_UNREACHABLE',
    what: 'a consent',
    ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
  });
}
