import { deriveKeyForFile, unsealContents } from './seal-contents.ts';
import { parseWalletContents } from './parse-wallet-contents.ts';
import { readWalletFile } from './read-wallet-file.ts';
import { walletFromContents, type Wallet } from './wallet.ts';

/**
 * Opens a wallet file with its passphrase: WALLET_NOT_FOUND, WALLET_CORRUPT,
 * WALLET_PASSPHRASE_WRONG. Pays for one scrypt derivation; the derived key stays with the Wallet
 * so that later changes re-seal without asking again.
 */
export async function openWallet(options: { file: string; passphrase: string }): Promise<Wallet> {
  const file = readWalletFile(options.file);
  const sealing = await deriveKeyForFile(options.passphrase, file);
  const contents = parseWalletContents(unsealContents(sealing, file, options.file), options.file);
  return walletFromContents(options.file, contents, sealing);
}
