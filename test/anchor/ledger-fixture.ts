import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { HDNodeWallet } from 'ethers';
import { DEFAULT_KEY_NAMES, openKeystore, type Keystore } from '../../anchor/keys/keystore.ts';
import { spawnEmbeddedLedger, type LedgerProcess } from '../../anchor/ledger/embedded-process.ts';
import { embeddedDeployer } from '../../anchor/ledger/seed.ts';
import { agencyKeyName, DEMO_AGENCIES } from '../../demo/agencies.ts';

/**
 * One embedded ledger per test file, in a child process (as in production: ganache never
 * enters the test worker), on a free port, over a temp data dir. The member keys are made
 * beforehand with a cheap scrypt so the suite does not pay for real key stretching.
 */
export const TEST_PASSPHRASE = 'test-keystore-passphrase';
export const CHEAP_SCRYPT = { N: 2 ** 10, r: 8, p: 1 };

export interface TestLedger {
  dataDir: string;
  keystore: Keystore;
  deployer: HDNodeWallet;
  current: LedgerProcess;
  /** Stops the ledger process (the data dir stays). */
  stop(): Promise<void>;
  /** Starts it again on the same data dir (a new port). */
  restart(): Promise<LedgerProcess>;
  cleanup(): Promise<void>;
}

export async function startTestLedger(): Promise<TestLedger> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'govshare-ledger-'));
  const keystore = openKeystore({ dataDir, passphrase: TEST_PASSPHRASE, scrypt: CHEAP_SCRYPT });
  // Agency keys too: the ledger's demo set-up signs their agreements with them.
  await keystore.ensureKeys([...DEFAULT_KEY_NAMES, ...Object.keys(DEMO_AGENCIES).map(agencyKeyName)]);
  const spawnIt = () => spawnEmbeddedLedger({ dataDir, env: { GOVSHARE_KEYSTORE_PASSPHRASE: TEST_PASSPHRASE } });
  const fixture: TestLedger = {
    dataDir,
    keystore,
    current: await spawnIt(),
    deployer: undefined as unknown as HDNodeWallet,
    async stop() {
      await fixture.current.stop();
    },
    async restart() {
      fixture.current = await spawnIt();
      return fixture.current;
    },
    async cleanup() {
      await fixture.current.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  fixture.deployer = embeddedDeployer(dataDir);
  return fixture;
}
