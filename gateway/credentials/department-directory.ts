import type { DepartmentName } from '../../platform/config.ts';
import type { Logger } from '../../platform/log.ts';

/** What a department says about itself at `GET /identity` on its own server. */
export interface DepartmentIdentity {
  department: string;
  did: string;
  logId: string;
}

export interface DepartmentDirectory {
  /** The base URL of a department's server (where `/status/…`, `/credentials/…` live), or undefined. */
  baseUrl(department: string): string | undefined;
  /** The department whose DID this is, asking the departments again (at most once per `refreshMs`) on a miss. */
  byDid(did: string): Promise<{ department: DepartmentName; baseUrl: string } | undefined>;
  /** Every department and its DID as far as known (asking again, at most once per `refreshMs`, when one is missing). */
  list(): Promise<{ department: string; did: string | null }[]>;
}

/**
 * Which department is which issuer. The gateway holds no department keys (a department may
 * run on another host), so it asks each department for its DID at `GET /identity` and keeps the
 * answers; a miss asks again, at most once per `refreshMs`, so a department that was down at
 * first comes in without a restart and a stream of unknown issuers costs no fetch storm.
 * Nothing here is trusted for verification: a proof fetched through this map is checked
 * against the ledger by the verifier.
 */
export function createDepartmentDirectory(
  subgraphs: Readonly<Record<DepartmentName, string>>,
  options: { logger?: Logger; refreshMs?: number; timeoutMs?: number } = {},
): DepartmentDirectory {
  const bases = new Map(Object.entries(subgraphs).map(([name, graphqlUrl]) => [name, serverBaseUrl(graphqlUrl)]));
  const dids = new Map<string, DepartmentName>();
  const refreshMs = options.refreshMs ?? 5_000;
  let lastRefresh = 0;
  let refreshing: Promise<void> | undefined;

  const refresh = () =>
    (refreshing ??= (async () => {
      lastRefresh = Date.now();
      await Promise.all(
        [...bases].map(async ([name, base]) => {
          try {
            const response = await fetch(new URL('identity', base), { signal: AbortSignal.timeout(options.timeoutMs ?? 2_000) });
            if (!response.ok) throw new Error(`answered ${response.status}`);
            const identity = (await response.json()) as Partial<DepartmentIdentity>;
            if (typeof identity.did === 'string' && identity.department === name) dids.set(identity.did, name as DepartmentName);
          } catch (error) {
            options.logger?.warn({ department: name, err: (error as Error).message }, 'department identity unavailable');
          }
        }),
      );
    })().finally(() => (refreshing = undefined)));

  return {
    baseUrl: (department) => bases.get(department),
    async byDid(did) {
      if (!dids.has(did) && Date.now() - lastRefresh >= refreshMs) await refresh();
      const department = dids.get(did);
      return department ? { department, baseUrl: bases.get(department)! } : undefined;
    },
    async list() {
      if (dids.size < bases.size && Date.now() - lastRefresh >= refreshMs) await refresh();
      const byName = new Map([...dids].map(([did, name]) => [name as string, did]));
      return [...bases.keys()].map((department) => ({ department, did: byName.get(department) ?? null }));
    },
  };
}

/** `http://host:4101/graphql` → `http://host:4101/` (a department behind a path prefix keeps it). */
export function serverBaseUrl(graphqlUrl: string): string {
  return new URL('.', graphqlUrl).toString();
}
