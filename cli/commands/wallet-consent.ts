import fs from 'node:fs';
import { createConsent } from '../../credentials/consent/create-consent.ts';
import { listConsents, type DepartmentConsents } from '../../credentials/consent/list-consents.ts';
import { consentDepartment, type RegisteredConsent } from '../../credentials/consent/registered-consent.ts';
import { revokeConsent } from '../../credentials/consent/revoke-consent.ts';
import { sendConsent } from '../../credentials/consent/send-consent.ts';
import { openWallet, promptPassphrase, resolveWalletFile, walletPassphraseFromEnv, walletSigner, type Wallet } from '../../credentials/wallet/index.ts';
import { InputError } from '../../platform/errors.ts';
import { gatewayBaseUrl } from './gateway-url.ts';

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
  /** Register it with its department through this GraphQL URL (the gateway); `true`: the default gateway. */
  register?: string | boolean;
}

/**
 * `govshare wallet consent --agency <did> --category <c>... --purpose <p> --days <n> [--out F]
 * [--register [URL]]`: the citizen signs a consent credential with the wallet's key
 * (credentials/consent) and prints it (stdout, or --out); with --register it is also
 * registered, through the gateway (default: gateway-url.ts), with the department that holds
 * its categories. The wallet and passphrase are found as for the other wallet commands.
 */
export async function walletConsentCommand(options: WalletConsentOptions): Promise<void> {
  const departments = [...new Set(options.category.map((c) => c.split('.')[0]))];
  if (departments.length !== 1 || !departments[0]) {
    throw new InputError('INVALID_ARGUMENT', 'give --category at least once, all of one department (a consent is registered with the department holding its data)');
  }
  const wallet = await openHolder(options.wallet);
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
    const graphqlUrl = typeof options.register === 'string' ? options.register : `${gatewayBaseUrl()}/graphql`;
    const registered = await sendConsent({ graphqlUrl, department: departments[0], jwt: consent.jwt });
    process.stderr.write(`registered with ${departments[0]}: ${registered.status}\n`);
  }
}

/**
 * `govshare wallet consents [--department D]... [--gateway URL] [--json]`: the consents the
 * holder registered, from each department (every one by default) through the gateway, each
 * asked with a request signed by the wallet's key (credentials/consent/list-consents.ts).
 * A department that cannot answer is named with its error code and the others are still
 * listed; the command then exits 1, because the list is incomplete.
 */
export async function walletConsentsCommand(options: { wallet?: string; department?: string[]; gateway?: string; json?: boolean }): Promise<void> {
  // Checked before the passphrase is asked for: a typo should not cost one.
  const departments = (options.department ?? []).map(consentDepartment);
  const gatewayUrl = gatewayBaseUrl(options.gateway);
  const wallet = await openHolder(options.wallet);
  const listed = await listConsents({ gatewayUrl, citizen: walletSigner(wallet), departments });
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ holder: wallet.did, departments: listed }, null, 2)}\n`);
  } else {
    process.stdout.write(`${[`holder ${wallet.did}`, ...listed.flatMap(describeDepartment)].join('\n')}\n`);
  }
  const failed = listed.filter((entry) => 'error' in entry);
  if (failed.length) {
    process.stderr.write(`govshare: incomplete: ${failed.map((entry) => entry.department).join(', ')} could not be asked; the other departments are listed\n`);
    process.exitCode = 1;
  }
}

/**
 * `govshare wallet revoke-consent <jti> --department D [--gateway URL] [--json]`: withdraws a
 * consent the holder registered with that department, through the gateway, with a request
 * signed by the wallet's key (credentials/consent/revoke-consent.ts). Final; prints the
 * consent as the department now holds it.
 */
export async function walletRevokeConsentCommand(jti: string, options: { wallet?: string; department: string; gateway?: string; json?: boolean }): Promise<void> {
  const department = consentDepartment(options.department);
  const gatewayUrl = gatewayBaseUrl(options.gateway);
  const wallet = await openHolder(options.wallet);
  const consent = await revokeConsent({ gatewayUrl, department, jti, citizen: walletSigner(wallet) });
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ department, consent }, null, 2)}\n`);
  } else {
    process.stdout.write(`${consent.jti} ${consent.status} at ${department} since ${consent.revokedAt ?? '-'}\n`);
  }
}

function describeDepartment(entry: DepartmentConsents): string[] {
  if ('error' in entry) return [`${entry.department}: not listed: ${entry.error.code}${entry.error.reason ? ` (${entry.error.reason})` : ''}: ${entry.error.message}`];
  if (entry.consents.length === 0) return [`${entry.department}: no consents`];
  return [`${entry.department}: ${entry.consents.length} consent${entry.consents.length === 1 ? '' : 's'}`, ...entry.consents.flatMap(describeConsent)];
}

function describeConsent(consent: RegisteredConsent): string[] {
  return [
    `  ${consent.jti}  ${consent.status}`,
    `    agency      ${consent.agency}`,
    `    purpose     ${consent.purpose}`,
    `    categories  ${consent.categories.join(', ')}`,
    `    valid       ${consent.validFrom} until ${consent.expiresAt}`,
    `    registered  ${consent.registeredAt}${consent.revokedAt ? `   revoked ${consent.revokedAt}` : ''}`,
  ];
}

/** The holder's wallet: `--wallet`, else GOVSHARE_WALLET, else the user data dir; passphrase from GOVSHARE_WALLET_PASSPHRASE, else asked. */
async function openHolder(walletOption: string | undefined): Promise<Wallet> {
  const file = resolveWalletFile({ ...(walletOption ? { option: walletOption } : {}), env: process.env });
  const passphrase = walletPassphraseFromEnv(process.env) ?? (await promptPassphrase(`passphrase for ${file}: `, { input: process.stdin, output: process.stderr }));
  return openWallet({ file, passphrase });
}
