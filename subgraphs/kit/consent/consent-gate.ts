import DataLoader from 'dataloader';
import { identityOf } from '../../../credentials/consent/identity-of.ts';
import type { DecisionContext } from '../../../gateway/subgraph-client/subgraph-token.ts';
import { GovshareError } from '../../../platform/errors.ts';
import type { Queryable } from '../../../store/database.ts';
import { ErrorCode } from '../errors.ts';
import { consentedCategories } from './consented-categories.ts';

/**
 * One request's consent checks (DESIGN.md "Trust model": policy decided twice). The gateway
 * decided per field and signed, in the request's token, which categories the agency reads only
 * under each citizen's consent; this gate decides per citizen. A field in one of those
 * categories is released for a citizen only if that citizen has a consent in force naming the
 * agency, the purpose and that category.
 *
 * One look-up per (request, citizen), batched: every consent-bound field of every citizen in
 * the answer waits on one query per tick. Nothing is kept after the request: a revocation
 * counts from the next request.
 */
export interface ConsentGate {
  /** Whether this request needs consent for `scope` at all (a category granted under consent). */
  binds(scope: string): boolean;
  /**
   * Resolves when `citizen` consented to `scope`; throws CONSENT_REQUIRED otherwise (null: no
   * single citizen). `root`: the response key of the root field the value is under, so that the
   * gateway can tell which of the fetches it merged into one request the release was for.
   */
  check(citizen: string | null | undefined, scope: string, root?: string): Promise<void>;
  /** The consents this request released data under so far: per citizen (as the request named them), each consent and its categories used. */
  relied(): ReliedConsent[];
}

export interface ReliedConsent {
  citizen: string;
  /** The consent's jti. */
  consent: string;
  categories: string[];
  /** The response key of the root field it released these categories under (gateway/subgraph-client/merge-operation.ts). */
  root?: string;
}

/** The gate of one request, or undefined when its decision binds no category to consent. */
export function createConsentGate(db: Queryable, decision: DecisionContext | undefined, now: () => Date = () => new Date()): ConsentGate | undefined {
  if (!decision || decision.consentCategories.length === 0) return undefined;
  const bound = new Set(decision.consentCategories);
  const { agency, purpose } = decision;
  const loader =
    agency && purpose
      ? new DataLoader<string, Map<string, string>>((keys) => consentedCategories(db, { agencyKey: identityOf(agency), purpose, citizenKeys: keys, now: now() }), { maxBatchSize: 500 })
      : undefined;
  // Per (citizen, consent, root field): the categories released under it there, for the audit
  // trail (the response's extensions). One entry per root field, so that the gateway can give
  // each request of a merged fetch the categories released to it, not the union over the fetch.
  const used = new Map<string, { citizen: string; consent: string; root: string | undefined; categories: Set<string> }>();
  return {
    binds: (scope) => bound.has(scope),
    relied: () => [...used.values()].map(({ citizen, consent, root, categories }) => ({ citizen, consent, categories: [...categories].sort(), ...(root !== undefined && { root }) })),
    async check(citizen, scope, root) {
      if (!citizen) throw consentRequired(scope, 'NO_CITIZEN', `this record is not about one citizen: no consent can release its ${scope} fields`);
      // An agency and purpose always come with a consent-bound category; without them nothing is released.
      if (!loader) throw consentRequired(scope, 'NO_CONSENT', `${scope} is released only under the citizen's consent to a named agency and purpose`);
      const consent = (await loader.load(identityOf(citizen))).get(scope);
      if (!consent) throw consentRequired(scope, 'NO_CONSENT', `the citizen has not consented to releasing ${scope} to this agency for this purpose`);
      const key = JSON.stringify([citizen, consent, root ?? null]);
      let release = used.get(key);
      if (!release) used.set(key, (release = { citizen, consent, root, categories: new Set() }));
      release.categories.add(scope);
    },
  };
}

function consentRequired(scope: string, reason: 'NO_CONSENT' | 'NO_CITIZEN', message: string): GovshareError {
  return new GovshareError(ErrorCode.CONSENT_REQUIRED, message, { detail: { reason, scope } });
}
