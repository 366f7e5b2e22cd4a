import { DEFAULT_KEY_NAMES, keystorePassphrase, openKeystore } from '../../anchor/keys/keystore.ts';
import { CONTRACT_NAMES } from '../../anchor/ledger/artifacts.ts';
import { ensureContracts } from '../../anchor/ledger/deploy.ts';
import { identityAddress } from '../../anchor/ledger/did.ts';
import { contractAddresses, ledgerEndpoint } from '../../anchor/ledger/endpoint.ts';
import { operatorKey } from '../../anchor/ledger/operator-key.ts';
import { createTrustedIssuersClient } from '../../anchor/ledger/trusted-issuers.ts';
import { loadConfig } from '../../platform/config.ts';
import { createLogger } from '../../platform/log.ts';

/**
 * `govshare ledger deploy [--member <address|did>...]`: deploys the consortium's contracts with
 * the operator's key (idempotent: contracts already recorded in the data dir and present on the
 * chain are kept) and admits the members (default: the department and gateway keys in this
 * host's keystore). Prints the LEDGER_CONTRACTS line other hosts need.
 */
export async function ledgerDeployCommand(options: { member?: string[] }): Promise<void> {
  const config = loadConfig();
  const endpoint = ledgerEndpoint(config);
  const members = options.member?.length ? options.member.map(identityAddress) : await keystoreMembers(config.dataDir);
  const result = await ensureContracts({ ...endpoint, deployer: operatorKey(config), dataDir: config.dataDir, members, logger: createLogger('ledger', 'warn') });
  const line = CONTRACT_NAMES.map((name) => `${name}=${result.contracts[name].address}`).join(',');
  process.stdout.write(
    [
      `chain ${result.chainId}: ${result.deployed.length ? `deployed ${result.deployed.join(', ')}` : 'every contract was already deployed'}`,
      `members admitted: ${result.membersAdded.length ? result.membersAdded.join(', ') : 'none new'}`,
      'for every other host of this consortium:',
      `LEDGER_CONTRACTS=${line}`,
      '',
    ].join('\n'),
  );
}

/** `govshare ledger add-member <address|did>`: admits a department or gateway key to the Anchor consortium. */
export async function ledgerAddMemberCommand(member: string): Promise<void> {
  const config = loadConfig();
  const endpoint = ledgerEndpoint(config);
  const address = identityAddress(member);
  const result = await ensureContracts({ ...endpoint, deployer: operatorKey(config), dataDir: config.dataDir, members: [address] });
  process.stdout.write(result.membersAdded.length ? `admitted ${address}\n` : `${address} was already a member\n`);
}

/** `govshare ledger accredit <did> <type> [--from S] [--until S]`: the TrustedIssuers root accredits an issuer. */
export async function ledgerAccreditCommand(issuer: string, type: string, options: { from?: number; until?: number }): Promise<void> {
  const config = loadConfig();
  const endpoint = ledgerEndpoint(config);
  const client = createTrustedIssuersClient({ ...endpoint, contract: contractAddresses(endpoint, config.dataDir).TrustedIssuers, signer: operatorKey(config) });
  try {
    const entry = await client.accredit({ issuer, credentialType: type, ...(options.from !== undefined && { validFrom: options.from }), ...(options.until !== undefined && { validUntil: options.until }) });
    process.stdout.write(`accredited ${entry.issuer} for ${entry.credentialTypeName ?? entry.credentialType} from ${entry.validFrom}${entry.validUntil ? ` until ${entry.validUntil}` : ''} (entry ${entry.index}, tx ${entry.txHash})\n`);
  } finally {
    client.close();
  }
}

async function keystoreMembers(dataDir: string): Promise<string[]> {
  const keystore = openKeystore({ dataDir, passphrase: keystorePassphrase(process.env) });
  return DEFAULT_KEY_NAMES.filter((name) => keystore.has(name)).map((name) => keystore.address(name));
}
