import os from 'node:os';
import path from 'node:path';

type Env = Record<string, string | undefined>;

/**
 * Where a citizen's wallet lives: `--wallet FILE`, else GOVSHARE_WALLET, else the user's data
 * directory (XDG Base Directory: `$XDG_DATA_HOME/govshare/wallet.json`, by default
 * `~/.local/share/govshare/wallet.json`). Not under GOVSHARE_DATA_DIR: that is the
 * deployment's state, and a citizen's wallet is theirs, not the government's.
 */
export function resolveWalletFile(options: { option?: string; env: Env; cwd?: string; homedir?: string }): string {
  const cwd = options.cwd ?? process.cwd();
  const chosen = options.option || options.env.GOVSHARE_WALLET;
  if (chosen) return path.resolve(cwd, chosen);
  // The spec says a relative XDG_DATA_HOME is invalid and must be ignored.
  const xdg = options.env.XDG_DATA_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(options.homedir ?? os.homedir(), '.local', 'share');
  return path.join(base, 'govshare', 'wallet.json');
}

/** GOVSHARE_WALLET_PASSPHRASE when set and non-empty. */
export function walletPassphraseFromEnv(env: Env): string | undefined {
  return env.GOVSHARE_WALLET_PASSPHRASE || undefined;
}
