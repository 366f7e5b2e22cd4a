import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { GovshareError } from '../../platform/errors.ts';
import type { WalletFile } from './format.ts';

/**
 * Writes a wallet file so that a crash leaves either the old file or the new one, never half of
 * either: the bytes go to a temp file beside it (same directory, so same file system), are
 * fsynced, then the temp file is moved into place and the directory fsynced. Mode 0600 from
 * creation, so the file is never readable by others, not even for an instant.
 *
 * `exclusive` (a new wallet) links instead of renaming: link fails when the name exists, so a
 * wallet is never overwritten, even by two `init`s racing (WALLET_EXISTS for the loser).
 */
export function writeWalletFile(file: string, contents: WalletFile, options: { exclusive: boolean }): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (options.exclusive && fs.existsSync(file)) throw exists(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = fs.openSync(tmp, 'wx', 0o600);
  try {
    try {
      fs.writeFileSync(fd, `${JSON.stringify(contents, null, 2)}\n`);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    if (options.exclusive) {
      try {
        fs.linkSync(tmp, file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw exists(file);
        throw error;
      }
    } else {
      fs.renameSync(tmp, file);
    }
    syncDirectory(dir);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

function exists(file: string): GovshareError {
  return new GovshareError('WALLET_EXISTS', `a wallet already exists at ${file}; it is never overwritten (move it away first, or choose another --wallet)`, { detail: { file } });
}

/** Makes the rename durable; some platforms (Windows) cannot open a directory, which is fine there. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    /* best effort */
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
