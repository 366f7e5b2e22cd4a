import { ApolloServer } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloGateway } from '@apollo/gateway';
import { Counter, Histogram } from 'prom-client';
import { DEFAULT_PORTS, type DepartmentName } from '../platform/config.ts';
import { createLogger, type Logger } from '../platform/log.ts';
import { createHttpMetrics, recordResponse } from '../platform/metrics.ts';
import { sendJson, startHttpServer, type RunningServer } from '../platform/http/server.ts';
import { readClassification, type Classification } from './access/classification.ts';
import { composeSupergraph, fetchSubgraphSdl } from './compose.ts';
import type { GatewayContext } from './context.ts';
import { credentialRoutes } from './credentials/credential-routes.ts';
import { createDepartmentDirectory } from './credentials/department-directory.ts';
import { authenticateRequest } from './auth/authenticate-request.ts';
import type { AgencyAuthenticator } from './auth/authenticate-agency.ts';
import { DEFAULT_LIMITS, limitRules, type OperationLimits } from './limits/operation-limits.ts';
import { costRule, DEFAULT_COST_LIMITS, type CostLimits } from './limits/operation-cost.ts';
import type { OperationAllowList } from './limits/operation-allow-list.ts';
import type { RateLimiter } from './limits/rate-limiter.ts';
import { accessLogRoute } from './audit/access-log-route.ts';
import { refusedEntry } from './audit/audit-entry.ts';
import { auditPlugin } from './audit/audit-plugin.ts';
import type { AuditWriter } from './audit/audit-writer.ts';
import { RequestAudit, type PolicyOutcome } from './audit/request-audit.ts';
import { directoryProofSource } from './credentials/directory-proof-source.ts';
import { verifyRoute } from './credentials/verify-route.ts';
import { httpStatusListSource } from '../credentials/verify/http-status-list-source.ts';
import { createVerifier, type Verifier } from '../credentials/verify/verifier.ts';
import type { NonceStore, VerifierTrust } from '../credentials/verify/trust.ts';
import type { Queryable } from '../store/database.ts';
import type { SubgraphTokenSigner } from './subgraph-client/subgraph-token.ts';
import { maskError } from './mask-errors.ts';
import type { AgreementSource } from './policy/agreements.ts';
import { memoizedDecide } from './policy/decide-memo.ts';
import { createPolicyMetrics } from './policy/metrics.ts';
import type { PolicyMode } from './policy/mode.ts';
import { policyGateway } from './policy/policy-gateway.ts';
import { policyPlugin } from './policy/policy-plugin.ts';
import { answerReady, httpDependency, ledgerDependency, type Dependency } from './ready.ts';
import { DepartmentDataSource } from './subgraph-client/data-source.ts';
import { createKeepAliveFetcher } from './subgraph-client/keep-alive-fetcher.ts';

export interface StartGatewayOptions {
  /** GraphQL URL of each department. */
  subgraphs: Record<DepartmentName, string>;
  /** Defaults to 4000; 0 picks a free port. */
  port?: number;
  /** Introspection and the landing page are on only in development. */
  development?: boolean;
  logger?: Logger;
  /** How long to wait for the departments to answer with their schemas at start. */
  subgraphWaitMs?: number;
  bodyLimit?: number;
  /** The ledger's JSON-RPC URL, checked by /ready. */
  ledgerRpcUrl?: string;
  /**
   * Agency authentication (bearer DID JWTs). A function because it becomes
   * available only once the ledger answers: until then a presented token is
   * refused with 503 and anonymous callers are served. Unset: no tokens accepted.
   */
  authenticator?: () => AgencyAuthenticator | undefined;
  /** More dependencies /ready checks (e.g. Redis). */
  readiness?: Dependency[];
  limits?: OperationLimits;
  /**
   * Field-level policy (gateway/policy/). Unset: dry-run without agreements, i.e. NOTHING is
   * enforced (every field readable, what would be denied is logged); kept for tests and tools
   * that predate the policy, and said at start with a warning. A deployment passes it.
   */
  policy?: {
    /** GOVSHARE_POLICY_MODE; default filter. */
    mode?: PolicyMode;
    /**
     * The sharing agreements (gateway/policy/agreements.ts). A function because the ledger may
     * answer only later; until it does, agencies are granted no data category (fail closed).
     */
    agreements?: () => AgreementSource | undefined;
    /** Wall clock in ms, for agreement windows (tests). */
    now?: () => number;
  };
  /** Estimated-cost limit (limits/operation-cost.ts). */
  cost?: CostLimits;
  /** Per-agency request budgets (limits/rate-limiter.ts); unset: none. */
  rateLimiter?: RateLimiter;
  /** Per-agency persisted-operation allow-list (limits/operation-allow-list.ts); unset: none. */
  allowList?: OperationAllowList;
  /**
   * The audit trail (gateway/audit/): every request becomes an entry committed before its answer
   * leaves, and citizens read theirs at GET /access-log. Unset: no trail (tests of other layers).
   */
  audit?: { writer: AuditWriter; db: Queryable };
  /**
   * Ledger trust for POST /verify (credentials/verify/) and the store of used presentation
   * nonces; a function because the ledger may answer only later (until then /verify reports
   * RESOLUTION_UNAVAILABLE). Proofs come from the departments, status lists from their URLs.
   */
  verification?: () => { trust: Pick<VerifierTrust, 'dids' | 'checkpoints' | 'accreditations' | 'didVersions'>; nonces: NonceStore } | undefined;
  /** Signs the token every department request carries (subgraph-client/subgraph-token.ts). */
  subgraphTokens?: () => SubgraphTokenSigner | undefined;
  /**
   * Merge concurrent fetches to a department that run the same query under the same decision
   * into one request (subgraph-client/merge-operation.ts; GOVSHARE_MERGE_FETCHES). Default on.
   */
  mergeFetches?: boolean;
}

