import { getAddress, type JsonRpcProvider, type Signer } from 'ethers';
import type { Logger } from '../../platform/log.ts';
import type { DeployedContract } from './deploy.ts';
import { createProvider, viaLedger, type LedgerEndpoint } from './rpc.ts';
import { createTrustedIssuersClient, credentialTypeId, type Accreditation } from './trusted-issuers.ts';

/**
 * The demo consortium's accreditations (DESIGN.md "Trust model", issue 5): which department
 * may issue which credential type. Granted by the TrustedIssuers root when the embedded ledger
 * is set up, open-ended from the contract's deployment block time.
 */
export const DEMO_ACCREDITATIONS: Readonly<Record<string, readonly string[]>> = {
  education: ['DegreeCredential', 'TranscriptCredential'],
  finance: ['TaxClearanceCredential'],
  justice: ['NoCriminalRecordCredential', 'EvidenceReceiptCredential'],
};

export interface EnsureAccreditationsOptions extends LedgerEndpoint {
  /** The deployed TrustedIssuers (its deployment block gives validFrom). */
  contract: DeployedContract;
  /** The TrustedIssuers root's key (the deployer on the embedded ledger). */
  root: Signer;
  /** Key name → identity address (keystore addresses); departments not listed are skipped. */
  issuers: Readonly<Record<string, string>>;
  /** Default DEMO_ACCREDITATIONS. */
  accreditations?: Readonly<Record<string, readonly string[]>>;
  provider?: JsonRpcProvider;
  logger?: Logger;
}

/**
 * Grants each listed department the types it has never been accredited for, and nothing else:
 * idempotent across restarts, and an accreditation the root ended on purpose is NOT granted
 * again (any entry in the history, ended or not, counts as "already accredited").
 * Returns the entries it added. When the root has been handed to another key, it grants
 * nothing and says so: accreditation is then that key's decision.
 */
export async function ensureDemoAccreditations(options: EnsureAccreditationsOptions): Promise<Accreditation[]> {
  const endpoint: LedgerEndpoint = { rpcUrl: options.rpcUrl, chainId: options.chainId };
  const provider = options.provider ?? createProvider(endpoint);
  const client = createTrustedIssuersClient({ ...endpoint, contract: options.contract.address, signer: options.root, provider, ...(options.logger && { logger: options.logger }) });
  try {
    const wanted: { department: string; issuer: string; types: string[] }[] = [];
    for (const [department, types] of Object.entries(options.accreditations ?? DEMO_ACCREDITATIONS)) {
      const issuer = options.issuers[department];
      if (!issuer) continue;
      const held = new Set((await client.accreditations(issuer)).map((a) => a.credentialType));
      const missing = types.filter((type) => !held.has(credentialTypeId(type)));
      if (missing.length) wanted.push({ department, issuer, types: missing });
    }
    if (!wanted.length) return [];

    const [root, signer] = [await client.root(), getAddress(await options.root.getAddress())];
    if (root !== signer) {
      options.logger?.warn({ root, signer, missing: wanted }, 'the TrustedIssuers root is another key; not granting the demo accreditations');
      return [];
    }
    // The deployment block's time, not "now": a department counts as accredited from the moment
    // the trust registry exists, including for a restart that completes an interrupted set-up.
    const block = await viaLedger(endpoint.rpcUrl, () => provider.getBlock(options.contract.blockNumber));
    const validFrom = block?.timestamp ?? 0; // 0: the contract uses the accreditation's block time

    const added: Accreditation[] = [];
    for (const { department, issuer, types } of wanted) {
      for (const credentialType of types) {
        const entry = await client.accredit({ issuer, credentialType, validFrom });
        added.push(entry);
        options.logger?.info({ department, issuer, credentialType, index: entry.index }, 'accredited department');
      }
    }
    return added;
  } finally {
    client.close();
    if (!options.provider) provider.destroy();
  }
}
