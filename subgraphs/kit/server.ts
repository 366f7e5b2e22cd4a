import type { StorageConfig } from '../../store/open.ts';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { Gauge } from 'prom-client';
import { startLogWorker, type Anchoring, type LogWorker } from '../../anchor/log/log-worker.ts';
import type { Config } from '../../platform/config.ts';
import { DEFAULT_PORTS } from '../../platform/config.ts';
import { createLogger, type Logger } from '../../platform/log.ts';
import { createHttpMetrics, recordResponse } from '../../platform/metrics.ts';
import { sendJson, startHttpServer, type RunningServer } from '../../platform/http/server.ts';
import { readSchema, type Department, type SubgraphContext } from './department.ts';
import { admitGateway } from './admit-gateway.ts';
import { createConsentGate } from './consent/consent-gate.ts';
import type { ConsentContext } from './consent/context.ts';
import { enforceConsent } from './consent/enforce-consent.ts';
import { consentExtensions } from './consent/consent-extensions.ts';
import { fieldScopes, heldCategories } from './consent/field-scopes.ts';
import { consentResolvers } from './consent/resolvers.ts';
import type { GatewayTrust } from './trust-gateway.ts';
import type { CredentialContext } from './credentials/context.ts';
import { credentialRoutes } from './credentials/http-routes.ts';
import { createIssuerSlot } from './credentials/issuer.ts';
import { credentialResolvers } from './credentials/resolvers.ts';
import { credentialSettings } from './credentials/settings.ts';
import { formatSubgraphError } from './errors.ts';
import { openDepartmentStore } from './open-store.ts';
import { scalars } from './scalars.ts';

export interface SubgraphServer<Store> extends RunningServer {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4101/graphql. */
  graphqlUrl: string;
  store: Store;
  /** The department's Merkle log: integration and (with a ledger) anchoring. */
  log: LogWorker;
}

export interface StartSubgraphOptions {
  /** publicUrl (where the gateway publishes status lists) defaults to http://127.0.0.1:<gateway port>. */
  config: StorageConfig & Partial<Pick<Config, 'publicUrl' | 'officers'>>;
  /** Defaults to the department's port (4101-4103); 0 picks a free one. */
  port?: number;
  logger?: Logger;
  /**
   * Anchor the department's log on the ledger; without it the log is kept but not anchored.
   * The same identity signs the department's credentials (ISSUER_UNAVAILABLE until it is set,
   * here or later with `log.setAnchoring`).
   */
  anchoring?: Anchoring;
  /**
   * Subgraphs trust only the gateway (DESIGN.md "Trust model"): with this set, every GraphQL
   * request must carry a valid gateway token for this department and request (401
   * GATEWAY_TOKEN_INVALID otherwise; 503 while the function returns undefined, i.e. before the
   * ledger answers), except the composition query (admit-gateway.ts), and the gateway's signed
   * decision drives consent (consent/enforce-consent.ts). `govshare serve` always sets it.
   * Unset: the department answers anyone and releases everything it is asked for; only for
   * tests and tools that call a department directly, never for a served department.
   */
  gatewayTrust?: () => GatewayTrust | undefined;
}

/**
 * Serves one department: its Federation 2 subgraph over its own database, the
 * worker that keeps its Merkle log moving, plus /health, /ready (the database
 * answers; the body shows the log and its anchoring backlog) and /metrics.
 */
