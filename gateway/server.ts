import { ApolloServer } from '@apollo/server';
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
import { maskError } from './mask-errors.ts';
import type { AgreementSource } from './policy/agreements.ts';
import { decide } from './policy/decide.ts';
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
}

export interface GatewayServer extends RunningServer {
  graphqlUrl: string;
  supergraphSdl: string;
  /** Every field's @access scope ("Type.field" → scope), for the policy layer. */
  classification: Classification;
}

/**
 * The federation gateway: composes the departments' schemas at start, plans
 * each query across them and answers one GraphQL result.
 *
 * Request path, composed here and nowhere else: HTTP front (body limit,
 * request id) → agency authentication → policy decision (scopes from the
 * agency's agreements) → Apollo Server (CSRF prevention, no batching, parsing,
 * validation with the operation limits) → policy rewrite (denied fields removed,
 * or the operation refused) → plan and execute the rewritten operation
 * (department fetches over keep-alive sockets) → nulls and UNAUTHORIZED_FIELD
 * errors put back at the removed paths → masked errors.
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
    buildService: ({ name, url }) => new DepartmentDataSource({ department: name, url: url!, fetcher, onFetch }),
    // Outside production Apollo returns the query plan to any client that asks with a header.
    __exposeQueryPlanExperimental: false,
  });

  const limits = options.limits ?? DEFAULT_LIMITS;
  const policyMode: PolicyMode = options.policy ? (options.policy.mode ?? 'filter') : 'dry-run';
  if (!options.policy) logger.warn('no field-level policy configured: every field is readable by anyone (dry-run only logs what it would deny)');
  const agreements = options.policy?.agreements ?? (() => undefined);
  const now = options.policy?.now ?? Date.now;
  const policyMetrics = createPolicyMetrics(metrics.registry, agreements);
  const graphql = new ApolloServer<GatewayContext>({
    // Plans and executes the operation as the policy rewrote it, then puts the nulls back.
    gateway: policyGateway(gateway),
    formatError: maskError,
    includeStacktraceInErrorResponses: false,
    introspection: options.development ?? false,
    allowBatchedHttpRequests: false,
    csrfPrevention: true,
    // Hostile shapes are refused before planning: depth, aliases, root fields, directives, tokens.
    validationRules: limitRules(limits),
    parseOptions: { maxTokens: limits.maxTokens },
    plugins: [
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
  const http = await startHttpServer<GatewayContext>({
    port: options.port ?? DEFAULT_PORTS.gateway,
    logger,
    graphql,
    bodyLimit: options.bodyLimit ?? 256 * 1024,
    context: async ({ requestId, req }) => {
      const agency = await authenticateRequest(options.authenticator, req.headers.authorization, (reason) =>
        refusals.inc({ code: 'UNAUTHENTICATED', reason }),
      );
      // What this caller may read, from its agreements as the ledger last showed them.
      const decision = decide({ agency }, agreements()?.snapshot(), Math.floor(now() / 1000));
      return { requestId, logger: logger.child({ requestId }), ...(agency && { agency }), decision };
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