export interface GatewayServer extends RunningServer {
  graphqlUrl: string;
  supergraphSdl: string;
  /** Every field's @access scope ("Type.field" → scope), for the policy layer. */
  classification: Classification;
}

/** The audit's view of what policy did with a request. */
function policyOutcome(context: GatewayContext, classification: Classification): PolicyOutcome | undefined {
  const prepared = context.policy;
  if (!prepared) return undefined;
  return {
    decision: prepared.outcome === 'filtered' ? 'filtered' : 'granted',
    ...(prepared.outcome === 'filtered' && { code: 'UNAUTHORIZED_FIELD' }),
    ...(prepared.outcome === 'dry_run' && prepared.denied.length > 0 && { code: 'POLICY_DRY_RUN' }),
    agreements: context.decision.agreements.map((a) => ({ id: a.id, categories: [...a.categories], legalBasis: a.legalBasis })),
    deniedPaths: prepared.denied.map((d) => d.path.join('.')),
    ...(context.audit && { consents: context.audit.consents }),
    categoryOf: (coordinate) => {
      const scope = classification.get(coordinate);
      return scope && scope !== 'public' && scope !== 'agency' ? scope : undefined;
    },
  };
}

/** The operation text of a POST body or a GET query string. */
function queryText(body: unknown, url: string | undefined): string | undefined {
  const query = (body as { query?: unknown } | undefined)?.query ?? new URL(url ?? '/', 'http://localhost').searchParams.get('query');
  return typeof query === 'string' ? query : undefined;
}

/** A request over its agency's budget: RATE_LIMITED (429) with when to retry; a store that cannot answer: 503. */
async function rateLimit(limiter: RateLimiter, key: string): Promise<GraphQLError | undefined> {
  try {
    const decision = await limiter.take(key);
    if (decision.allowed) return undefined;
    const retryAfter = String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
    return new GraphQLError(`request budget exhausted; retry in ${retryAfter} s`, {
      extensions: { code: 'RATE_LIMITED', reason: 'RATE_LIMITED', retryAfterSeconds: Number(retryAfter), http: { status: 429, headers: new Map([['retry-after', retryAfter]]) } },
    });
  } catch (error) {
    return new GraphQLError((error as Error).message, { extensions: { code: 'RATE_LIMITED', reason: 'RATE_LIMIT_UNAVAILABLE', http: { status: 503 } } });
  }
}

/**
 * The federation gateway: composes the departments' schemas at start, plans
 * each query across them and answers one GraphQL result.
 *
 * Request path, composed here and nowhere else: HTTP front (body limit,
 * request id) → agency authentication → per-agency rate limit → persisted-operation
 * allow-list → policy decision (scopes from the agency's agreements) → Apollo Server
 * (CSRF prevention, no batching, parsing, validation with the operation and cost
 * limits) → policy rewrite (denied fields removed, or the operation refused) → plan
 * and execute the rewritten operation (department fetches over keep-alive sockets,
 * each with a gateway-signed token) → nulls and UNAUTHORIZED_FIELD errors put back at
 * the removed paths → audit entry committed → masked errors. A refusal before Apollo
 * is on the audit trail too.
 */
