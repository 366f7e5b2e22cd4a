import fs from 'node:fs';
import path from 'node:path';
import { createCipheriv, createDecipheriv, randomBytes, scrypt as scryptCallback, type ScryptOptions } from 'node:crypto';
import { Wallet, getAddress } from 'ethers';
import type { Logger } from '../../platform/log.ts';
import { GovshareError } from '../../platform/errors.ts';

/**
 * Encrypted keystore for secp256k1 keys (departments, the gateway, later agencies), one file
 * per key under `<dataDir>/keys/<name>.json`.
 *
 * Encryption: scrypt (node's native implementation: ethers' JSON wallets use a pure-JS scrypt
 * that takes seconds per key at safe parameters) derives a 256-bit key from the passphrase;
 * AES-256-GCM encrypts the private key, with the file's name and address as associated data,
 * so a file renamed or edited to claim another identity fails to open. The address is stored
 * in clear so a process can learn identities (e.g. consortium members) without the passphrase.
 */
export const KEYSTORE_DIR = 'keys';
/** Keys created on first start (DESIGN.md demo identities that sign on the ledger). */
export const DEFAULT_KEY_NAMES = ['education', 'finance', 'justice', 'gateway'] as const;
export const DEMO_PASSPHRASE = 'govshare-demo-keystore-passphrase';
const FORMAT = 'govshare-keystore/1';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}
/** ~0.3 s per derivation natively; interactive-strength (what geth uses for "light" is 2^12). */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };

interface KeyFile {
  format: typeof FORMAT;
  name: string;
  address: string;
  createdAt: string;
  kdf: { name: 'scrypt'; salt: string; dkLen: 32 } & ScryptParams;
  cipher: { name: 'aes-256-gcm'; iv: string; tag: string };
  ciphertext: string;
}

export interface KeystoreOptions {
  dataDir: string;
  passphrase: string;
  /** Cost of new keys; existing files carry their own. Tests pass a cheap one. */
  scrypt?: ScryptParams;
  logger?: Logger;
}

export interface Keystore {
  readonly dir: string;
  /** Key names present on disk. */
  list(): string[];
  has(name: string): boolean;
  /** The address of a stored key, read without decrypting. */
  address(name: string): string;
  /** Decrypts a key (cached in this process after the first time). */
  loadKey(name: string): Promise<Wallet>;
  /** Creates a key unless it exists; returns the key either way. Safe across processes. */
  ensureKey(name: string): Promise<Wallet>;
  /** The address of a key, created if missing; decrypts nothing when it exists. */
  ensureAddress(name: string): Promise<string>;
  /** ensureKey for each name; returns name → address. */
  ensureKeys(names: readonly string[]): Promise<Record<string, string>>;
}

/**
 * The passphrase from GOVSHARE_KEYSTORE_PASSPHRASE, or the demo default with a warning: the
 * embedded set-up must start on a fresh machine with nothing configured, but nobody should
 * mistake the demo keystore for a protected one.
 */
export function keystorePassphrase(env: Record<string, string | undefined>, logger?: Logger): string {
  const value = env.GOVSHARE_KEYSTORE_PASSPHRASE;
  if (value) return value;
  logger?.warn(
    { variable: 'GOVSHARE_KEYSTORE_PASSPHRASE' },
    'GOVSHARE_KEYSTORE_PASSPHRASE is unset: the keystore uses the public demo passphrase and protects nothing',
  );
  return DEMO_PASSPHRASE;
}

