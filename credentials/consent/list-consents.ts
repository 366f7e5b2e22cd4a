import { DEPARTMENTS, type DepartmentName } from '../../platform/config.ts';
import { GovshareError } from '../../platform/errors.ts';
import { callDepartment } from '../request/call-department.ts';
import { departmentDids } from '../request/department-dids.ts';
import { signRequest, type SignRequestOptions } from '../request/sign-request.ts';
import { consentDepartment, consentField, REGISTERED_CONSENT_FIELDS, type RegisteredConsent } from './registered-consent.ts';

export interface ListConsentsOptions {
  /** The gateway's base URL (its `/graphql` and `/departments`). */
  gatewayUrl: string;
  /** The citizen: their DID and the key its DID document lists under `authentication` (a wallet's walletSigner). */
  citizen: SignRequestOptions['caller'];
  /** Which departments to ask (default: every one). */
  departments?: readonly string[];
  timeoutMs?: number;
}

/** One department's answer: its consents about the citizen, or why it gave none. */
export type DepartmentConsents =
  | { department: DepartmentName; consents: RegisteredConsent[] }
  | { department: DepartmentName; error: { code: string; message: string; reason?: string } };

/**
 * The consents the citizen registered, department by department, through the gateway: each
 * department is asked with its own signed request (purpose list-consents, aud = its DID from
 * the gateway's `GET /departments`, sub = the citizen), in parallel, and answers only with
 * the consents of the request's signer. A department that cannot answer does not hide the
 * others: its entry carries the error instead (DEPARTMENT_UNAVAILABLE while the gateway does
 * not know its DID: it has not answered the gateway's identity request yet; SUBGRAPH_UNAVAILABLE
 * when the gateway cannot reach it now; the department's own refusal code otherwise). Only a
 * gateway that does not answer at all fails the whole call (DEPARTMENT_UNREACHABLE).
 */
export async function listConsents(options: ListConsentsOptions): Promise<DepartmentConsents[]> {
  const departments = [...new Set((options.departments?.length ? options.departments : DEPARTMENTS).map(consentDepartment))];
  const dids = await departmentDids(options.gatewayUrl, { unreachableCode: 'DEPARTMENT_UNREACHABLE', ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }) });
  return Promise.all(
    departments.map(async (department): Promise<DepartmentConsents> => {
      const audience = dids.get(department);
      if (!audience) {
        return { department, error: { code: 'DEPARTMENT_UNAVAILABLE', message: `the gateway does not know ${department}'s DID yet: it has not answered the gateway (down, or still starting)` } };
      }
      try {
        return { department, consents: await listAt(options, department, audience) };
      } catch (error) {
        if (!(error instanceof GovshareError)) throw error;
        const reason = error.detail?.reason;
        return { department, error: { code: error.code, message: error.message, ...(typeof reason === 'string' && { reason }) } };
      }
    }),
  );
}

/** One department's `my<Department>Consents`, with a request signed for it alone. */
async function listAt(options: ListConsentsOptions, department: DepartmentName, audience: string): Promise<RegisteredConsent[]> {
  const field = consentField('list', department);
  const authorization = await signRequest({ caller: options.citizen, audience, subject: options.citizen.did, purpose: 'list-consents' });
  return callDepartment<RegisteredConsent[]>({
    graphqlUrl: `${options.gatewayUrl.replace(/\/+$/, '')}/graphql`,
    query: `query($authorization: String!) { ${field}(authorization: $authorization) { ${REGISTERED_CONSENT_FIELDS} } }`,
    variables: { authorization },
    field,
    unreachableCode: 'DEPARTMENT_UNREACHABLE',
    what: 'a list of consents',
    ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
  });
}
