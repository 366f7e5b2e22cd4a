import fs from 'node:fs';
import path from 'node:path';
import { computeAddress, SigningKey } from 'ethers';
import { didForAddress } from '../../anchor/ledger/did.ts';
import { demoCitizen } from '../../demo/citizens.ts';
import { createWallet } from './create-wallet.ts';
import type { ScryptParams } from './format.ts';

/** Public, like the keystore's DEMO_PASSPHRASE: demo wallets hold demo keys and protect nothing. */
export const DEMO_WALLET_PASSPHRASE = 'govshare-demo-wallet-passphrase';
export const DEMO_WALLETS_DIR = 'wallets';
export const DEFAULT_DEMO_WALLETS = 3;
/**
 * Key stretching protects a secret passphrase; the demo one is public, so full cost (128 MiB and
 * ~0.3 s per wallet, paid by every first `npm start`) would buy nothing. 16 MiB, a few ms.
 */
export const DEMO_WALLET_SCRYPT: ScryptParams = { N: 2 ** 14, r: 8, p: 1 };

export interface DemoWallet {
  index: number;
  name: string;
  did: string;
  file: string;
  /** false when the file was already there (left untouched). */
  created: boolean;
}

export function demoWalletFile(dataDir: string, index: number): string {
  return path.join(dataDir, DEMO_WALLETS_DIR, `citizen-${index}.json`);
}

/**
 * Wallets for the first `count` demo citizens, holding their demo keys (demo/citizens.ts), under
 * `<dataDir>/wallets/citizen-<i>.json`, encrypted with DEMO_WALLET_PASSPHRASE. Idempotent: an
 * existing file is left as it is (it may already hold credentials) and its DID is computed from
 * the demo key, so a second start decrypts nothing.
 *
 * The DID is on `chainId`; demo/citizens.ts names citizens on 0x539 (1337), so with another
 * LEDGER_CHAIN_ID the departments' demo records and these wallets name different DIDs.
 */
export async function ensureDemoWallets(options: {
  dataDir: string;
  chainId: number;
  count?: number;
  passphrase?: string;
  scrypt?: ScryptParams;
}): Promise<DemoWallet[]> {
  const count = options.count ?? DEFAULT_DEMO_WALLETS;
  // In parallel: scrypt runs on libuv's thread pool, so a first start pays for about one.
  return Promise.all(
    Array.from({ length: count }, async (_, index): Promise<DemoWallet> => {
      const citizen = demoCitizen(index);
      const file = demoWalletFile(options.dataDir, index);
      const did = didForAddress(computeAddress(new SigningKey(citizen.privateKey).publicKey), options.chainId);
      let created = false;
      if (!fs.existsSync(file)) {
        try {
          await createWallet({
            file,
            passphrase: options.passphrase ?? DEMO_WALLET_PASSPHRASE,
            chainId: options.chainId,
            privateKey: citizen.privateKey,
            scrypt: options.scrypt ?? DEMO_WALLET_SCRYPT,
          });
          created = true;
        } catch (error) {
          // Another process made it meanwhile: same deterministic key, same DID.
          if ((error as { code?: string }).code !== 'WALLET_EXISTS') throw error;
        }
      }
      return { index, name: citizen.name, did, file, created };
    }),
  );
}
