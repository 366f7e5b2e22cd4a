import { Command, Option } from 'commander';
import { DEPARTMENTS } from '../platform/config.ts';
import { GovshareError } from '../platform/errors.ts';
import { SERVABLE, type Servable } from './commands/servable.ts';

/**
 * The `govshare` command line: it only wires the parts together. Every
 * command's work lives in the libraries it calls.
 *
 * Each command's module is imported when that command runs, not before: loading every one of
 * them (the servers, Apollo, the ledger client) took about 3 s on a 2-core machine, so that
 * `govshare wallet did` or `--help` waited for code it never runs.
 */
const commands = {
  agency: () => import('./commands/agency.ts'),
  audit: () => import('./commands/audit.ts'),
  compose: () => import('./commands/compose.ts'),
  issue: () => import('./commands/issue.ts'),
  ledger: () => import('./commands/ledger.ts'),
  ledgerAdmin: () => import('./commands/ledger-admin.ts'),
  seed: () => import('./commands/seed.ts'),
  serve: () => import('./commands/serve.ts'),
  up: () => import('./commands/up.ts'),
  verify: () => import('./commands/verify.ts'),
  wallet: () => import('./commands/wallet.ts'),
  walletConsent: () => import('./commands/wallet-consent.ts'),
};
const program = new Command('govshare')
  .description('Share government data across departments: one federated graph, verifiable records.')
  .showHelpAfterError();

program
  .command('up')
  .description('start everything (the ledger, the three departments and the gateway), supervised; seeds demo data on first run')
  .option('--citizens <n>', 'demo citizens to seed on first run', toCount, 20)
  .action(async (options: { citizens: number }) => (await commands.up()).upCommand(options));

program
  .command('serve')
  .description('run one component alone (for a department on its own host, or several gateways)')
  .addArgument(new Command().createArgument('<component>', `one of: ${SERVABLE.join(', ')}`).choices(SERVABLE))
  .action(async (component: Servable) => (await commands.serve()).serveCommand(component));

program
  .command('compose')
  .description('compose the supergraph SDL from the department schemas')
  .option('--out <file>', 'write to a file instead of stdout')
  .addOption(new Option('--from-services', 'ask the running departments (GOVSHARE_SUBGRAPHS) instead of reading the schema files'))
  .action(async (options: { out?: string; fromServices?: boolean }) => (await commands.compose()).composeCommand(options));

program
  .command('seed')
  .description(`write deterministic demo data into ${DEPARTMENTS.join(', ')} (idempotent; stop embedded departments first)`)
  .option('--citizens <n>', 'how many citizens', toCount, 20)
  .action(async (options: { citizens: number }) => (await commands.seed()).seedCommand(options));

program
  .command('audit')
  .description('re-hash every department record and check it against the logs and the anchored checkpoints; exit 1 naming what was altered (stop embedded departments first)')
  .option('--json', 'machine-readable report')
  .action(async (options: { json?: boolean }) => (await commands.audit()).auditCommand(options));

const agency = program.command('agency').description('demo agencies: their DIDs and bearer tokens');
agency
  .command('token')
  .description('print a bearer token (JWT signed by the agency\'s DID key, for the gateway) for a demo agency')
  .argument('<agency>', 'civil-affairs, human-resources, tax-bureau, internet-court or audit-office')
  .option('--purpose <code>', 'the purpose code the request declares (default: the agency\'s own)')
  .option('--seconds <n>', 'lifetime, at most 300', toCount, 120)
  .action(async (name: string, options: { purpose?: string; seconds: number }) => (await commands.agency()).agencyTokenCommand(name, options));
agency
  .command('list')
  .description('the demo agencies and their DIDs')
  .action(async () => (await commands.agency()).agencyListCommand());

const ledger = program.command('ledger').description('the shared ledger');
ledger
  .command('status')
  .description('chain, contract addresses and the latest anchored checkpoint of every log')
  .option('--json', 'machine-readable output')
  .action(async (options: { json?: boolean }) => (await commands.ledger()).ledgerStatusCommand(options));
ledger
  .command('deploy')
  .description('deploy the consortium contracts with the operator key (LEDGER_DEPLOYER_KEY on an external ledger) and admit members; prints LEDGER_CONTRACTS for other hosts')
  .option('--member <address|did>', 'a department or gateway key to admit (default: those in this keystore); repeat for several', (value: string, previous: string[] | undefined) => [...(previous ?? []), value])
  .action(async (options: { member?: string[] }) => (await commands.ledgerAdmin()).ledgerDeployCommand(options));
