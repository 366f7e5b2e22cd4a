import { randomUUID } from 'node:crypto';
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { GraphQLError } from 'graphql';
import { REQUEST_ID_HEADER } from '../../platform/http/server.ts';
import type { Logger } from '../../platform/log.ts';
import type { AuditedContext } from '../audit/request-audit.ts';
import type { GatewayContext } from '../context.ts';
import type { PolicyDecision } from '../policy/decide.ts';
import { createFetchLanes, type FetchLanes } from './fetch-lanes.ts';
import type { KeepAliveFetcher } from './keep-alive-fetcher.ts';
import { isMergeable, mergeOperation, mergeVariables, splitMergedResponse, splittable } from './merge-operation.ts';
import { SUBGRAPH_TOKEN_HEADER, type DecisionContext, type SubgraphTokenSigner } from './subgraph-token.ts';

/**
 * How the gateway calls one department: the lean fetcher, the request id
 * carried along (so one id ties the gateway's log line to each subgraph's),
 * a count of fetches per subgraph for /metrics, and (option `merge`) the
 * fetches of concurrent requests that run the same query under the same
 * decision merged into one (fetch-lanes.ts, merge-operation.ts). A merged
 * fetch has a request id of its own, which the department logs; the gateway
 * logs it with the ids of the requests it served.
 */
