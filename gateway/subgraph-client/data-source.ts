import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError } from 'graphql';
import { REQUEST_ID_HEADER } from '../../platform/http/server.ts';
import type { AuditedContext } from '../audit/request-audit.ts';
import type { GatewayContext } from '../context.ts';
import type { PolicyDecision } from '../policy/decide.ts';
import type { KeepAliveFetcher } from './keep-alive-fetcher.ts';
import { SUBGRAPH_TOKEN_HEADER, type DecisionContext, type SubgraphTokenSigner } from './subgraph-token.ts';

/**
 * How the gateway calls one department: the lean fetcher, the request id
 * carried along (so one id ties the gateway's log line to each subgraph's),
 * and a count of fetches per subgraph for /metrics.
 */
export class DepartmentDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  readonly department: string;
  private readonly onFetch: (department: string, outcome: 'ok' | 'error', seconds: number) => void;
  private readonly signer: (() => SubgraphTokenSigner | undefined) | undefined;

  constructor(options: {
    department: string;
    url: string;
    fetcher: KeepAliveFetcher;
    onFetch: (department: string, outcome: 'ok' | 'error', seconds: number) => void;
    /** Signs the gateway token every department requires (unset or not ready: no token sent). */
    signer?: () => SubgraphTokenSigner | undefined;
  }) {
    super({ url: options.url, fetcher: options.fetcher as never });
    this.department = options.department;
    this.onFetch = options.onFetch;
    this.signer = options.signer;
    // Subgraphs answer `cache-control: no-store`-free JSON; the gateway computes no cache policy from them.
    this.honorSubgraphCacheControlHeader = false;
  }

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    if (context?.requestId) request.http?.headers.set(REQUEST_ID_HEADER, context.requestId);
    // The audit entry names every department the request actually reached (entity fetches too).
    (context as Partial<AuditedContext> | undefined)?.audit?.subgraphs.add(this.department);
    const sign = this.signer?.();
    if (sign && context?.requestId && context.decision) {
      // One token per (request, department): the entity fetches of a request share it. Signed
      // off the event loop; the departments of one request get theirs in parallel.
      const tokens = (context.subgraphTokens ??= new Map<string, Promise<string>>());
      let token = tokens.get(this.department);
      if (!token) tokens.set(this.department, (token = sign.inBackground(this.department, context.requestId, decisionContext(context.decision))));
      request.http?.headers.set(SUBGRAPH_TOKEN_HEADER, await token);
    }
  }

  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>) {
    const started = process.hrtime.bigint();
    let outcome: 'ok' | 'error' = 'error';
    try {
      const response = await super.process(options);
      if (!response.errors?.length) outcome = 'ok';
      // What the department released under each citizen's consent, for the audit entry.
      const consents = (response.extensions as { consents?: unknown } | undefined)?.consents;
      const audit = (options.context as Partial<AuditedContext> | undefined)?.audit;
      if (audit && Array.isArray(consents)) {
        for (const c of consents as { citizen?: unknown; consent?: unknown; categories?: unknown }[]) {
          if (typeof c?.citizen === 'string' && typeof c.consent === 'string' && Array.isArray(c.categories)) {
            audit.consents.set(c.citizen, { consent: c.consent, categories: c.categories.filter((x): x is string => typeof x === 'string') });
          }
        }
      }
      return response;
    } finally {
      this.onFetch(this.department, outcome, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  /**
   * A subgraph that refuses a whole request answers HTTP 400 with GraphQL
   * errors (e.g. INVALID_DID for a bad argument). Surface its first error with
   * its own code (and reason) instead of the generic "400: Bad Request". A
   * department that cannot serve yet (503: it has not reached the ledger) is
   * a department that could not answer.
   */
  override async errorFromResponse(response: Parameters<RemoteGraphQLDataSource['errorFromResponse']>[0]) {
    if (response.status === 503) {
      return new GraphQLError(`${this.department} cannot answer yet`, { extensions: { code: 'SUBGRAPH_UNAVAILABLE' } });
    }
    if (response.status >= 400 && response.status < 500) {
      const body = await this.parseBody(response).catch(() => undefined);
      const first = (body as { errors?: { message?: unknown; extensions?: { code?: unknown; reason?: unknown } }[] } | undefined)?.errors?.[0];
      if (first && typeof first.message === 'string' && typeof first.extensions?.code === 'string') {
        const reason = typeof first.extensions.reason === 'string' ? first.extensions.reason : undefined;
        return new GraphQLError(first.message, { extensions: { code: first.extensions.code, ...(reason && { reason }) } });
      }
    }
    return super.errorFromResponse(response);
  }
}

/** What a department needs of the gateway's decision (the token's `ctx`). */
export function decisionContext(decision: PolicyDecision): DecisionContext {
  return {
    agency: decision.agency?.did ?? null,
    purpose: decision.agency?.purpose ?? null,
    agreements: decision.agreements.map((a) => a.id),
    consentCategories: [...decision.consentCategories],
    decision: decision.decisionKey,
  };
}