ledger
  .command('add-member')
  .description('admit a department or gateway key to the Anchor consortium (operator key)')
  .argument('<address|did>', 'the key\'s address or did:ethr')
  .action(async (member: string) => (await commands.ledgerAdmin()).ledgerAddMemberCommand(member));
ledger
  .command('accredit')
  .description('accredit an issuer DID for a credential type in TrustedIssuers (operator key: the root)')
  .argument('<did>', 'the issuer')
  .argument('<type>', 'e.g. DegreeCredential')
  .option('--from <seconds>', 'valid from (unix seconds; default now)', toSeconds)
  .option('--until <seconds>', 'valid until, exclusive (unix seconds; default open-ended)', toSeconds)
  .action(async (did: string, type: string, options: { from?: number; until?: number }) => (await commands.ledgerAdmin()).ledgerAccreditCommand(did, type, options));

program
  .command('issue')
  .description('issue a credential as the officer of the department accredited for its type (demo keys); prints the JWT')
  .argument('<type>', 'DegreeCredential, TranscriptCredential, TaxClearanceCredential, NoCriminalRecordCredential or EvidenceReceiptCredential')
  .requiredOption('--subject <did>', 'whom the credential is about')
  .option('--claims <json>', 'the claims, for a subject the department has no records about')
  .option('--record <id>', 'the record it states (a degree, an enrolment, an evidence item); default the latest')
  .option('--url <graphql>', 'where to send the request (default the gateway)')
  .action(async (type: string, options: { subject: string; claims?: string; record?: string; url?: string }) => (await commands.issue()).issueCommand(type, options));

program
  .command('verify')
  .description('verify a credential or presentation JWT with the full pipeline; exit 0 valid, 1 invalid')
  .argument('<file>', 'a file holding the JWT, or - for stdin')
  .option('--challenge <challenge>', 'the challenge the presentation must carry as its nonce')
  .option('--domain <domain>', 'the domain the presentation must name in aud')
  .option('--gateway <url>', 'where to fetch anchoring proofs (default GOVSHARE_GATEWAY_URL or GOVSHARE_PUBLIC_URL)')
  .option('--json', 'the verification report as JSON')
  .action(async (source: string, options: { challenge?: string; domain?: string; json?: boolean; gateway?: string }) => (await commands.verify()).verifyCommand(source, options));

const wallet = program
  .command('wallet')
  .description('the citizen wallet: a DID, its credentials, presentations for verifiers (file: --wallet, GOVSHARE_WALLET or the user data dir; passphrase: GOVSHARE_WALLET_PASSPHRASE or asked)');
const walletFileOption = () => new Option('--wallet <file>', 'the wallet file (default: GOVSHARE_WALLET, else $XDG_DATA_HOME/govshare/wallet.json)');
wallet
  .command('init')
  .description('create a wallet: a new did:ethr key (or a demo citizen\'s), encrypted with a passphrase; prints the DID')
  .addOption(walletFileOption())
  .option('--import-demo <i>', 'hold demo citizen i\'s key (demo data is about that DID) instead of a new one')
  .action(async (options: { wallet?: string; importDemo?: string }) => (await commands.wallet()).walletInitCommand(options));
wallet
  .command('did')
  .description('print the holder\'s DID')
  .addOption(walletFileOption())
  .action(async (options: { wallet?: string }) => (await commands.wallet()).walletDidCommand(options));
wallet
  .command('receive')
  .description('file a credential JWT issued to this wallet\'s DID')
  .argument('<file>', 'a file holding the JWT, or - to read it from stdin')
  .addOption(walletFileOption())
  .option('--json', 'machine-readable output')
  .action(async (source: string, options: { wallet?: string; json?: boolean }) => (await commands.wallet()).walletReceiveCommand(source, options));
wallet
  .command('request')
  .description('ask the issuing department, through the gateway, for your own credential of a type, and file it')
  .argument('<type>', 'DegreeCredential, TranscriptCredential, TaxClearanceCredential, NoCriminalRecordCredential or EvidenceReceiptCredential')
  .addOption(walletFileOption())
  .option('--record <id>', 'the record it states (a degree, an enrolment, an evidence item); default the latest')
  .option('--gateway <url>', 'the gateway (default GOVSHARE_GATEWAY_URL, else GOVSHARE_PUBLIC_URL)')
  .action(async (type: string, options: { wallet?: string; record?: string; gateway?: string }) => (await commands.wallet()).walletRequestCommand(type, options));
