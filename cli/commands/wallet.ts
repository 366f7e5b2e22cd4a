import fs from 'node:fs';
import { loadConfig } from '../../platform/config.ts';
import { GovshareError, InputError } from '../../platform/errors.ts';
import { DEMO_ACCREDITATIONS } from '../../anchor/ledger/accreditations.ts';
import { departmentDids } from '../../credentials/request/department-dids.ts';
import { requestCredential } from '../../credentials/request/request-credential.ts';
import { ledgerEndpoint } from '../../anchor/ledger/endpoint.ts';
import { demoCitizen } from '../../demo/citizens.ts';
import { gatewayBaseUrl } from './gateway-url.ts';
import {
  createPresentation,
  createWallet,
  listCredentials,
  MAX_CREDENTIAL_BYTES,
  openWallet,
  promptPassphrase,
  receiveCredential,
  resolveWalletFile,
  walletPassphraseFromEnv,
  walletSigner,
  type VerifyCredentialJwt,
  type Wallet,
} from '../../credentials/wallet/index.ts';

/**
 * `govshare wallet ...`: the citizen wallet on the command line. Where the wallet is:
 * `--wallet FILE`, else GOVSHARE_WALLET, else the user's data dir. Its passphrase:
 * GOVSHARE_WALLET_PASSPHRASE, else asked on the terminal (not echoed). Output for scripts on
 * stdout (a DID, a JWT, JSON); notes for people on stderr.
 */
export interface WalletOptions {
  wallet?: string;
}

/** `govshare wallet init [--import-demo <i>]`: a new wallet (a new key, or demo citizen i's key) and its DID. */
export async function walletInitCommand(options: WalletOptions & { importDemo?: string }): Promise<void> {
  const file = walletFile(options);
  const privateKey = options.importDemo === undefined ? undefined : demoCitizen(demoIndex(options.importDemo)).privateKey;
  const { chainId } = ledgerEndpoint(loadConfig());
  const passphrase = await newPassphrase();
  const wallet = await createWallet({ file, passphrase, chainId, ...(privateKey ? { privateKey } : {}) });
  process.stderr.write(`created wallet ${file}${options.importDemo === undefined ? '' : ` with demo citizen ${options.importDemo}'s key`}\n`);
  process.stdout.write(`${wallet.did}\n`);
}

/** `govshare wallet did`: the holder's DID. */
export async function walletDidCommand(options: WalletOptions): Promise<void> {
  const wallet = await open(options);
  process.stdout.write(`${wallet.did}\n`);
}

/**
 * `govshare wallet receive <file|->`: files a credential JWT (from a file, or stdin with `-`).
 * `deps.verify` is the verifier to check it with before filing; without one it is filed
 * unverified (the wallet's own checks only: a VC, about this holder, not expired) and says so.
 */
export async function walletReceiveCommand(source: string, options: WalletOptions & { json?: boolean }, deps: { verify?: VerifyCredentialJwt } = {}): Promise<void> {
  // Read the credential first: with `-`, stdin is the credential and cannot also be a prompt.
  const jwt = readCredential(source);
  const wallet = await open(options);
  const { credential, added } = await receiveCredential(wallet, jwt, deps.verify ? { verify: deps.verify } : {});
  if (options.json) {
    const { jwt: _, ...summary } = credential;
    process.stdout.write(`${JSON.stringify({ added, verified: Boolean(deps.verify), credential: summary }, null, 2)}\n`);
  } else {
    process.stdout.write(`${added ? 'received' : 'already held'} ${credential.type} ${credential.jti} from ${credential.issuer}\n`);
  }
  if (added && !deps.verify) process.stderr.write('note: filed without verifying its signature, issuer or status (no verifier is wired into this command)\n');
}

/** `govshare wallet list [--json]`. */
export async function walletListCommand(options: WalletOptions & { json?: boolean }): Promise<void> {
  const wallet = await open(options);
  const credentials = listCredentials(wallet);
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ did: wallet.did, credentials }, null, 2)}\n`);
    return;
  }
  const lines = [`holder ${wallet.did}`];
  if (credentials.length === 0) lines.push('(no credentials)');
  for (const c of credentials) {
    lines.push(
      `${c.type.padEnd(28)} ${c.jti}`,
      `  issuer  ${c.issuer}`,
      `  issued  ${c.issuedAt ?? '-'}   expires ${c.expiresAt ?? 'never'}${c.expired ? '  (EXPIRED)' : ''}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * `govshare wallet present --challenge C --domain D --credential <jti|type>... [--out FILE]`:
 * a VP JWT with exactly the chosen credentials, on stdout or in FILE.
 */
