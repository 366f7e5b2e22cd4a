import type { Config } from '../../platform/config.ts';
import type { Logger } from '../../platform/log.ts';
import { connectAnchoring } from './connect-anchoring.ts';
import type { LogWorker } from './log-worker.ts';

/**
 * A log serves at once and joins the ledger when the ledger answers (connect-anchoring.ts waits
 * for it as long as it takes). Returns how to stop waiting.
 */
export function anchorWhenReady(config: Pick<Config, 'dataDir' | 'ledgerRpcUrl' | 'ledgerChainId' | 'ledgerPort' | 'checkpointSeconds' | 'checkpointLeaves'>, keyName: string, log: LogWorker, logger: Logger): () => void {
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
