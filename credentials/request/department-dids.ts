import { GovshareError } from '../../platform/errors.ts';

/**
 * Each department's DID as the gateway publishes it at `GET /departments` (null for one that
 * has not answered the gateway yet: down, or still starting): the audience a signed request to
 * that department must name. Nothing here needs trusting: a request signed for the wrong DID
 * is refused by the department (AUDIENCE_MISMATCH) and useless anywhere else.
 * No usable answer from the gateway is `unreachableCode`.
 */
export async function departmentDids(gatewayUrl: string, options: { unreachableCode: string; timeoutMs?: number }): Promise<Map<string, string | null>> {
  const url = `${gatewayUrl.replace(/\/+$/, '')}/departments`;
  let listed: { departments?: unknown };
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 10_000) });
    if (!response.ok) throw new Error(`answered HTTP ${response.status}`);
    listed = (await response.json()) as typeof listed;
  } catch (error) {
    throw new GovshareError(options.unreachableCode, `no answer from ${url}: ${(error as Error).message}`, { cause: error });
  }
  if (!Array.isArray(listed.departments)) throw new GovshareError(options.unreachableCode, `${url} did not answer with a list of departments: is this a govshare gateway?`);
  const dids = new Map<string, string | null>();
  for (const entry of listed.departments as { department?: unknown; did?: unknown }[]) {
    if (typeof entry?.department === 'string') dids.set(entry.department, typeof entry.did === 'string' ? entry.did : null);
  }
  return dids;
}