const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export function openKeystore(options: KeystoreOptions): Keystore {
  if (!options.passphrase) throw new GovshareError('KEYSTORE_PASSPHRASE_MISSING', 'the keystore needs a passphrase');
  const dir = path.join(options.dataDir, KEYSTORE_DIR);
  const params = options.scrypt ?? DEFAULT_SCRYPT;
  const loaded = new Map<string, Promise<Wallet>>();
  const fileOf = (name: string) => {
    if (!NAME.test(name)) throw new GovshareError('KEY_NAME_INVALID', `"${name}" is not a key name (lower-case letters, digits, . _ -)`);
    return path.join(dir, `${name}.json`);
  };

  function readFile(name: string): KeyFile {
    const file = fileOf(name);
    let parsed: KeyFile;
    try {
      parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as KeyFile;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new GovshareError('KEY_NOT_FOUND', `no key "${name}" in ${dir}`, { detail: { name } });
      }
      throw new GovshareError('KEYSTORE_CORRUPT', `cannot read ${file}`, { cause: error });
    }
    if (parsed.format !== FORMAT || parsed.name !== name) {
      throw new GovshareError('KEYSTORE_CORRUPT', `${file} is not a ${FORMAT} file for "${name}"`);
    }
    return parsed;
  }

  async function decrypt(name: string): Promise<Wallet> {
    const record = readFile(name);
    const key = await deriveKey(options.passphrase, Buffer.from(record.kdf.salt, 'hex'), record.kdf);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(record.cipher.iv, 'hex'));
    decipher.setAAD(associatedData(record.name, record.address));
    decipher.setAuthTag(Buffer.from(record.cipher.tag, 'hex'));
    let secret: Buffer;
    try {
      secret = Buffer.concat([decipher.update(Buffer.from(record.ciphertext, 'hex')), decipher.final()]);
    } catch (error) {
      // GCM cannot tell a wrong passphrase from a tampered file; either way, nothing to use.
      throw new GovshareError('KEYSTORE_PASSPHRASE_INVALID', `cannot decrypt key "${name}": wrong passphrase (GOVSHARE_KEYSTORE_PASSPHRASE) or altered file`, {
        cause: error,
        detail: { name },
      });
    }
    const wallet = new Wallet(`0x${secret.toString('hex')}`);
    secret.fill(0);
    if (wallet.address !== record.address) {
      throw new GovshareError('KEYSTORE_CORRUPT', `key "${name}" decrypts to ${wallet.address}, but its file says ${record.address}`);
    }
    return wallet;
  }

  async function create(name: string): Promise<void> {
    const file = fileOf(name);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const wallet = Wallet.createRandom();
    const salt = randomBytes(32);
    const iv = randomBytes(12);
    const key = await deriveKey(options.passphrase, salt, params);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(associatedData(name, wallet.address));
    const secret = Buffer.from(wallet.privateKey.slice(2), 'hex');
    const ciphertext = Buffer.concat([cipher.update(secret), cipher.final()]);
    secret.fill(0);
    const record: KeyFile = {
      format: FORMAT,
      name,
      address: wallet.address,
      createdAt: new Date().toISOString(),
      kdf: { name: 'scrypt', salt: salt.toString('hex'), dkLen: 32, ...params },
      cipher: { name: 'aes-256-gcm', iv: iv.toString('hex'), tag: cipher.getAuthTag().toString('hex') },
      ciphertext: ciphertext.toString('hex'),
    };
    // Write aside, then link into place: link fails if the name exists, so two processes
    // creating the same key on first start agree on one (the loser's key is discarded).
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
    try {
      fs.linkSync(tmp, file);
      options.logger?.info({ key: name, address: wallet.address }, 'created key');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }

  const keystore: Keystore = {
    dir,
    list() {
      if (!fs.existsSync(dir)) return [];
      return fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .map((f) => f.slice(0, -'.json'.length))
        .filter((n) => NAME.test(n))
        .sort();
    },
    has(name) {
      return fs.existsSync(fileOf(name));
    },
    address(name) {
      return getAddress(readFile(name).address);
    },
    loadKey(name) {
      let pending = loaded.get(name);
      if (!pending) {
        pending = decrypt(name);
        loaded.set(name, pending);
        pending.catch(() => loaded.delete(name));
      }
      return pending;
    },
    async ensureKey(name) {
      if (!keystore.has(name)) await create(name);
      return keystore.loadKey(name);
    },
    async ensureAddress(name) {
      if (!keystore.has(name)) await create(name);
      return keystore.address(name);
    },
    async ensureKeys(names) {
      // In parallel: scrypt runs on libuv's thread pool, so first start pays for one key, not four.
      await Promise.all(names.filter((name) => !keystore.has(name)).map((name) => create(name)));
      return Object.fromEntries(names.map((name) => [name, keystore.address(name)]));
    },
  };
  return keystore;
}

function associatedData(name: string, address: string): Buffer {
  return Buffer.from(`${FORMAT}\n${name}\n${address}`, 'utf8');
}

function deriveKey(passphrase: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 16 * 1024 * 1024 };
  return new Promise((resolve, reject) =>
    scryptCallback(passphrase.normalize('NFKC'), salt, 32, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}
