import fs from 'node:fs';
import { GovshareError } from '../../platform/errors.ts';

/**
 * A short exclusive lock around a wallet's read-modify-write (`<file>.lock`, holding the pid):
 * two `govshare wallet receive` at once would otherwise each write the file they read and one
 * credential would be lost. Held for milliseconds, so a busy lock is waited for, not refused;
 * a lock whose process is gone is taken over. (Two processes taking over the same dead lock at
 * the same instant can both proceed: that needs a crashed holder AND a race, and costs at worst
 * one credential to receive again.)
 */
export async function withWalletLock<T>(file: string, work: () => Promise<T> | T, options: { timeoutMs?: number } = {}): Promise<T> {
  const lock = `${file}.lock`;
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx', mode: 0o600 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (!isHeldByLiveProcess(lock)) {
        fs.rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new GovshareError('WALLET_BUSY', `the wallet ${file} is locked by another process (${lock})`, { detail: { file, lock } });
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  try {
    return await work();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

function isHeldByLiveProcess(lock: string): boolean {
  let pid: number;
  let age: number;
  try {
    pid = Number(fs.readFileSync(lock, 'utf8'));
    age = Date.now() - fs.statSync(lock).mtimeMs;
  } catch {
    return false; // released meanwhile
  }
  // No pid yet: a lock being written right now, unless it has stayed empty for seconds.
  if (!Number.isInteger(pid) || pid <= 0) return age < 5_000;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
