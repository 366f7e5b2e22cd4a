import { loadConfig, subgraphUrls, type Config, type DepartmentName } from '../../platform/config.ts';
import { createLogger, type Logger } from '../../platform/log.ts';
import { startGateway } from '../../gateway/server.ts';
import { startSubgraph } from '../../subgraphs/kit/server.ts';
import type { Department } from '../../subgraphs/kit/department.ts';
import { education } from '../../subgraphs/education/index.ts';
import { finance } from '../../subgraphs/finance/index.ts';
import { justice } from '../../subgraphs/justice/index.ts';
import { connectAnchoring } from '../../anchor/log/connect-anchoring.ts';
import { startLogWorker, type LogWorker } from '../../anchor/log/log-worker.ts';
import { GATEWAY_AUDIT_LOG, openLogDatabase } from '../../anchor/log/open-log-database.ts';
import { serveLedger } from '../../anchor/ledger/embedded-main.ts';
import { ledgerEndpoint } from '../../anchor/ledger/endpoint.ts';
import { connectAuthenticator, type ConnectedAuthenticator } from '../../gateway/auth/connect.ts';

export const SERVABLE = ['ledger', 'education', 'finance', 'justice', 'gateway'] as const;
export type Servable = (typeof SERVABLE)[number];

const departments: Record<DepartmentName, Department<unknown>> = { education, finance, justice } as Record<DepartmentName, Department<unknown>>;

/** `govshare serve <component>`: one component in this process until SIGINT/SIGTERM. */
export async function serveCommand(component: Servable): Promise<void> {
  const config = loadConfig();
  const close = await start(component, config);
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  // Run by `govshare up`: stop when the supervisor is gone, however it went.
  if (process.channel) process.once('disconnect', shutdown);
}

async function start(component: Servable, config: Config): Promise<() => Promise<void>> {
  if (component === 'ledger') return (await serveLedger(config)).close;
  const logger = createLogger(component);
  if (component === 'gateway') {
    // The gateway's audit trail is a log of its own, anchored under the gateway's key.
    const db = await openLogDatabase(config, GATEWAY_AUDIT_LOG.database, GATEWAY_AUDIT_LOG.logId);
    const auditLog = startLogWorker({ db, logId: GATEWAY_AUDIT_LOG.logId, logger });
    const stopAnchoring = anchorWhenReady(config, GATEWAY_AUDIT_LOG.keyName, auditLog, logger);
    // Agency tokens are checked against DID documents on the ledger: on once it answers.
    let auth: ConnectedAuthenticator | undefined;
    const stopWaiting = new AbortController();
    connectAuthenticator({ config, logger, signal: stopWaiting.signal })
      .then((connected) => (auth = connected))
      .catch((error: unknown) => {
        if (!stopWaiting.signal.aborted) logger.error({ err: error, code: (error as { code?: string }).code }, 'agency authentication is unavailable');
      });
    const gateway = await startGateway({
      subgraphs: subgraphUrls(config),
      port: config.port ?? config.gatewayPort,
      development: config.development,
      ledgerRpcUrl: ledgerEndpoint(config).rpcUrl,
      logger,
      authenticator: () => auth?.authenticate,
      readiness: config.redisUrl
        ? [
            {
              name: 'redis',
              async check() {
                if (!auth) throw new Error('agency authentication is waiting for the ledger');
                await auth.ready();
              },
            },
          ]
        : [],
    });
    return async () => {
      stopWaiting.abort();
      stopAnchoring();
      await gateway.close();
      await auth?.close();
      await auditLog.stop();
      await db.close();
    };
  }
  const server = await startSubgraph(departments[component], { config, logger, ...(config.port !== undefined && { port: config.port }) });
  const stopAnchoring = anchorWhenReady(config, component, server.log, logger);
  return async () => {
    stopAnchoring();
    await server.close();
  };
}

/** A log serves at once and joins the ledger when the ledger answers; returns how to stop waiting. */
function anchorWhenReady(config: Config, keyName: string, log: LogWorker, logger: Logger): () => void {
  const stopWaiting = new AbortController();
  connectAnchoring({
    config,
    keyName,
    logger,
    intervalMs: config.checkpointSeconds * 1000,
    maxLeaves: config.checkpointLeaves,
    signal: stopWaiting.signal,
  })
    .then((anchoring) => log.setAnchoring(anchoring))
    .catch((error: unknown) => {
      if (!stopWaiting.signal.aborted) logger.error({ err: error, code: (error as { code?: string }).code }, 'cannot anchor this log');
    });
  return () => stopWaiting.abort();
}
