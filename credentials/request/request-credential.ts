import { callDepartment } from './call-department.ts';
import { signRequest, type SignRequestOptions } from './sign-request.ts';

/** What a department answers for an issuance (its IssuedCredential type). */
export interface IssuedCredentialAnswer {
  jwt: string;
  jti: string;
  type: string;
  subject: string;
  digest: string;
  status: 'ACTIVE' | 'SUSPENDED' | 'REVOKED';
  issuedAt: string;
  expiresAt: string | null;
  statusListIndex: number;
}

export interface RequestCredentialOptions {
  /** A GraphQL endpoint that serves the department's mutation: the gateway, or the department itself. */
  graphqlUrl: string;
  /** The department's name (it names the mutation: issueEducationCredential...). */
  department: string;
  /** The department's DID: the signed request's audience. */
  audience: string;
  /** Who asks: the subject (a citizen's wallet) or an officer (`govshare issue`). */
  caller: SignRequestOptions['caller'];
  type: string;
  subject: string;
  recordId?: string;
  claims?: Record<string, unknown>;
  /** Extra HTTP headers (e.g. an agency's Authorization for the gateway). */
  headers?: Record<string, string>;
  timeoutMs?: number;
}

const FIELDS = 'jwt jti type subject digest status issuedAt expiresAt statusListIndex';

/**
 * Asks a department for a credential over GraphQL: signs the request (signRequest) and calls
 * `issue<Department>Credential`. A refusal is thrown as a GovshareError with the department's
 * stable code (NO_RECORDS, NOT_AUTHORIZED, ...; `detail.reason` for a refused signed request);
 * a transport failure as ISSUER_UNREACHABLE.
 */
export async function requestCredential(options: RequestCredentialOptions): Promise<IssuedCredentialAnswer> {
  const field = `issue${options.department.charAt(0).toUpperCase()}${options.department.slice(1)}Credential`;
  const authorization = await signRequest({ caller: options.caller, audience: options.audience, subject: options.subject, purpose: 'issue-credential', type: options.type });
  const input = {
    type: options.type,
    subject: options.subject,
    authorization,
    ...(options.recordId !== undefined && { recordId: options.recordId }),
    ...(options.claims !== undefined && { claims: options.claims }),
  };
  return callDepartment<IssuedCredentialAnswer>({
    graphqlUrl: options.graphqlUrl,
    query: `mutation($input: IssueCredentialInput!) { ${field}(input: $input) { ${FIELDS} } }`,
    variables: { input },
    field,
    unreachableCode: 'ISSUER_UNREACHABLE',
    what: 'a credential',
    ...(options.headers && { headers: options.headers }),
    ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
  });
}
