/**
 * What the bench sends, and where. Both queries take the citizen's DID as a
 * variable, as a client would: one document, so every gateway plans it once
 * and then serves it from its plan cache, and the figures measure serving,
 * not planning.
 */

/** Everything here is answered by the finance department alone (its taxpayer register). */
export const SINGLE_QUERY = `query BenchSingle($did: DID!) {
  citizen(did: $did) { did name taxClearance { status } }
}`;

/**
 * One citizen joined across the three departments. Each serves the shareable root field
 * `citizen(did:)`, so a gateway asks finance, education and justice in parallel.
 */
export const CROSS_QUERY = `query BenchCross($did: DID!) {
  citizen(did: $did) {
    did
    name
    taxClearance { status }
    degrees { title }
    enrolments { programme }
    criminalRecord { clean }
  }
}`;

export type TargetId = 'direct-single' | 'ours-single' | 'bare-single' | 'ours-cross' | 'bare-cross';

export interface Endpoint {
  /** GraphQL URL. */
  url: string;
  /** The process that answers there, whose CPU time is measured. */
  pid: number;
}

export interface Target extends Endpoint {
  id: TargetId;
  label: string;
  query: string;
  /**
   * Each request carries a fresh agency bearer token. Sent to both gateways, so
   * that they get the same requests (the bare one ignores the header); our
   * gateway authenticates it, decides policy from the agency's agreements and
   * audits the request. Not sent to the subgraph queried directly.
   */
  agencyToken: boolean;
  /** Static headers on every request (the finance department, asked directly, needs a gateway token). */
  headers?: Record<string, string>;
}

/** The five targets, in the order they run (one at a time, never together). */
export function targets(endpoints: { finance: Endpoint & { headers: Record<string, string> }; ours: Endpoint; bare: Endpoint }): Target[] {
  const { finance, ours, bare } = endpoints;
  return [
    { id: 'direct-single', label: 'finance subgraph, direct', ...finance, query: SINGLE_QUERY, agencyToken: false },
    { id: 'ours-single', label: 'our gateway, single-department', ...ours, query: SINGLE_QUERY, agencyToken: true },
    { id: 'bare-single', label: 'bare gateway, single-department', ...bare, query: SINGLE_QUERY, agencyToken: true },
    { id: 'ours-cross', label: 'our gateway, cross-department', ...ours, query: CROSS_QUERY, agencyToken: true },
    { id: 'bare-cross', label: 'bare gateway, cross-department', ...bare, query: CROSS_QUERY, agencyToken: true },
  ];
}

/** One request body per DID; the load generator rotates through them. */
export function bodies(query: string, dids: string[]): string[] {
  return dids.map((did) => JSON.stringify({ query, variables: { did } }));
}

/**
 * What counts as a good answer: HTTP 200, no `errors`, and the citizen found.
 * A gateway that answers errors fast must not look fast.
 */
export function answerProblem(status: number, body: string): string | undefined {
  if (status !== 200) return `HTTP ${status}: ${body.slice(0, 300)}`;
  let parsed: { data?: { citizen?: unknown } | null; errors?: unknown[] };
  try {
    parsed = JSON.parse(body);
  } catch {
    return `not JSON: ${body.slice(0, 300)}`;
  }
  if (parsed.errors?.length) return `GraphQL errors: ${JSON.stringify(parsed.errors).slice(0, 300)}`;
  if (!parsed.data?.citizen) return `no citizen in the answer: ${body.slice(0, 300)}`;
  return undefined;
}