export async function startGateway(options: StartGatewayOptions): Promise<GatewayServer> {
  // Without this the gateway starts an exporter that reports to Apollo.
  process.env.APOLLO_TELEMETRY_DISABLED ??= '1';
  const logger = options.logger ?? createLogger('gateway');
  const metrics = createHttpMetrics('gateway');
  const fetches = new Counter({
    name: 'govshare_subgraph_fetches_total',
    help: 'Fetches from the gateway to each department, by outcome',
    labelNames: ['subgraph', 'outcome'] as const,
    registers: [metrics.registry],
  });
  const fetchLatency = new Histogram({
    name: 'govshare_subgraph_fetch_duration_seconds',
    help: 'Latency of fetches from the gateway to each department',
    labelNames: ['subgraph', 'outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [metrics.registry],
  });
  const refusals = new Counter({
    name: 'govshare_refusals_total',
    help: 'Requests refused before planning, by code and reason (e.g. UNAUTHENTICATED / NONCE_REPLAYED)',
    labelNames: ['code', 'reason'] as const,
    registers: [metrics.registry],
  });
  const onFetch = (subgraph: string, outcome: 'ok' | 'error', seconds: number) => {
    fetches.inc({ subgraph, outcome });
    fetchLatency.observe({ subgraph, outcome }, seconds);
  };

  const definitions = await Promise.all(
    Object.entries(options.subgraphs).map(([name, url]) =>
      fetchSubgraphSdl(name, url, {
        timeoutMs: options.subgraphWaitMs ?? 60_000,
        onWait: (attempt) => attempt % 8 === 1 && logger.info({ subgraph: name, url }, 'waiting for department'),
      }),
    ),
  );
  const supergraphSdl = composeSupergraph(definitions);
  // Default deny starts at composition: a field without @access stops the gateway here.
  const classification = readClassification(supergraphSdl);

  const fetcher = createKeepAliveFetcher();
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name, url }) =>
      new DepartmentDataSource({
        department: name,
        url: url!,
        fetcher,
        onFetch,
        ...(options.subgraphTokens && { signer: options.subgraphTokens }),
        merge: options.mergeFetches !== false,
        logger,
      }),
    // Outside production Apollo returns the query plan to any client that asks with a header.
    __exposeQueryPlanExperimental: false,
  });

  const limits = options.limits ?? DEFAULT_LIMITS;
  const policyMode: PolicyMode = options.policy ? (options.policy.mode ?? 'filter') : 'dry-run';
  if (!options.policy) logger.warn('no field-level policy configured: every field is readable by anyone (dry-run only logs what it would deny)');
  const agreements = options.policy?.agreements ?? (() => undefined);
  const now = options.policy?.now ?? Date.now;
  const policyMetrics = createPolicyMetrics(metrics.registry, agreements);
  const decideFor = memoizedDecide();
  const graphql = new ApolloServer<GatewayContext>({
    // Plans and executes the operation as the policy rewrote it, then puts the nulls back.
    gateway: policyGateway(gateway),
    formatError: maskError,
    includeStacktraceInErrorResponses: false,
    introspection: options.development ?? false,
    // No "did you mean" field suggestions outside development: they map the schema for a prober.
    hideSchemaDetailsFromClientErrors: !options.development,
    allowBatchedHttpRequests: false,
    csrfPrevention: true,
    // `govshare serve` owns SIGINT and SIGTERM: it closes everything in order (the audit trail
    // and record logs committed and closed, their databases shut). Apollo's own handler (on by
    // default outside NODE_ENV=test) stops only the server and re-raises the signal, which
    // killed the process before any of that ran.
    stopOnTerminationSignals: false,
    // Hostile shapes are refused before planning: depth, aliases, root fields, directives, tokens.
    validationRules: [...limitRules(limits), costRule(options.cost ?? DEFAULT_COST_LIMITS)],
    parseOptions: { maxTokens: limits.maxTokens },
    plugins: [
      // Every request on the record, committed before its answer leaves (after the nulls are back).
      ...(options.audit ? [auditPlugin<GatewayContext>({ writer: options.audit.writer, logger, outcomeOf: (context) => policyOutcome(context, classification) })] : []),
      // Removes denied fields before planning (or refuses the operation), per context.decision.
      policyPlugin({
        classification,
        mode: policyMode,
        metrics: policyMetrics,
        onRefusal: (code, reason) => refusals.inc({ code, reason }),
      }),
      ...(options.development ? [] : [ApolloServerPluginLandingPageDisabled()]),
    ],
  });
  await graphql.start();

  const dependencies = Object.entries(options.subgraphs).map(([name, url]) => httpDependency(name, new URL('/ready', url).toString()));
  if (options.ledgerRpcUrl) dependencies.push(ledgerDependency(options.ledgerRpcUrl));
  dependencies.push(...(options.readiness ?? []));
  const directory = createDepartmentDirectory(options.subgraphs, { logger });
  // One verifier (and its caches) once the ledger trust is there.
  let verifier: Verifier | undefined;
  const verifierOnce = () => {
    if (verifier) return verifier;
    const ready = options.verification?.();
    if (ready) verifier = createVerifier({ ...ready.trust, proofs: directoryProofSource(directory), statusLists: httpStatusListSource() });
    return verifier;
  };
  const http = await startHttpServer<GatewayContext>({
    port: options.port ?? DEFAULT_PORTS.gateway,
    logger,
    graphql,
    bodyLimit: options.bodyLimit ?? 256 * 1024,
    context: async ({ requestId, req, graphqlBody }) => {
      // Refusals before GraphQL runs are on the record too: written, then thrown.
      const refuse = async (error: GraphQLError, agency?: { did: string; purpose: string }) => {
        await options.audit?.writer.record(
          refusedEntry({ at: new Date(), requestId, agencyDid: agency?.did ?? null, purpose: agency?.purpose ?? null, code: String(error.extensions.code), request: graphqlBody, response: { errors: [{ message: error.message, extensions: error.extensions }] } }),
        );
        throw error;
      };
      let agency;
      try {
        agency = await authenticateRequest(options.authenticator, req.headers.authorization, (reason) => refusals.inc({ code: 'UNAUTHENTICATED', reason }));
      } catch (error) {
        if (error instanceof GraphQLError) return refuse(error);
        throw error;
      }
      if (options.rateLimiter) {
        const refusal = await rateLimit(options.rateLimiter, agency?.did ?? `anonymous:${req.socket.remoteAddress ?? ''}`);
        if (refusal) {
          refusals.inc({ code: String(refusal.extensions.code), reason: String(refusal.extensions.reason) });
          return refuse(refusal, agency);
        }
      }
      const notAllowed = options.allowList && options.allowList.check(agency?.did, queryText(graphqlBody, req.url));
      if (notAllowed) {
        refusals.inc({ code: notAllowed.code, reason: notAllowed.code });
        return refuse(new GraphQLError(notAllowed.message, { extensions: { code: notAllowed.code, http: { status: 403 } } }), agency);
      }
      // What this caller may read, from its agreements as the ledger last showed them.
      const decision = decideFor({ agency }, agreements()?.snapshot(), Math.floor(now() / 1000));
      return { requestId, logger: logger.child({ requestId }), ...(agency && { agency }), decision, ...(options.audit && { audit: new RequestAudit() }) };
    },
    onResponse: recordResponse(metrics),
    routes: {
      'GET /health': (_req, res) => sendJson(res, 200, { status: 'ok', component: 'gateway' }),
      'GET /ready': (_req, res) => answerReady(res, 'gateway', dependencies),
      'GET /metrics': async (_req, res) => {
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(await metrics.registry.metrics());
      },
      ...credentialRoutes(directory),
      'POST /verify': verifyRoute({ verifier: verifierOnce, nonces: () => options.verification?.()?.nonces }),
      ...(options.audit && { 'GET /access-log': accessLogRoute({ db: options.audit.db, authenticator: options.authenticator ?? (() => undefined) }) }),
    },
  });
  logger.info({ url: `${http.url}/graphql`, subgraphs: Object.keys(options.subgraphs), policy: policyMode }, 'gateway listening');
  return {
    ...http,
    graphqlUrl: `${http.url}/graphql`,
    supergraphSdl,
    classification,
    async close() {
      await http.close();
      await graphql.stop();
      fetcher.close();
    },
  };
}
