import { GovshareError } from '../../platform/errors.ts';

/**
 * One GraphQL operation on one root field of a department (a mutation, or a query authorised
 * by a signed request), normally through the gateway: the field's value, or the department's
 * refusal thrown as a GovshareError with its own code (and its `reason` as `detail.reason`);
 * no answer at all is `unreachableCode`.
 */
export async function callDepartment<T>(options: {
  graphqlUrl: string;
  query: string;
  variables: Record<string, unknown>;
  field: string;
  unreachableCode: string;
  what: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}): Promise<T> {
  let body: { data?: Record<string, T | null> | null; errors?: { message: string; extensions?: { code?: string; reason?: string } }[] };
  try {
    const response = await fetch(options.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...options.headers },
      body: JSON.stringify({ query: options.query, variables: options.variables }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
    body = (await response.json()) as typeof body;
  } catch (error) {
    throw new GovshareError(options.unreachableCode, `no answer from ${options.graphqlUrl}: ${(error as Error).message}`, { cause: error });
  }
  const value = body.data?.[options.field];
  if (value) return value;
  const first = body.errors?.[0];
  throw new GovshareError(first?.extensions?.code ?? 'INTERNAL_SERVER_ERROR', first?.message ?? `the department answered without ${options.what}`, {
    ...(first?.extensions?.reason && { detail: { reason: first.extensions.reason } }),
  });
}