export class DepartmentDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  readonly department: string;
  private readonly onFetch: (department: string, outcome: 'ok' | 'error', seconds: number) => void;
  private readonly signer: (() => SubgraphTokenSigner | undefined) | undefined;
  private readonly lanes: FetchLanes<MergeMember, GatewayGraphQLResponse> | undefined;
  private readonly logger: Logger | undefined;

  constructor(options: {
    department: string;
    url: string;
    fetcher: KeepAliveFetcher;
    onFetch: (department: string, outcome: 'ok' | 'error', seconds: number) => void;
    /** Signs the gateway token every department requires (unset or not ready: no token sent). */
    signer?: () => SubgraphTokenSigner | undefined;
    /** Merge concurrent fetches of one query under one decision (default: every fetch leaves alone). */
    merge?: boolean;
    /** The gateway's logger: merged fetches are logged here, under no one request's id. */
    logger?: Logger;
  }) {
    super({ url: options.url, fetcher: options.fetcher as never });
    this.department = options.department;
    this.onFetch = options.onFetch;
    this.signer = options.signer;
    if (options.merge) this.lanes = createFetchLanes();
    this.logger = options.logger;
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

  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const response =
      this.lanes && isIncomingOperation(options) && options.context?.decision && options.context.requestId && options.request.query && isMergeable(options.request.query)
        ? await this.fetchMerged(this.lanes, options)
        : await this.fetchOnce(options);
    recordConsents((options.context as Partial<AuditedContext> | undefined)?.audit, response);
    return response;
  }

  /** The fetch, merged with those of other requests that run the same query under the same decision. */
  private fetchMerged(lanes: FetchLanes<MergeMember, GatewayGraphQLResponse>, options: IncomingOperation): Promise<GatewayGraphQLResponse> {
    const { context, incomingRequestContext, request } = options;
    (context as Partial<AuditedContext>).audit?.subgraphs.add(this.department);
    // Everything the department decides on but the variables: the query and the gateway's decision
    // (decisionKey is the hash of the whole decision, from which the token's ctx is derived).
    const key = `${context.decision.decisionKey}\n${request.query}`;
    const member: MergeMember = { requestId: context.requestId, variables: request.variables, alone: () => this.fetchOnce(options) };
    return lanes.fetch(key, member, async (members) => {
      if (members.length === 1) {
        // In flight until it is answered: that is the window in which the next fetches gather.
        const answer = members[0]!.alone();
        await answer.catch(() => undefined);
        return [answer];
      }
      const batchId = `merged-${randomUUID()}`;
      const requests = members.map((m) => m.requestId);
      // One line ties the merged fetch's id (the one the department logs) to the requests it served.
      this.logger?.info({ batchId, department: this.department, requests }, 'merged fetch');
      const batchContext = { requestId: batchId, logger: context.logger, decision: context.decision } as GatewayContext;
      let merged: GatewayGraphQLResponse;
      try {
        merged = await this.fetchOnce({
          ...options,
          request: { query: mergeOperation(request.query!, members.length), variables: mergeVariables(members.map((m) => m.variables)), ...(request.operationName && { operationName: request.operationName }) },
          context: batchContext,
          incomingRequestContext: { ...incomingRequestContext, context: batchContext },
        });
      } catch (error) {
        // Refused before it ran (HTTP 4xx: one member's variable is invalid, the body is too
        // large): each member asks alone, so that one member's refusal never becomes another's.
        // Otherwise (unreachable, timed out, 5xx) every member gets the error its own fetch
        // would most likely have got, without N more requests to a department in trouble.
        if (!refusedBeforeRunning.has(error as object)) throw error;
        this.logger?.info({ batchId, department: this.department, requests, reason: (error as Error).message }, 'merged fetch refused: each request asks alone');
        return members.map((m) => m.alone());
      }
      // An answer that cannot be told apart per member (no data: a non-null root field failed;
      // an error at no path; a consent named under no root field): each member asks alone. Only
      // read-only queries are merged (merge-operation.ts), so asking again changes nothing.
      if (!splittable(merged)) {
        this.logger?.info({ batchId, department: this.department, requests }, 'merged fetch not split: each request asks alone');
        return members.map((m) => m.alone());
      }
      return members.map((_, index) => Promise.resolve(splitMergedResponse(merged, index)));
    });
  }

  /** One HTTP exchange with the department, counted for /metrics. */
  private async fetchOnce(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const started = process.hrtime.bigint();
    let outcome: 'ok' | 'error' = 'error';
    try {
      const response = await super.process(options);
      if (!response.errors?.length) outcome = 'ok';
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
    const error = await this.describeRefusal(response);
    // A 4xx is the department declining the request as sent: nothing of it ran (fetchMerged).
    if (response.status >= 400 && response.status < 500) refusedBeforeRunning.add(error);
    return error;
  }

  private async describeRefusal(response: Parameters<RemoteGraphQLDataSource['errorFromResponse']>[0]) {
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

/** Errors of HTTP 4xx answers: the department refused the request before running any of it. */
const refusedBeforeRunning = new WeakSet<object>();

interface MergeMember {
  requestId: string;
  variables: Record<string, unknown> | undefined;
  /** The member's fetch on its own (as a batch of one, or when the merged one had no data). */
  alone: () => Promise<GatewayGraphQLResponse>;
}

type IncomingOperation = Extract<GraphQLDataSourceProcessOptions<GatewayContext>, { incomingRequestContext: unknown }>;

/** A fetch of an operation the gateway is executing (not its health check or schema load). */
function isIncomingOperation(options: GraphQLDataSourceProcessOptions<GatewayContext>): options is IncomingOperation {
  return 'incomingRequestContext' in options;
}

/** What the department released under each citizen's consent (its response's extensions), for the audit entry. */
function recordConsents(audit: Partial<AuditedContext>['audit'], response: GatewayGraphQLResponse): void {
  const consents = (response.extensions as { consents?: unknown } | undefined)?.consents;
  if (!audit || !Array.isArray(consents)) return;
  for (const c of consents as { citizen?: unknown; consent?: unknown; categories?: unknown }[]) {
    if (typeof c?.citizen === 'string' && typeof c.consent === 'string' && Array.isArray(c.categories)) {
      const categories = c.categories.filter((x): x is string => typeof x === 'string');
      // One entry per root field: the same citizen and consent under two fields add up.
      const known = audit.consents.get(c.citizen);
      if (known?.consent === c.consent) categories.push(...known.categories.filter((x) => !categories.includes(x)));
      audit.consents.set(c.citizen, { consent: c.consent, categories: categories.sort() });
    }
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
