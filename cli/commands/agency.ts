import { loadConfig } from '../../platform/config.ts';
import { GovshareError } from '../../platform/errors.ts';
import { keystorePassphrase, openKeystore } from '../../anchor/keys/keystore.ts';
import { didForAddress } from '../../anchor/ledger/did.ts';
import { ledgerEndpoint } from '../../anchor/ledger/endpoint.ts';
import { createAgencyToken } from '../../gateway/auth/agency-token.ts';
import { GATEWAY_KEY } from '../../gateway/auth/connect.ts';
import { DEMO_AGENCIES, agencyKeyName, type DemoAgency } from '../../demo/agencies.ts';

/** `govshare agency token <agency> [--purpose P]`: a bearer token of a demo agency, on stdout. */
export async function agencyTokenCommand(agency: string, options: { purpose?: string; seconds: number }): Promise<void> {
  if (!Object.hasOwn(DEMO_AGENCIES, agency)) {
    throw new GovshareError('INVALID_ARGUMENT', `unknown agency "${agency}"; demo agencies: ${Object.keys(DEMO_AGENCIES).join(', ')}`);
  }
  const config = loadConfig();
  const { chainId } = ledgerEndpoint(config);
  const keystore = openKeystore({ dataDir: config.dataDir, passphrase: keystorePassphrase(process.env) });
  const key = await keystore.ensureKey(agencyKeyName(agency));
  const gateway = await keystore.ensureAddress(GATEWAY_KEY);
  const token = await createAgencyToken({
    agencyDid: didForAddress(key.address, chainId),
    privateKey: key.privateKey,
    gatewayDid: didForAddress(gateway, chainId),
    purpose: options.purpose ?? DEMO_AGENCIES[agency as DemoAgency].purpose,
    lifetimeSeconds: options.seconds,
  });
  process.stdout.write(`${token}\n`);
}

/** `govshare agency list`: the demo agencies and their DIDs (keys are created if missing). */
export async function agencyListCommand(): Promise<void> {
  const config = loadConfig();
  const { chainId } = ledgerEndpoint(config);
  const keystore = openKeystore({ dataDir: config.dataDir, passphrase: keystorePassphrase(process.env) });
  for (const [name, agency] of Object.entries(DEMO_AGENCIES)) {
    const key = await keystore.ensureAddress(agencyKeyName(name));
    process.stdout.write(`${name.padEnd(16)} ${didForAddress(key, chainId)}  ${agency.title} (purpose ${agency.purpose})\n`);
  }
}
