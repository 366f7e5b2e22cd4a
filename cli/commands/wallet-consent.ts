import fs from 'node:fs';
import { createConsent } from '../../credentials/consent/create-consent.ts';
import { sendConsent } from '../../credentials/consent/send-consent.ts';
import { openWallet, promptPassphrase, resolveWalletFile, walletPassphraseFromEnv, walletSigner } from '../../credentials/wallet/index.ts';
import { loadConfig } from '../../platform/config.ts';
import { InputError } from '../../platform/errors.ts';

export interface WalletConsentOptions {
  wallet?: string;
  /** The agency's DID (`govshare agency list`). */
  agency: string;
  /** Data categories, all of one department (e.g. education.degree). */
  category: string[];
  purpose: string;
  days: number;
  /** Write the consent JWT to this file (mode 0600) instead of stdout. */
  out?: string;
  /** Register it with its department through this GraphQL URL (the gateway); `true`: the local gateway. */
  register?: string | boolean;
}

/**
 * `govshare wallet consent --agency <did> --category <c>... --purpose <p> --days <n> [--out F]
 * [--register [URL]]`: the citizen signs a consent credential with the wallet's key
 * (credentials/consent) and prints it (stdout, or --out); with --register it is also
 * registered, through the gateway (default http://127.0.0.1:<GATEWAY_PORT>/graphql), with the
 * department that holds its categories. The wallet and passphrase are found as for the other
 * wallet commands.
 */
export async function walletConsentCommand(options: WalletConsentOptions): Promise<void> {
  const departments = [...new Set(options.category.map((c) => c.split('.')[0]))];
  if (departments.length !== 1 || !departments[0]) {
    throw new InputError('INVALID_ARGUMENT', 'give --category at least once, all of one department (a consent is registered with the department holding its data)');
  }
  const file = resolveWalletFile({ ...(options.wallet ? { option: options.wallet } : {}), env: process.env });
  const passphrase = walletPassphraseFromEnv(process.env) ?? (await promptPassphrase(`passphrase for ${file}: `, { input: process.stdin, output: process.stderr }));
  const wallet = await openWallet({ file, passphrase });
  const consent = await createConsent(walletSigner(wallet), { agency: options.agency, categories: options.category, purpose: options.purpose, days: options.days });
  if (options.out) {
    // Whoever holds it can register it (it only says what the citizen signed), but it names the citizen: keep it private.
    fs.writeFileSync(options.out, `${consent.jwt}\n`, { mode: 0o600 });
    fs.chmodSync(options.out, 0o600);
  } else {
    process.stdout.write(`${consent.jwt}\n`);
  }
  process.stderr.write(`consent ${consent.jti}: ${consent.categories.join(', ')} to ${consent.agency} for ${consent.purpose}, until ${consent.expiresAt.toISOString()}\n`);
  if (options.register) {
    const graphqlUrl = typeof options.register === 'string' ? options.register : `http://127.0.0.1:${loadConfig().gatewayPort}/graphql`;
    const registered = await sendConsent({ graphqlUrl, department: departments[0], jwt: consent.jwt });
    process.stderr.write(`registered with ${departments[0]}: ${registered.status}\n`);
  }
}
