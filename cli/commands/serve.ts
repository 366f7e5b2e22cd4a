import { loadConfig, subgraphUrls } from '../../platform/config.ts';
import type { RunningServer } from '../../platform/http/server.ts';
import { startGateway } from '../../gateway/server.ts';
import { startSubgraph } from '../../subgraphs/kit/server.ts';
import { education } from '../../subgraphs/education/index.ts';
import { finance } from '../../subgraphs/finance/index.ts';
import { justice } from '../../subgraphs/justice/index.ts';

export const SERVABLE = ['education', 'finance', 'justice', 'gateway'] as const;
export type Servable = (typeof SERVABLE)[number];

/** `govshare serve <component>`: one component in this process until SIGINT/SIGTERM. */
export async function serveCommand(component: Servable): Promise<void> {
  const config = loadConfig();
  const server = await start(component, config);
  const shutdown = async () => {
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

function start(component: Servable, config: ReturnType<typeof loadConfig>): Promise<RunningServer> {
  switch (component) {
    case 'gateway':
      return startGateway({ subgraphs: subgraphUrls(config), port: config.port ?? config.gatewayPort, development: config.development });
    case 'education':
      return startSubgraph(education, { config, ...(config.port !== undefined && { port: config.port }) });
    case 'finance':
      return startSubgraph(finance, { config, ...(config.port !== undefined && { port: config.port }) });
    case 'justice':
      return startSubgraph(justice, { config, ...(config.port !== undefined && { port: config.port }) });
  }
}
