import { Worker } from 'node:worker_threads';
import type { Logger } from '../../platform/log.ts';
import type { Queryable } from '../../store/database.ts';
import type { AuditEntry } from './audit-entry.ts';
import type { AuditWriter } from './audit-writer.ts';
import { uncrossed, type AuditTrailWorkerData, type FromAuditTrail, type ToAuditTrail } from './audit-trail-messages.ts';

export interface AuditTrailThread {
  /** Records through the thread: resolves once the entry is committed with its log rows, as the in-thread writer does. */
  writer: AuditWriter;
  /** Reads (GET /access-log) run in the thread too; `exec` is refused. */
  db: Queryable;
  /** Throws while the thread is not there to record (for /ready). */
  check(): void;
  /** Waits for every entry recorded so far, closes the trail and ends the thread. */
  close(): Promise<void>;
  /** The thread itself (its id for diagnostics; tests end it to see the gateway fail closed). */
  readonly worker: Worker;
}

const TYPESCRIPT_WORKER = new URL('../../platform/typescript-worker.mjs', import.meta.url);
const WORKER_MODULE = new URL('./audit-trail-worker.ts', import.meta.url).href;

/**
 * Starts the gateway's audit trail (its database, writer, log worker and anchoring) in a worker
 * thread and resolves once it can record. The gateway keeps its contract with the trail: an
 * answer leaves only after its entry is committed. What moves is where the commit's CPU is
 * spent, off the event loop that serves requests.
 *
 * Entries recorded in one turn of the event loop cross together, so the thread commits them in
 * one statement, and entries arriving while it commits form its next batch. If the thread dies,
 * every waiting and later entry is refused with AUDIT_UNAVAILABLE (no answer leaves unrecorded)
 * and `check()` fails.
 */
export function startAuditTrailThread(options: { config: AuditTrailWorkerData['config']; anchor?: boolean; logger: Logger }): Promise<AuditTrailThread> {
  const data: AuditTrailWorkerData = { module: WORKER_MODULE, config: options.config, anchor: options.anchor ?? true };
  const worker = new Worker(TYPESCRIPT_WORKER, { workerData: data });
  const recording = new Map<number, { resolve: (value: { id: string }) => void; reject: (error: unknown) => void }>();
  const reading = new Map<number, { resolve: (rows: never[]) => void; reject: (error: unknown) => void }>();
  let outbox: Array<{ ref: number; entry: AuditEntry }> = [];
  let nextRef = 0;
  let failure: Error | undefined;
  let closing = false;
  let closed: (() => void) | undefined;

  const unavailable = (message: string) => Object.assign(new Error(message), { code: 'AUDIT_UNAVAILABLE' });
  const send = (message: ToAuditTrail) => worker.postMessage(message);

  const fail = (error: Error) => {
    failure ??= error;
    for (const waiting of [...recording.values(), ...reading.values()]) waiting.reject(failure);
    recording.clear();
    reading.clear();
    outbox = [];
  };

  return new Promise<AuditTrailThread>((resolveStart, rejectStart) => {
    let started = false;
    worker.on('message', (message: FromAuditTrail) => {
      switch (message.kind) {
        case 'ready':
          started = true;
          resolveStart(thread);
          break;
        case 'start-failed':
          rejectStart(uncrossed(message.error));
          break;
        case 'recorded':
          for (const result of message.results) {
            const waiting = recording.get(result.ref);
            recording.delete(result.ref);
            if ('id' in result) waiting?.resolve({ id: result.id });
            else waiting?.reject(uncrossed(result.error));
          }
          break;
        case 'rows':
        case 'query-failed': {
          const waiting = reading.get(message.ref);
          reading.delete(message.ref);
          if (message.kind === 'rows') waiting?.resolve(message.rows as never[]);
          else waiting?.reject(uncrossed(message.error));
          break;
        }
        case 'closed':
          closed?.();
          break;
      }
    });
    worker.on('error', (error) => {
      options.logger.error({ err: error }, 'the audit trail thread failed: requests are refused with AUDIT_UNAVAILABLE');
      fail(unavailable(`the audit trail is unavailable: ${error.message}`));
      if (!started) rejectStart(error);
    });
    worker.on('exit', (code) => {
      if (!closing) options.logger.error({ exitCode: code }, 'the audit trail thread exited: requests are refused with AUDIT_UNAVAILABLE');
      fail(unavailable('the audit trail is unavailable: its thread has ended'));
      closed?.();
      if (!started) rejectStart(new Error(`the audit trail thread exited (${code}) before it was ready`));
    });

    const flush = () => {
      const entries = outbox;
      outbox = [];
      if (entries.length && !failure) send({ kind: 'record', entries });
    };

    const writer: AuditWriter = {
      record(entry) {
        if (failure) return Promise.reject(failure);
        if (closing) return Promise.reject(unavailable('the audit trail is closed'));
        return new Promise((resolve, reject) => {
          const ref = nextRef++;
          recording.set(ref, { resolve, reject });
          if (outbox.push({ ref, entry }) === 1) setImmediate(flush);
        });
      },
      get pending() {
        return recording.size;
      },
      async close() {
        await thread.close();
      },
    };

    const db: Queryable = {
      query(sql, params = []) {
        if (failure) return Promise.reject(failure);
        return new Promise((resolve, reject) => {
          const ref = nextRef++;
          reading.set(ref, { resolve: resolve as (rows: never[]) => void, reject });
          send({ kind: 'query', ref, sql, params });
        });
      },
      async exec() {
        throw new Error('the audit trail thread only answers reads');
      },
    };

    let closing$: Promise<void> | undefined;
    const thread: AuditTrailThread = {
      writer,
      db,
      worker,
      check() {
        if (failure) throw failure;
      },
      close() {
        closing$ ??= (async () => {
          closing = true;
          flush();
          // The thread commits everything it was sent before it closes, and answers it first.
          if (!failure) {
            await new Promise<void>((resolve) => {
              closed = resolve;
              send({ kind: 'close' });
            });
          }
          // Its event loop is empty now: let it end on its own (so that, e.g., a `--cpu-prof`
          // profile of it is written), and end it if it lingers.
          const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
          let timer: NodeJS.Timeout | undefined;
          // (threadId is -1 once the thread has exited.)
          if (worker.threadId !== -1) await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, 2_000)))]);
          clearTimeout(timer);
          await worker.terminate();
        })();
        return closing$;
      },
    };
  });
}
