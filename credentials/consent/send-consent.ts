import { GovshareError } from '../../platform/errors.ts';

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
  let body: { data?: Record<string, RegisteredConsent | null> | null; errors?: { message: string; extensions?: { code?: string; reason?: string } }[] };
  try {
    const response = await fetch(options.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `mutation($c: String!) { ${field}(credential: $c) { ${FIELDS} } }`, variables: { c: options.jwt } }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
    body = (await response.json()) as typeof body;
  } catch (error) {
    throw new GovshareError('DEPARTMENT_UNREACHABLE', `no answer from ${options.graphqlUrl}: ${(error as Error).message}`, { cause: error });
  }
  const registered = body.data?.[field];
  if (registered) return registered;
  const first = body.errors?.[0];
  throw new GovshareError(first?.extensions?.code ?? 'INTERNAL_SERVER_ERROR', first?.message ?? 'the department answered without a consent', {
    ...(first?.extensions?.reason && { detail: { reason: first.extensions.reason } }),
  });
}
