import type { Config } from '../../platform/config.ts';
import type { Logger } from '../../platform/log.ts';
import { connectAnchoring } from './connect-anchoring.ts';
import type { Anchoring, LogWorker } from './log-worker.ts';

export interface PendingAnchoring {
  /** Stops waiting for the ledger (a connection made later is closed at once); a log already anchoring goes on until the log worker stops. */
  stopWaiting(): void;
  /**
   * Closes the ledger connections anchoring opened, once the log worker has stopped. Their
   * keep-alive sockets would otherwise keep a thread's event loop (the gateway's audit trail)
   * from ending.
   */
  close(): void;
}

/**
 * A log serves at once and joins the ledger when the ledger answers (connect-anchoring.ts waits
 * for it as long as it takes).
 */
export function anchorWhenReady(config: Pick<Config, 'dataDir' | 'ledgerRpcUrl' | 'ledgerChainId' | 'ledgerPort' | 'checkpointSeconds' | 'checkpointLeaves'>, keyName: string, log: LogWorker, logger: Logger): PendingAnchoring {
  const stopWaiting = new AbortController();
  let connected: Anchoring | undefined;
  connectAnchoring({
    config,
    keyName,
    logger,
    intervalMs: config.checkpointSeconds * 1000,
    maxLeaves: config.checkpointLeaves,
    signal: stopWaiting.signal,
  })
    .then((anchoring) => {
      // Connected after the caller stopped waiting: nothing will close it later, so close it now.
      if (stopWaiting.signal.aborted) return disconnect(anchoring);
      connected = anchoring;
      log.setAnchoring(anchoring);
    })
    .catch((error: unknown) => {
      if (!stopWaiting.signal.aborted) logger.error({ err: error, code: (error as { code?: string }).code }, 'cannot anchor this log');
    });
  return {
    stopWaiting: () => stopWaiting.abort(),
    close() {
      stopWaiting.abort();
      if (connected) disconnect(connected);
    },
  };
}

function disconnect(anchoring: Anchoring): void {
  anchoring.client.close();
  anchoring.resolver?.close();
}
