import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Figures } from './figures.ts';
import { ROOT } from './processes.ts';

/**
 * The log bench (bench/log.ts) in a process of its own, exactly as `node --import tsx
 * bench/log.ts` runs it alone, so that both ways of running it take the figures under the same
 * conditions: a process that did nothing before, rather than the bench's own after minutes of
 * load generation and start-up timing. (One full run measured P3-append at 96k leaves/s
 * in-process against 126-131k alone; the load average was 2.4-3.4 then, and a large heap alone
 * did not reproduce it, so the cause is not pinned down. P3-append is a median of passes
 * for the same reason.) Progress lines go through `log`; the figures come back as the child's JSON.
 */
export function measureLogInChild(options: { quick: boolean; log: (line: string) => void }): Promise<Figures> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'log.ts'), ...(options.quick ? ['--quick'] : [])], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      const lines = stderr.split('\n');
      stderr = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) options.log(line);
    });
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (stderr.trim()) options.log(stderr.trim());
      if (code !== 0) return reject(new Error(`the log bench exited with ${signal ?? `code ${code}`}`));
      try {
        resolve((JSON.parse(stdout) as { figures: Figures }).figures);
      } catch (error) {
        reject(new Error(`the log bench printed no figures: ${(error as Error).message}`));
      }
    });
  });
}
