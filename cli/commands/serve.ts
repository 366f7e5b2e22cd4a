import { loadConfig, subgraphUrls, type Config, type DepartmentName } from '../../platform/config.ts';
import { createLogger } from '../../platform/log.ts';
import { startGateway } from '../../gateway/server.ts';
import { startSubgraph } from '../../subgraphs/kit/server.ts';
import type { Department } from '../../subgraphs/kit/department.ts';
import { education } from '../../subgraphs/education/index.ts';
import { finance } from '../../subgraphs/finance/index.ts';
import { justice } from '../../subgraphs/justice/index.ts';
import { connectAnchoring } from '../../anchor/log/connect-anchoring.ts';
import { serveLedger } from '../../anchor/ledger/embedded-main.ts';
import { ledgerEndpoint } from '../../anchor/ledger/endpoint.ts';

export const SERVABLE = ['ledger', 'education', 'finance', 'justice', 'gateway'] as const;
export type Servable = (typeof SERVABLE)[number];

const departments: Record<DepartmentName, Department<unknown>> = { education, finance, justice } as Record<DepartmentName, Department<unknown>>;

/** `govshare serve <component>`: one component in this process until SIGINT/SIGTERM. */
export async function serveCommand(component: Servable): Promise<void> {
  const config = loadConfig();
  const close = await start(component, config);
  const shutdown = async () => {
    await close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

async function start(component: Servable, config: Config): Promise<() => Promise<void>> {
  if (component === 'ledger') return (await serveLedger(config)).close;
  if (component === 'gateway') {
    const gateway = await startGateway({
      subgraphs: subgraphUrls(config),
      port: config.port ?? config.gatewayPort,
      development: config.development,
      ledgerRpcUrl: ledgerEndpoint(config).rpcUrl,
    });
    return gateway.close;
  }
  const logger = createLogger(component);
  const server = await startSubgraph(departments[component], { config, logger, ...(config.port !== undefined && { port: config.port }) });
  // The department serves at once; its log joins the ledger when the ledger answers.
  const stopWaiting = new AbortController();
  connectAnchoring({
    config,
    keyName: component,
    logger,
    intervalMs: config.checkpointSeconds * 1000,
    maxLeaves: config.checkpointLeaves,
    signal: stopWaiting.signal,
  })
    .then((anchoring) => server.log.setAnchoring(anchoring))
    .catch((error: unknown) => {
      if (!stopWaiting.signal.aborted) logger.error({ err: error, code: (error as { code?: string }).code }, 'cannot anchor this department\'s log');
    });
  return async () => {
    stopWaiting.abort();
    await server.close();
  };
}
