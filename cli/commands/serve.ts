import { loadConfig, subgraphUrls, type Config, type DepartmentName } from '../../platform/config.ts';
import { createLogger } from '../../platform/log.ts';
import { startGateway } from '../../gateway/server.ts';
import { startSubgraph } from '../../subgraphs/kit/server.ts';
import { connectGatewayTrust, type ConnectedGatewayTrust } from '../../subgraphs/kit/connect-gateway-trust.ts';
import type { Department } from '../../subgraphs/kit/department.ts';
import { education } from '../../subgraphs/education/index.ts';
import { finance } from '../../subgraphs/finance/index.ts';
import { justice } from '../../subgraphs/justice/index.ts';
import { anchorWhenReady } from '../../anchor/log/anchor-when-ready.ts';
import { startAuditTrailThread } from '../../gateway/audit/audit-trail-thread.ts';
import { readOperationAllowList } from '../../gateway/limits/operation-allow-list.ts';
import { memoryRateLimiter, redisRateLimiter } from '../../gateway/limits/rate-limiter.ts';
import { connectAgreements, type ConnectedAgreements } from '../../gateway/policy/connect.ts';
import { serveLedger } from '../../anchor/ledger/embedded-main.ts';
import { ledgerEndpoint } from '../../anchor/ledger/endpoint.ts';
import { connectAuthenticator, type ConnectedAuthenticator } from '../../gateway/auth/connect.ts';
import type { Servable } from './servable.ts';

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
    // The gateway's audit trail: its own database and Merkle log, anchored under the gateway's
    // key, in a thread of its own beside the event loop that serves requests.
    const auditTrail = await startAuditTrailThread({ config, logger });
    // Agency tokens, /verify and the gateway's own signature need the ledger: on once it answers.
    let ledgerSide: ConnectedAuthenticator | undefined;
    let agreements: ConnectedAgreements | undefined;
    const stopWaiting = new AbortController();
    const onLedgerError = (what: string) => (error: unknown) => {
      if (!stopWaiting.signal.aborted) logger.error({ err: error, code: (error as { code?: string }).code }, what);
    };
    connectAuthenticator({ config, logger, signal: stopWaiting.signal })
      .then(async (connected) => {
        // Connected after the gateway began to stop: nothing will close it later.
        if (stopWaiting.signal.aborted) await connected.close();
        else ledgerSide = connected;
      })
      .catch(onLedgerError('agency authentication and verification are unavailable'));
    connectAgreements({ config, logger, signal: stopWaiting.signal })
      .then((connected) => {
        if (stopWaiting.signal.aborted) connected.close();
        else agreements = connected;
      })
      .catch(onLedgerError('sharing agreements are unavailable: agencies are granted no data category'));
    const rateLimiter = config.redisUrl ? redisRateLimiter(config.redisUrl, config.rateLimit) : memoryRateLimiter(config.rateLimit);
    const gateway = await startGateway({
      subgraphs: subgraphUrls(config),
      port: config.port ?? config.gatewayPort,
      development: config.development,
      ledgerRpcUrl: ledgerEndpoint(config).rpcUrl,
      logger,
      authenticator: () => ledgerSide?.authenticate,
      policy: { mode: config.policyMode, agreements: () => agreements?.source },
      mergeFetches: config.mergeFetches,
      audit: { writer: auditTrail.writer, db: auditTrail.db },
      rateLimiter,
      ...(config.operationAllowList && { allowList: readOperationAllowList(config.operationAllowList) }),
      verification: () => ledgerSide && { trust: ledgerSide.verifierTrust, nonces: ledgerSide.nonces },
      subgraphTokens: () => ledgerSide?.subgraphTokens,
      readiness: [
        { name: 'audit-trail', check: async () => auditTrail.check() },
        {
          // Ready means able to authenticate, decide and verify: the ledger is set up and read.
          name: 'ledger-services',
          async check() {
            if (!ledgerSide) throw new Error('agency authentication and /verify are waiting for the ledger');
            if (!agreements) throw new Error('the sharing agreements are not read yet');
          },
        },
        ...(config.redisUrl
          ? [
              {
                name: 'redis',
                async check() {
                  await ledgerSide?.ready();
                  await rateLimiter.ping();
                },
              },
            ]
          : []),
      ],
    });
    return async () => {
      stopWaiting.abort();
      await gateway.close();
      await ledgerSide?.close();
      agreements?.close();
      await rateLimiter.close();
      await auditTrail.close();
    };
  }
  // Only the gateway may call a department: GraphQL is refused (503) until the ledger answers and
  // gateway tokens can be checked, then answered only with a valid one (subgraphs/kit/admit-gateway.ts).
  let trust: ConnectedGatewayTrust | undefined;
  const stopTrusting = new AbortController();
  connectGatewayTrust({ department: component, config, logger, signal: stopTrusting.signal })
    .then((connected) => (stopTrusting.signal.aborted ? connected.close() : (trust = connected)))
    .catch((error: unknown) => {
      if (!stopTrusting.signal.aborted) logger.error({ err: error, code: (error as { code?: string }).code }, 'cannot check gateway tokens: every GraphQL request is refused');
    });
  let server: Awaited<ReturnType<typeof startSubgraph>>;
  try {
    server = await startSubgraph(departments[component], {
      config,
      logger,
      gatewayTrust: () => trust?.verify,
      ...(config.port !== undefined && { port: config.port }),
    });
  } catch (error) {
    stopTrusting.abort();
    throw error;
  }
  const anchoring = anchorWhenReady(config, component, server.log, logger);
  return async () => {
    stopTrusting.abort();
    anchoring.stopWaiting();
    await server.close();
    anchoring.close();
    trust?.close();
  };
}
