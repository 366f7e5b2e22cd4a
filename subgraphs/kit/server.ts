import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { Config } from '../../platform/config.ts';
import { DEFAULT_PORTS } from '../../platform/config.ts';
import { createLogger, type Logger } from '../../platform/log.ts';
import { createHttpMetrics, recordResponse } from '../../platform/metrics.ts';
import { sendJson, startHttpServer, type RunningServer } from '../../platform/http/server.ts';
import { readSchema, type Department, type SubgraphContext } from './department.ts';
import { formatSubgraphError } from './errors.ts';
import { openDepartmentStore } from './open-store.ts';
import { scalars } from './scalars.ts';

export interface SubgraphServer<Store> extends RunningServer {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4101/graphql. */
  graphqlUrl: string;
  store: Store;
}

export interface StartSubgraphOptions {
  config: Pick<Config, 'dataDir' | 'dbUrl' | 'schemaPrefix'>;
  /** Defaults to the department's port (4101-4103); 0 picks a free one. */
  port?: number;
  logger?: Logger;
}

/**
 * Serves one department: its Federation 2 subgraph over its own database, plus
 * /health, /ready (the database answers) and /metrics.
 */
export async function startSubgraph<Store>(department: Department<Store>, options: StartSubgraphOptions): Promise<SubgraphServer<Store>> {
  const logger = options.logger ?? createLogger(department.name);
  const { db, store } = await openDepartmentStore(department, options.config);
  try {
    const schema = buildSubgraphSchema({
      typeDefs: readSchema(department),
      resolvers: { ...scalars, ...department.createResolvers(store) } as never,
    });
    const graphql = new ApolloServer<SubgraphContext>({
      schema,
      formatError: formatSubgraphError,
      includeStacktraceInErrorResponses: false,
      // The gateway needs `_service { sdl }`; callers other than the gateway are refused by a later layer.
      introspection: true,
      // Federated tracing is for Apollo's cloud reporting, which we never use.
      plugins: [ApolloServerPluginInlineTraceDisabled()],
    });
    await graphql.start();
    const metrics = createHttpMetrics(department.name);
    const http = await startHttpServer<SubgraphContext>({
      port: options.port ?? DEFAULT_PORTS[department.name],
      logger,
      graphql,
      context: async ({ requestId }) => ({ requestId, logger: logger.child({ requestId }) }),
      onResponse: recordResponse(metrics),
      routes: {
        'GET /health': (_req, res) => sendJson(res, 200, { status: 'ok', component: department.name }),
        'GET /ready': async (_req, res) => {
          try {
            await db.query('SELECT 1');
            sendJson(res, 200, { status: 'ready', component: department.name });
          } catch (error) {
            sendJson(res, 503, { status: 'unavailable', component: department.name, down: [{ name: 'database', detail: (error as Error).message }] });
          }
        },
        'GET /metrics': async (_req, res) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(await metrics.registry.metrics());
        },
      },
    });
    logger.info({ url: `${http.url}/graphql`, storage: db.kind, location: db.location }, 'subgraph listening');
    return {
      ...http,
      graphqlUrl: `${http.url}/graphql`,
      store,
      async close() {
        await http.close();
        await graphql.stop();
        await db.close();
      },
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}