export async function startSubgraph<Store>(department: Department<Store>, options: StartSubgraphOptions): Promise<SubgraphServer<Store>> {
  const logger = options.logger ?? createLogger(department.name);
  const { db, store } = await openDepartmentStore(department, options.config);
  const worker = startLogWorker({ db, logId: department.name, logger, ...(options.anchoring && { anchoring: options.anchoring }) });
  // The department's one DID signs its checkpoints and its credentials: whenever its log gets
  // (or changes) its anchoring identity, issuing gets it too.
  const issuer = createIssuerSlot();
  if (options.anchoring) issuer.set(options.anchoring);
  const log: LogWorker = {
    ...worker,
    setAnchoring(anchoring) {
      worker.setAnchoring(anchoring);
      issuer.set(anchoring);
    },
  };
  const credentials: CredentialContext | undefined = department.credentials && {
    db,
    types: department.credentials,
    issuer,
    settings: credentialSettings({
      department: department.name,
      publicUrl: options.config.publicUrl ?? `http://127.0.0.1:${DEFAULT_PORTS.gateway}`,
      officers: options.config.officers?.[department.name] ?? [],
    }),
  };
  try {
    const typeDefs = readSchema(department);
    const scopes = fieldScopes(typeDefs);
    const consent: ConsentContext = { db, department: department.name, categories: heldCategories(scopes), issuer };
    const schema = buildSubgraphSchema({
      typeDefs,
      resolvers: mergeResolvers(department.createResolvers(store), consentResolvers(consent), credentials && credentialResolvers(credentials)) as never,
    });
    // Consent-bound fields are released per citizen, before their resolvers read anything.
    enforceConsent(schema, scopes, { Citizen: (citizen: { did: string }) => citizen.did, ...department.citizenOf });
    const graphql = new ApolloServer<SubgraphContext>({
      schema,
      formatError: formatSubgraphError,
      includeStacktraceInErrorResponses: false,
      // `govshare serve` owns SIGINT and SIGTERM: it closes the record log and the database in
      // order. Apollo's own handler (on by default outside NODE_ENV=test) stops only the server
      // and re-raises the signal, which killed the process before any of that ran.
      stopOnTerminationSignals: false,
      // The gateway needs `_service { sdl }`; with gatewayTrust, introspection (like any query) needs a gateway token.
      introspection: true,
      // No federated tracing (Apollo's cloud reporting, which we never use); the consents a
      // response relied on travel back to the gateway, for its audit trail.
      plugins: [ApolloServerPluginInlineTraceDisabled(), consentExtensions()],
    });
    await graphql.start();
    const metrics = createHttpMetrics(department.name);
    const logGauges = {
      size: new Gauge({ name: 'govshare_merkle_log_size', help: 'Leaves in the department Merkle log', labelNames: ['log'] as const, registers: [metrics.registry] }),
      backlog: new Gauge({
        name: 'govshare_anchor_backlog_leaves',
        help: 'Committed records not yet covered by an anchored checkpoint',
        labelNames: ['log'] as const,
        registers: [metrics.registry],
      }),
    };
    const http = await startHttpServer<SubgraphContext>({
      port: options.port ?? DEFAULT_PORTS[department.name],
      logger,
      graphql,
      context: async (info) => {
        const { requestId } = info;
        const gateway = options.gatewayTrust ? await admitGateway(options.gatewayTrust(), info) : undefined;
        const gate = createConsentGate(db, gateway);
        return { requestId, logger: logger.child({ requestId }), ...(gateway && { gateway }), ...(gate && { consent: gate }) };
      },
      onResponse: recordResponse(metrics),
      routes: {
        'GET /health': (_req, res) => sendJson(res, 200, { status: 'ok', component: department.name }),
        'GET /ready': async (_req, res) => {
          // Refusing every request with 503 is not ready: the gateway's own /ready waits on this.
          if (options.gatewayTrust && !options.gatewayTrust()) {
            return sendJson(res, 503, { status: 'unavailable', component: department.name, down: [{ name: 'gateway-trust', detail: 'gateway tokens cannot be checked until the ledger answers' }] });
          }
          try {
            // The log's state comes from the database too, so this is also the database check.
            const status = await log.status();
            sendJson(res, 200, { status: 'ready', component: department.name, log: status });
          } catch (error) {
            sendJson(res, 503, { status: 'unavailable', component: department.name, down: [{ name: 'database', detail: (error as Error).message }] });
          }
        },
        'GET /metrics': async (_req, res) => {
          const status = await log.status().catch(() => undefined);
          if (status) {
            logGauges.size.set({ log: status.logId }, status.size);
            logGauges.backlog.set({ log: status.logId }, status.backlog);
          }
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(await metrics.registry.metrics());
        },
        ...(credentials && credentialRoutes(credentials)),
      },
    });
    logger.info({ url: `${http.url}/graphql`, storage: db.kind, location: db.location }, 'subgraph listening');
    return {
      ...http,
      graphqlUrl: `${http.url}/graphql`,
      store,
      log,
      async close() {
        await http.close();
        await graphql.stop();
        await log.stop();
        issuer.close();
        await db.close();
      },
    };
  } catch (error) {
    await log.stop();
    issuer.close();
    await db.close();
    throw error;
  }
}

/** The kit's scalars, the department's resolvers and the kit APIs' (consent, credentials), root types merged field by field. */
function mergeResolvers(own: Record<string, any>, ...kits: (Record<string, any> | undefined)[]): Record<string, unknown> {
  const merged: Record<string, any> = { ...scalars, ...own };
  for (const kit of kits) {
    for (const [type, fields] of Object.entries(kit ?? {})) {
      merged[type] = type === 'Query' || type === 'Mutation' ? { ...merged[type], ...fields } : fields;
    }
  }
  return merged;
}
