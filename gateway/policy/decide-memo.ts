import { decide, type AgreementSnapshot, type PolicyDecision, type PolicyRequest } from './decide.ts';

/**
 * `decide`, made once per (agency, purpose, agreements as loaded, second) instead of once per
 * request. A decision depends on nothing else: the agreements in memory (replaced as a whole
 * when the ledger shows a change), whether they are fresh, and the second their validity windows
 * are checked at. So the result is the one `decide` would give, and a change on the ledger or a
 * window opening or closing counts from the same request as before. Under load one agency sends
 * hundreds of requests a second; deciding (and hashing the canonical decision) each time was a
 * few per cent of the gateway's event loop.
 *
 * Decisions are shared between requests: PolicyDecision is read-only to everything downstream.
 */
export function memoizedDecide(options: { maxAgencies?: number } = {}): typeof decide {
  const maxAgencies = options.maxAgencies ?? 10_000;
  let basis: { byConsumer: AgreementSnapshot['byConsumer']; departments: AgreementSnapshot['departments']; chainId: number; fresh: boolean; second: number } | undefined;
  let decisions = new Map<string, PolicyDecision>();
  return (request: PolicyRequest, snapshot: AgreementSnapshot | undefined, nowSeconds: number): PolicyDecision => {
    if (!snapshot) return decide(request, snapshot, nowSeconds);
    if (
      !basis ||
      basis.second !== nowSeconds ||
      basis.byConsumer !== snapshot.byConsumer ||
      basis.departments !== snapshot.departments ||
      basis.chainId !== snapshot.chainId ||
      basis.fresh !== snapshot.fresh
    ) {
      basis = { byConsumer: snapshot.byConsumer, departments: snapshot.departments, chainId: snapshot.chainId, fresh: snapshot.fresh, second: nowSeconds };
      decisions = new Map();
    }
    const key = request.agency ? `${request.agency.did}\n${request.agency.purpose}` : '';
    let decision = decisions.get(key);
    if (!decision) {
      decision = decide(request, snapshot, nowSeconds);
      if (decisions.size < maxAgencies) decisions.set(key, decision);
    }
    return decision;
  };
}
