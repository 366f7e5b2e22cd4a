import path from 'node:path';
import type { Figures } from './figures.ts';
import type { LogBenchMessage } from './log.ts';
import { cleanEnv, ROOT, startChild, stopChild } from './processes.ts';

const SCRIPT = path.join(ROOT, 'bench', 'log.ts');

/**
 * The log bench (bench/log.ts) in a process of its own, as `node --import tsx bench/log.ts`
 * runs it alone, so that both ways of running it take the figures under the same conditions:
 * a process that did nothing before, rather than the bench's own after minutes of load
 * generation and start-up timing. (One full run measured P3-append at 96k leaves/s in-process
 * against 126-131k alone; the load average was 2.4-3.4 then, and a large heap alone did not
 * reproduce it, so the cause is not pinned down. P3-append is a median of passes for the same
 * reason.) Started like every other child of the bench (ended with it on a signal), with its
 * progress and figures over the IPC channel and its output in `<logDir>/log-bench.log`.
 */
export async function measureLogInChild(options: { quick: boolean; logDir: string; log: (line: string) => void }): Promise<Figures> {
  const child = startChild('log bench', SCRIPT, options.quick ? ['--quick'] : [], { env: cleanEnv({}), logFile: path.join(options.logDir, 'log-bench.log'), ipc: true });
  try {
    return await new Promise<Figures>((resolve, reject) => {
      child.process.on('message', (message: LogBenchMessage) => {
        if (message.type === 'progress') options.log(message.line);
        else if (message.type === 'done') resolve(message.figures);
        else reject(new Error(`the log bench failed: ${message.error}`));
      });
      void child.exited.then(({ code, signal }) => reject(new Error(`the log bench exited (${signal ?? code}) before answering:\n${child.tail()}`)));
    });
  } finally {
    await stopChild(child);
  }
}
