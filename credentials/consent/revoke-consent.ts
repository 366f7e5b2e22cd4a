import { GovshareError, InputError } from '../../platform/errors.ts';
import { callDepartment } from '../request/call-department.ts';
import { departmentDids } from '../request/department-dids.ts';
import { signRequest, type SignRequestOptions } from '../request/sign-request.ts';
import { CONSENT_ID } from './consent-credential.ts';
import { consentDepartment, consentField, REGISTERED_CONSENT_FIELDS, type RegisteredConsent } from './registered-consent.ts';

export interface RevokeConsentOptions {
  /** The gateway's base URL (its `/graphql` and `/departments`). */
  gatewayUrl: string;
  /** The department the consent is registered with (the one holding its categories). */
  department: string;
  /** The consent's jti (urn:govshare:consent:…), as `listConsents` shows it. */
  jti: string;
  /** The citizen who gave it: their DID and `authentication` key (a wallet's walletSigner). */
  citizen: SignRequestOptions['caller'];
  timeoutMs?: number;
}

/**
 * The citizen withdraws a consent they registered, through the gateway: a request signed with
 * their key (purpose revoke-consent, aud = the department's DID from the gateway's
 * `GET /departments`, sub = the citizen, jti = the consent's) for
 * `revoke<Department>Consent`. Final, effective from the department's next request; revoking
 * a revoked consent answers it unchanged. Refusals keep the department's code
 * (CONSENT_NOT_FOUND, NOT_AUTHORIZED for someone else's consent, REQUEST_*); a department the
 * gateway does not know yet is DEPARTMENT_UNAVAILABLE, no answer DEPARTMENT_UNREACHABLE.
 */
export async function revokeConsent(options: RevokeConsentOptions): Promise<RegisteredConsent> {
  const department = consentDepartment(options.department);
  if (!CONSENT_ID.test(options.jti)) throw new InputError('INVALID_ARGUMENT', `not a consent id: ${options.jti.slice(0, 80)} (expected urn:govshare:consent:…, as listed)`);
  const dids = await departmentDids(options.gatewayUrl, { unreachableCode: 'DEPARTMENT_UNREACHABLE', ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }) });
  const audience = dids.get(department);
  if (!audience) throw new GovshareError('DEPARTMENT_UNAVAILABLE', `the gateway does not know ${department}'s DID yet: it has not answered the gateway (down, or still starting); nothing was revoked`);
  const authorization = await signRequest({ caller: options.citizen, audience, subject: options.citizen.did, purpose: 'revoke-consent', credentialId: options.jti });
  const field = consentField('revoke', department);
  return callDepartment<RegisteredConsent>({
    graphqlUrl: `${options.gatewayUrl.replace(/\/+$/, '')}/graphql`,
    query: `mutation($jti: ID!, $authorization: String!) { ${field}(jti: $jti, authorization: $authorization) { ${REGISTERED_CONSENT_FIELDS} } }`,
    variables: { jti: options.jti, authorization },
    field,
    unreachableCode: 'DEPARTMENT_UNREACHABLE',
    what: 'the revoked consent',
    ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
  });
}
