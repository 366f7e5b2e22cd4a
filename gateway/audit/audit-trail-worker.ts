import { parentPort, workerData } from 'node:worker_threads';
import { anchorWhenReady } from '../../anchor/log/anchor-when-ready.ts';
import { GATEWAY_AUDIT_LOG } from '../../anchor/log/open-log-database.ts';
import { startLogWorker } from '../../anchor/log/log-worker.ts';
import { createLogger } from '../../platform/log.ts';
import { createAuditWriter } from './audit-writer.ts';
import { crossed, type AuditTrailWorkerData, type FromAuditTrail, type ToAuditTrail } from './audit-trail-messages.ts';
import { openAuditTrail } from './open-audit-trail.ts';

/**
 * The gateway's audit trail in a thread of its own (started by audit-trail-thread.ts): its
 * database, the group-committing writer, and the log worker that integrates and anchors the
 * trail's Merkle log. Everything here used to run on the gateway's event loop, where the
 * embedded database's commits were its largest single cost; here they run beside it.
 */
const port = parentPort!;
const { config, anchor } = workerData as AuditTrailWorkerData;
const logger = createLogger('gateway');
const send = (message: FromAuditTrail) => port.postMessage(message);

try {
  const db = await openAuditTrail(config);
  const log = startLogWorker({ db, logId: GATEWAY_AUDIT_LOG.logId, logger });
  const writer = createAuditWriter(db, { logger });
  const anchoring = anchor ? anchorWhenReady(config, GATEWAY_AUDIT_LOG.keyName, log, logger) : undefined;

  // Answers to one batch leave together, once every entry of it is settled.
  const record = async (entries: Extract<ToAuditTrail, { kind: 'record' }>['entries']) => {
    const results = await Promise.all(
      entries.map(({ ref, entry }) =>
        writer.record(entry).then(
          ({ id }) => ({ ref, id }),
          (error: unknown) => ({ ref, error: crossed(error) }),
        ),
      ),
    );
    send({ kind: 'recorded', results });
  };

  port.on('message', (message: ToAuditTrail) => {
    switch (message.kind) {
      case 'record':
        void record(message.entries);
        break;
      case 'query':
        db.query(message.sql, message.params).then(
          (rows) => send({ kind: 'rows', ref: message.ref, rows }),
          (error: unknown) => send({ kind: 'query-failed', ref: message.ref, error: crossed(error) }),
        );
        break;
      case 'close':
        void (async () => {
          anchoring?.stopWaiting();
          await writer.close();
          await log.stop();
          anchoring?.close();
          await db.close();
          send({ kind: 'closed' });
          port.close();
        })().catch((error: unknown) => logger.error({ err: error }, 'the audit trail did not close cleanly'));
        break;
    }
  });
  send({ kind: 'ready' });
} catch (error) {
  send({ kind: 'start-failed', error: crossed(error) });
  port.close();
}
