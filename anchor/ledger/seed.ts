import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { HDNodeWallet, Mnemonic } from 'ethers';
import { GovshareError } from '../../platform/errors.ts';

/**
 * The embedded ledger's funded account set comes from a mnemonic generated on first run and
 * kept in the data dir, never from ganache's well-known default mnemonic (whose keys are
 * public, so anyone reaching the port could spend and administer with them).
 *
 * Account 0 is the deployer: it deploys the contracts, administers the Anchor consortium and
 * funds the members' keys with gas. The file is plain text (mode 0600) because it only
 * protects a local development chain; production ledgers bring their own deployer key.
 */
export const LEDGER_DIR = 'ledger';
/** The embedded ledger's chain id (did:ethr network 0x539). */
export const EMBEDDED_CHAIN_ID = 1337;
const SEED_FILE = 'seed.json';
/** ganache's and ethers' default derivation path, m/44'/60'/0'/0/<index>. */
const HD_PATH_PREFIX = "m/44'/60'/0'/0";

export interface LedgerSeed {
  mnemonic: string;
}

export function ledgerDir(dataDir: string): string {
  return path.join(dataDir, LEDGER_DIR);
}

/** Reads the seed, creating it on first run (atomically: two starters agree on one seed). */
export function ensureLedgerSeed(dataDir: string): LedgerSeed {
  const dir = ledgerDir(dataDir);
  const file = path.join(dir, SEED_FILE);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dir, { recursive: true });
    const mnemonic = Mnemonic.fromEntropy(randomBytes(32)).phrase;
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    fs.writeFileSync(tmp, `${JSON.stringify({ mnemonic, createdAt: new Date().toISOString() }, null, 2)}\n`, { mode: 0o600 });
    try {
      fs.linkSync(tmp, file); // fails if another process won the race; then use theirs
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }
  return readLedgerSeed(dataDir);
}

export function readLedgerSeed(dataDir: string): LedgerSeed {
  const file = path.join(ledgerDir(dataDir), SEED_FILE);
  let parsed: { mnemonic?: unknown };
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { mnemonic?: unknown };
  } catch (error) {
    throw new GovshareError('LEDGER_SEED_MISSING', `cannot read the embedded ledger's seed at ${file}; start the ledger once (govshare serve ledger)`, { cause: error });
  }
  if (typeof parsed.mnemonic !== 'string' || !Mnemonic.isValidMnemonic(parsed.mnemonic)) {
    throw new GovshareError('LEDGER_SEED_INVALID', `${file} does not hold a valid mnemonic`);
  }
  return { mnemonic: parsed.mnemonic };
}

export function seedAccount(seed: LedgerSeed, index: number): HDNodeWallet {
  return HDNodeWallet.fromPhrase(seed.mnemonic, undefined, `${HD_PATH_PREFIX}/${index}`);
}

/** The embedded ledger's deployer/admin/funder (account 0 of the seed). */
export function embeddedDeployer(dataDir: string): HDNodeWallet {
  return seedAccount(readLedgerSeed(dataDir), 0);
}