wallet
  .command('consent')
  .description('sign a consent for an agency to read your data at one department (a VC-JWT); --register sends it through the gateway')
  .addOption(walletFileOption())
  .requiredOption('--agency <did>', 'the agency the consent is for')
  .option('--category <category>', 'a data category of one department (e.g. education.degree); repeat for several', (value: string, previous: string[] | undefined) => [...(previous ?? []), value], [] as string[])
  .requiredOption('--purpose <purpose>', 'the purpose it is for (e.g. degree-verification)')
  .option('--days <n>', 'how long it lasts, 1-730', toCount, 90)
  .option('--out <file>', 'write the consent JWT to a file (mode 0600) instead of stdout')
  .option('--register [url]', 'register it with the department through the gateway (default GOVSHARE_GATEWAY_URL, else GOVSHARE_PUBLIC_URL)')
  .action(async (options: { wallet?: string; agency: string; category: string[]; purpose: string; days: number; out?: string; register?: string | boolean }) => (await commands.walletConsent()).walletConsentCommand(options));
wallet
  .command('consents')
  .description('list the consents you registered, with their status, from each department through the gateway (exit 1 if a department could not be asked)')
  .addOption(walletFileOption())
  .option('--department <department>', `only this department (${DEPARTMENTS.join(', ')}); repeat for several (default: all)`, (value: string, previous: string[] | undefined) => [...(previous ?? []), value])
  .option('--gateway <url>', 'the gateway (default GOVSHARE_GATEWAY_URL, else GOVSHARE_PUBLIC_URL)')
  .option('--json', 'machine-readable output')
  .action(async (options: { wallet?: string; department?: string[]; gateway?: string; json?: boolean }) => (await commands.walletConsent()).walletConsentsCommand(options));
wallet
  .command('revoke-consent')
  .description('revoke a consent you registered, for good, with a request signed by your wallet, through the gateway')
  .argument('<jti>', 'the consent\'s id (urn:govshare:consent:…), as `wallet consents` lists it')
  .addOption(walletFileOption())
  .requiredOption('--department <department>', `the department it is registered with (${DEPARTMENTS.join(', ')})`)
  .option('--gateway <url>', 'the gateway (default GOVSHARE_GATEWAY_URL, else GOVSHARE_PUBLIC_URL)')
  .option('--json', 'machine-readable output')
  .action(async (jti: string, options: { wallet?: string; department: string; gateway?: string; json?: boolean }) => (await commands.walletConsent()).walletRevokeConsentCommand(jti, options));
wallet
  .command('list')
  .description('the credentials in the wallet')
  .addOption(walletFileOption())
  .option('--json', 'machine-readable output')
  .action(async (options: { wallet?: string; json?: boolean }) => (await commands.wallet()).walletListCommand(options));
wallet
  .command('present')
  .description('print a presentation (VP JWT) of the chosen credentials, bound to a verifier\'s challenge and domain')
  .addOption(walletFileOption())
  .option('--challenge <challenge>', 'the verifier\'s challenge (the JWT\'s nonce; required)')
  .option('--domain <domain>', 'the verifier\'s domain (the JWT\'s aud; required)')
  .option('--credential <jti|type>', 'a credential to include, by jti, or by type (the newest of that type); repeat for several', (value: string, previous: string[] | undefined) => [...(previous ?? []), value])
  .option('--seconds <n>', 'lifetime, at most 3600', toCount, 300)
  .option('--out <file>', 'write the JWT to a file (mode 0600) instead of stdout')
  .action(async (options: { wallet?: string; challenge: string; domain: string; credential?: string[]; seconds: number; out?: string }) => (await commands.wallet()).walletPresentCommand(options));

function toSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new GovshareError('INVALID_ARGUMENT', `expected unix seconds, got "${value}"`);
  return n;
}

function toCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1_000_000) throw new GovshareError('INVALID_ARGUMENT', `expected a whole number from 1 to 1000000, got "${value}"`);
  return n;
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const code = error instanceof GovshareError ? error.code : 'ERROR';
  process.stderr.write(`govshare: ${code}: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
