import { GovshareError } from '../../platform/errors.ts';
import type { WalletContents } from './format.ts';
import { withWalletLock } from './lock-wallet-file.ts';
import { parseWalletContents } from './parse-wallet-contents.ts';
import { readWalletFile } from './read-wallet-file.ts';
import { sealContents, unsealContents } from './seal-contents.ts';
import { writeWalletFile } from './write-wallet-file.ts';
import { secretsOf, walletFromContents, type Wallet } from './wallet.ts';

/**
 * Applies `change` to the wallet's contents AS THEY ARE ON DISK NOW, under the file's lock, and
 * writes the result atomically: a change made by another process since `wallet` was opened is
 * kept, not overwritten. `change` returns undefined for "nothing to write".
 *
 * The file must still be the wallet that was opened (same salt, same DID), else WALLET_REPLACED:
 * re-sealing another wallet's contents with this one's key would lock its owner out.
 */
export async function updateWallet<T>(
  wallet: Wallet,
  change: (current: WalletContents) => { contents: WalletContents | undefined; result: T },
): Promise<{ wallet: Wallet; result: T }> {
  const { sealing } = secretsOf(wallet);
  return withWalletLock(wallet.file, () => {
    const file = readWalletFile(wallet.file);
    const replaced = () =>
      new GovshareError('WALLET_REPLACED', `${wallet.file} is no longer the wallet of ${wallet.did} that was opened; open it again`, { detail: { file: wallet.file } });
    if (file.kdf.salt !== sealing.kdf.salt) throw replaced();
    const current = parseWalletContents(unsealContents(sealing, file, wallet.file), wallet.file);
    if (current.did !== wallet.did) throw replaced();
    const { contents, result } = change(current);
    if (contents) writeWalletFile(wallet.file, sealContents(sealing, contents), { exclusive: false });
    return { wallet: walletFromContents(wallet.file, contents ?? current, sealing), result };
  });
}
