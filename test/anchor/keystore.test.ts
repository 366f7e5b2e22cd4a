import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Wallet } from 'ethers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_KEY_NAMES, DEMO_PASSPHRASE, keystorePassphrase, openKeystore } from '../../anchor/keys/keystore.ts';
import type { Logger } from '../../platform/log.ts';

const CHEAP = { N: 2 ** 10, r: 8, p: 1 };
const dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'govshare-keys-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe('encrypted keystore', () => {
  it('creates the default keys once and loads the same keys in another process\' keystore', async () => {
    const dataDir = tempDir();
    const first = openKeystore({ dataDir, passphrase: 'correct horse', scrypt: CHEAP });
    const addresses = await first.ensureKeys(DEFAULT_KEY_NAMES);
    expect(Object.keys(addresses)).toEqual(['education', 'finance', 'justice', 'gateway']);
    expect(first.list()).toEqual(['education', 'finance', 'gateway', 'justice']);

    const second = openKeystore({ dataDir, passphrase: 'correct horse' });
    expect(await second.ensureKeys(DEFAULT_KEY_NAMES)).toEqual(addresses);
    const education = await second.loadKey('education');
    expect(education).toBeInstanceOf(Wallet);
    expect(education.address).toBe(addresses.education);
    expect(education.privateKey).toBe((await first.loadKey('education')).privateKey);
    // Files hold no plaintext key and are private to the owner.
    const file = path.join(dataDir, 'keys', 'education.json');
    expect(fs.readFileSync(file, 'utf8')).not.toContain(education.privateKey.slice(2));
    expect(fs.statSync(file).mode & 0o077).toBe(0);
  });

  it('refuses a wrong passphrase, and a file edited to claim another address', async () => {
    const dataDir = tempDir();
    await openKeystore({ dataDir, passphrase: 'right', scrypt: CHEAP }).ensureKey('finance');
    await expect(openKeystore({ dataDir, passphrase: 'wrong' }).loadKey('finance')).rejects.toMatchObject({ code: 'KEYSTORE_PASSPHRASE_INVALID' });

    const file = path.join(dataDir, 'keys', 'finance.json');
    const record = JSON.parse(fs.readFileSync(file, 'utf8'));
    record.address = Wallet.createRandom().address;
    fs.writeFileSync(file, JSON.stringify(record));
    await expect(openKeystore({ dataDir, passphrase: 'right' }).loadKey('finance')).rejects.toMatchObject({ code: 'KEYSTORE_PASSPHRASE_INVALID' });

    fs.copyFileSync(file, path.join(dataDir, 'keys', 'justice.json'));
    await expect(openKeystore({ dataDir, passphrase: 'right' }).loadKey('justice')).rejects.toMatchObject({ code: 'KEYSTORE_CORRUPT' });
  });

  it('agrees on one key when two keystores create it at the same time', async () => {
    const dataDir = tempDir();
    const a = openKeystore({ dataDir, passphrase: 'p', scrypt: CHEAP });
    const b = openKeystore({ dataDir, passphrase: 'p', scrypt: CHEAP });
    const [ka, kb] = await Promise.all([a.ensureKey('gateway'), b.ensureKey('gateway')]);
    expect(ka.address).toBe(kb.address);
    expect(fs.readdirSync(path.join(dataDir, 'keys'))).toEqual(['gateway.json']);
  });

  it('names missing and invalid keys with stable codes', async () => {
    const keystore = openKeystore({ dataDir: tempDir(), passphrase: 'p', scrypt: CHEAP });
    await expect(keystore.loadKey('education')).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' });
    expect(() => keystore.has('../escape')).toThrow(expect.objectContaining({ code: 'KEY_NAME_INVALID' }));
    expect(() => openKeystore({ dataDir: tempDir(), passphrase: '' })).toThrow(expect.objectContaining({ code: 'KEYSTORE_PASSPHRASE_MISSING' }));
  });

  it('takes the passphrase from GOVSHARE_KEYSTORE_PASSPHRASE, else the demo one with a warning', () => {
    const warn = vi.fn();
    const logger = { warn } as unknown as Logger;
    expect(keystorePassphrase({ GOVSHARE_KEYSTORE_PASSPHRASE: 's3cret' }, logger)).toBe('s3cret');
    expect(warn).not.toHaveBeenCalled();
    expect(keystorePassphrase({}, logger)).toBe(DEMO_PASSPHRASE);
    expect(warn).toHaveBeenCalledWith(expect.anything(), expect.stringMatching(/demo passphrase/));
  });
});
