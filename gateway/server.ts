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
 * Request path: HTTP front (body limit, request id) → Apollo Server (CSRF
 * prevention, no batching, parsing, validation) → plan → department fetches
 * over keep-alive sockets → masked errors. Policy plugins join this list in
 * later work, here and nowhere else.
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
  const graphql = new ApolloServer<GatewayContext>({
    gateway,
    formatError: maskError,
    includeStacktraceInErrorResponses: false,
    introspection: options.development ?? false,
    allowBatchedHttpRequests: false,
    csrfPrevention: true,
    // Hostile shapes are refused before planning: depth, aliases, root fields, directives, tokens.
    validationRules: limitRules(limits),
    parseOptions: { maxTokens: limits.maxTokens },
    plugins: options.development ? [] : [ApolloServerPluginLandingPageDisabled()],
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
      return { requestId, logger: logger.child({ requestId }), ...(agency && { agency }) };
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
  logger.info({ url: `${http.url}/graphql`, subgraphs: Object.keys(options.subgraphs) }, 'gateway listening');
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
