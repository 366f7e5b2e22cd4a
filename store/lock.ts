import fs from 'node:fs';
import path from 'node:path';
import { GovshareError } from '../platform/errors.ts';

/**
 * An exclusive lock on a data directory. PGlite lets two processes open one
 * directory and silently lose writes, so whoever opens it first holds a lock
 * file naming its pid; a second opener gets DATA_DIR_LOCKED. A lock left by a
 * process that no longer runs is taken over.
 */
export function acquireDirectoryLock(dir: string): () => void {
  const file = path.join(dir, 'govshare.lock');
  fs.mkdirSync(dir, { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.off('exit', release);
        try {
          if (fs.readFileSync(file, 'utf8') === String(process.pid)) fs.unlinkSync(file);
        } catch {
          /* already gone */
        }
      };
      process.on('exit', release);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(fs.readFileSync(file, 'utf8'));
      if (holder === process.pid || isAlive(holder)) {
        throw new GovshareError(
          'DATA_DIR_LOCKED',
          `${dir} is in use by process ${holder}. Stop that process first, or give this one another GOVSHARE_DATA_DIR.`,
          { detail: { dir, pid: holder } },
        );
      }
      fs.rmSync(file, { force: true });
    }
  }
  throw new GovshareError('DATA_DIR_LOCKED', `could not lock ${dir}`);
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