export async function walletPresentCommand(
  options: WalletOptions & { challenge: string; domain: string; credential?: string[]; out?: string; seconds?: number },
): Promise<void> {
  const wallet = await open(options);
  const presentation = await createPresentation(wallet, {
    challenge: options.challenge,
    domain: options.domain,
    select: options.credential ?? [],
    ...(options.seconds === undefined ? {} : { expiresInSeconds: options.seconds }),
  });
  if (options.out) {
    // A presentation is a bearer token until it expires: private like the wallet.
    fs.writeFileSync(options.out, `${presentation.jwt}\n`, { mode: 0o600 });
    fs.chmodSync(options.out, 0o600);
  } else {
    process.stdout.write(`${presentation.jwt}\n`);
  }
  process.stderr.write(
    `presentation for ${options.domain} with ${presentation.credentials.length} credential(s): ${presentation.credentials.join(', ')}; expires ${presentation.expiresAt}${options.out ? `; written to ${options.out}` : ''}\n`,
  );
}

function walletFile(options: WalletOptions): string {
  return resolveWalletFile({ ...(options.wallet ? { option: options.wallet } : {}), env: process.env });
}

async function open(options: WalletOptions): Promise<Wallet> {
  const file = walletFile(options);
  const passphrase = walletPassphraseFromEnv(process.env) ?? (await ask(`passphrase for ${file}: `));
  return openWallet({ file, passphrase });
}

async function newPassphrase(): Promise<string> {
  const fromEnv = walletPassphraseFromEnv(process.env);
  if (fromEnv) return fromEnv;
  const first = await ask('new wallet passphrase: ');
  const second = await ask('again: ');
  if (first !== second) throw new InputError('WALLET_PASSPHRASE_MISMATCH', 'the two passphrases differ; nothing was created');
  return first;
}

function ask(prompt: string): Promise<string> {
  return promptPassphrase(prompt, { input: process.stdin, output: process.stderr });
}

function readCredential(source: string): string {
  let text: string;
  try {
    text = fs.readFileSync(source === '-' ? 0 : source, 'utf8');
  } catch (error) {
    throw new InputError('INVALID_ARGUMENT', `cannot read ${source === '-' ? 'stdin' : source}: ${(error as Error).message}`);
  }
  // Leave the size check to the library, but do not carry a huge input around to get there.
  return text.length > 2 * MAX_CREDENTIAL_BYTES ? text.slice(0, 2 * MAX_CREDENTIAL_BYTES) : text.trim();
}

function demoIndex(value: string): number {
  const index = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(index)) {
    throw new InputError('INVALID_ARGUMENT', `--import-demo takes a demo citizen's index (0, 1, 2, ...), got "${value}"`);
  }
  return index;
}

/**
 * `govshare wallet request <Type> [--record ID] [--gateway URL]`: asks the department that issues
 * that type, through the gateway, for the holder's own credential (a request signed with the
 * wallet's key: claims come from the department's records about this DID), and files it.
 */
export async function walletRequestCommand(type: string, options: WalletOptions & { record?: string; gateway?: string }): Promise<void> {
  const department = issuingDepartment(type);
  const gateway = gatewayBaseUrl(options.gateway);
  const audience = await departmentDid(gateway, department);
  const wallet = await open(options);
  const { did, signer } = walletSigner(wallet);
  const issued = await requestCredential({
    graphqlUrl: `${gateway}/graphql`,
    department,
    audience,
    caller: { did, signer },
    type,
    subject: did,
    ...(options.record !== undefined && { recordId: options.record }),
  });
  const { credential } = await receiveCredential(wallet, issued.jwt);
  process.stdout.write(`received ${credential.type} ${credential.jti} from ${credential.issuer}\n`);
}

function issuingDepartment(type: string): string {
  const department = Object.keys(DEMO_ACCREDITATIONS).find((name) => DEMO_ACCREDITATIONS[name]!.includes(type));
  if (!department) throw new InputError('CREDENTIAL_TYPE_UNKNOWN', `no department issues ${type} (known: ${Object.values(DEMO_ACCREDITATIONS).flat().join(', ')})`);
  return department;
}

/** The department's DID, from the gateway's public list (the signed request's audience). */
async function departmentDid(gateway: string, department: string): Promise<string> {
  const did = (await departmentDids(gateway, { unreachableCode: 'ISSUER_UNREACHABLE' })).get(department);
  if (!did) throw new GovshareError('ISSUER_UNAVAILABLE', `${department} has not published its DID at ${gateway} yet; try again once it is up`);
  return did;
}
