import { createHash } from 'node:crypto';
import canonicalizeModule from 'canonicalize';
import { isAgreementActive, type Agreement, type LegalBasis } from '../../anchor/ledger/sharing-agreements.ts';
import { networkName } from '../../anchor/ledger/did.ts';
import { CATEGORIES, type Category, type Scope } from '../access/categories.ts';

// The package's CommonJS typing does not match its ESM default export.
const canonicalize = canonicalizeModule as unknown as (value: unknown) => string | undefined;

/**
 * The field-level policy decision for one request (DESIGN.md "Trust model": per field, by
 * agency, purpose and agreement, before planning). Which scopes the caller may read:
 * `public` always, `agency` once authenticated, and each data category that an ACTIVE
 * sharing agreement grants to this agency for the purpose it declared.
 *
 * An agreement grants a category only when:
 * - its consumer is the agency's identity address on this ledger's network;
 * - it is active at `nowSeconds` (accepted, not terminated, inside its window);
 * - its purposes include the purpose declared in the agency's token;
 * - its provider is the department that owns the category ("education.degree" → education):
 *   the contract lets any consortium member propose, and one department must not be able to
 *   hand out another department's data.
 */
export interface PolicyRequest {
  /** The authenticated agency; undefined for an anonymous caller. */
  agency?: { did: string; purpose: string } | undefined;
}

/** What the policy knows of the ledger's agreements at the time of a request (see agreements.ts). */
export interface AgreementSnapshot {
  chainId: number;
  /** Agreements by consumer identity address in lower case: a request looks up its agency's only. */
  byConsumer: ReadonlyMap<string, readonly Agreement[]>;
  /** Identity address in lower case → the department it speaks for. */
  departments: ReadonlyMap<string, string>;
  /** False when the ledger could not be read for longer than the source allows: grant no category. */
  fresh: boolean;
}

export interface CategoryGrant {
  agreementId: number;
  legalBasis: LegalBasis;
}

export interface PolicyDecision {
  agency: { did: string; purpose: string } | null;
  /** Sorted: 'agency', the granted categories, 'public'. */
  scopes: readonly Scope[];
  /** For each granted category, the agreement it is read under (statute preferred over consent). */
  grants: Readonly<Partial<Record<Category, CategoryGrant>>>;
  /** The agreements the grants rely on, oldest first, with the categories each grants here. */
  agreements: readonly { id: number; categories: readonly Category[]; legalBasis: LegalBasis }[];
  /**
   * Categories granted only under consent-based agreements: each record needs the citizen's
   * consent, which the department holding it checks (pushed down with the request later).
   */
  consentCategories: readonly Category[];
  /** Set when an agency's categories could not be decided (agreements unreadable): none granted. */
  failedClosed?: 'AGREEMENTS_UNAVAILABLE';
  /** SHA-256 of the canonical decision (who, purpose, scopes, grants): stable across requests. */
  decisionKey: string;
  /** The scopes alone: everything the operation rewrite depends on, so callers with equal rights share it. */
  scopesKey: string;
}

export function decide(request: PolicyRequest, snapshot: AgreementSnapshot | undefined, nowSeconds: number): PolicyDecision {
  const scopes = new Set<Scope>(['public']);
  const grants: Partial<Record<Category, CategoryGrant>> = {};
  let failedClosed: PolicyDecision['failedClosed'];
  const agency = request.agency ? { did: request.agency.did, purpose: request.agency.purpose } : null;
  if (agency) {
    scopes.add('agency');
    if (!snapshot?.fresh) failedClosed = 'AGREEMENTS_UNAVAILABLE';
    else {
      const consumer = consumerAddress(agency.did, snapshot.chainId);
      for (const agreement of (consumer && snapshot.byConsumer.get(consumer)) || []) {
        if (!isAgreementActive(agreement, nowSeconds) || !agreement.purposes.includes(agency.purpose)) continue;
        const provider = snapshot.departments.get(agreement.provider.toLowerCase());
        for (const name of agreement.categories) {
          if (!isCategory(name) || provider !== departmentOf(name)) continue;
          scopes.add(name);
          grants[name] = better(grants[name], { agreementId: agreement.id, legalBasis: agreement.legalBasis });
        }
      }
    }
  }
  const sortedScopes = [...scopes].sort();
  const relied = new Map<number, { id: number; categories: Category[]; legalBasis: LegalBasis }>();
  for (const category of (Object.keys(grants) as Category[]).sort()) {
    const { agreementId, legalBasis } = grants[category]!;
    const entry = relied.get(agreementId) ?? { id: agreementId, categories: [], legalBasis };
    entry.categories.push(category);
    relied.set(agreementId, entry);
  }
  const consentCategories = (Object.keys(grants) as Category[]).filter((c) => grants[c]!.legalBasis === 'consent').sort();
  const canonical = canonicalize({ agency, scopes: sortedScopes, grants, ...(failedClosed && { failedClosed }) })!;
  return {
    agency,
    scopes: sortedScopes,
    grants,
    agreements: [...relied.values()].sort((a, b) => a.id - b.id),
    consentCategories,
    ...(failedClosed && { failedClosed }),
    decisionKey: createHash('sha256').update(canonical).digest('hex'),
    scopesKey: sortedScopes.join(' '),
  };
}

/** The department a category belongs to: the part before the dot ("justice.case" → justice). */
export function departmentOf(category: Category): string {
  return category.slice(0, category.indexOf('.'));
}

function isCategory(name: string): name is Category {
  return Object.hasOwn(CATEGORIES, name);
}

/** A statutory grant needs no per-citizen consent, so it wins; among equals the oldest agreement. */
function better(current: CategoryGrant | undefined, candidate: CategoryGrant): CategoryGrant {
  if (!current) return candidate;
  if (current.legalBasis !== candidate.legalBasis) return current.legalBasis === 'statute' ? current : candidate;
  return current.agreementId <= candidate.agreementId ? current : candidate;
}

const DID_ETHR = /^did:ethr:(?:([a-z0-9]+):)?(0x[0-9a-fA-F]{40})$/;

/** The agency's identity address (lower case) if its DID is a did:ethr on this ledger's network. */
function consumerAddress(did: string, chainId: number): string | undefined {
  const match = DID_ETHR.exec(did);
  return match && match[1] === networkName(chainId) ? match[2]!.toLowerCase() : undefined;
}
