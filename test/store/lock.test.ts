import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireDirectoryLock } from '../../store/lock.ts';

const dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'govshare-lock-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe('data directory lock', () => {
  it('lets one holder in and refuses a second with DATA_DIR_LOCKED', () => {
    const dir = tempDir();
    const release = acquireDirectoryLock(dir);
    expect(() => acquireDirectoryLock(dir)).toThrow(expect.objectContaining({ code: 'DATA_DIR_LOCKED' }));
    release();
    acquireDirectoryLock(dir)();
  });

  it('refuses while another live process holds it', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'govshare.lock'), String(process.ppid));
    expect(() => acquireDirectoryLock(dir)).toThrow(/in use by process/);
  });

  it('takes over a lock left by a process that is gone', () => {
    const dir = tempDir();
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    fs.writeFileSync(path.join(dir, 'govshare.lock'), gone);
    const release = acquireDirectoryLock(dir);
    expect(fs.readFileSync(path.join(dir, 'govshare.lock'), 'utf8')).toBe(String(process.pid));
    release();
    expect(fs.existsSync(path.join(dir, 'govshare.lock'))).toBe(false);
  });
});
