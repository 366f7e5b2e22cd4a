import type { Config } from '../../platform/config.ts';
import { DEPARTMENTS, localSubgraphUrl } from '../../platform/config.ts';
import type { Logger } from '../../platform/log.ts';
import { keystorePassphrase, openKeystore } from '../../anchor/keys/keystore.ts';
import { ledgerEndpoint, waitForLedgerPatiently } from '../../anchor/ledger/endpoint.ts';
import { createSharingAgreementsClient } from '../../anchor/ledger/sharing-agreements.ts';
import { ledgerAgreementSource, type LedgerAgreementSource } from './agreements.ts';

export interface ConnectedAgreements {
  source: LedgerAgreementSource;
  close(): void;
}

/**
 * The gateway's agreement source once the ledger answers (for `govshare serve gateway`, like
 * connectAuthenticator): the SharingAgreements contract of the consortium, polled for
 * changes, and each department's identity address, so that only the department owning a
 * category can grant it. The department addresses come from the keystore (the embedded
 * set-up keeps every member's key there); a department whose key is absent grants nothing
 * here, which the log says.
 */
export async function connectAgreements(options: {
  config: Pick<Config, 'dataDir' | 'ledgerRpcUrl' | 'ledgerChainId' | 'ledgerPort' | 'ledgerContracts'> & { subgraphs?: Config['subgraphs'] };
  logger: Logger;
  signal?: AbortSignal;
  passphrase?: string;
  pollMs?: number;
  maxStalenessMs?: number;
}): Promise<ConnectedAgreements> {
  const endpoint = ledgerEndpoint(options.config);
  const contracts = await waitForLedgerPatiently({
    ...endpoint,
    dataDir: options.config.dataDir,
    logger: options.logger,
    waiting: 'waiting for the ledger; agencies are granted no data category until it answers',
    ...(options.signal && { signal: options.signal }),
  });
  const keystore = openKeystore({ dataDir: options.config.dataDir, passphrase: options.passphrase ?? keystorePassphrase(process.env) });
  const departments: Record<string, string> = {};
  const missing: string[] = [];
  for (const department of DEPARTMENTS) {
    if (keystore.has(department)) departments[department] = keystore.address(department);
    else missing.push(department);
  }
  if (missing.length) options.logger.info({ departments: missing }, 'department identities not in this keystore: asking the departments (GET /identity); their agreements grant nothing until they answer');
  const subgraphs = options.config.subgraphs === 'up' || options.config.subgraphs === undefined
    ? Object.fromEntries(DEPARTMENTS.map((d) => [d, localSubgraphUrl(d)]))
    : options.config.subgraphs;
  const discover = async () => {
    const found: Record<string, string> = {};
    await Promise.all(
      missing.map(async (department) => {
        const url = subgraphs[department as keyof typeof subgraphs];
        if (!url) return;
        const response = await fetch(new URL('identity', new URL('.', url)), { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
        const identity = response?.ok ? ((await response.json()) as { department?: string; did?: string }) : undefined;
        if (identity?.department === department && typeof identity.did === 'string') found[department] = identity.did;
      }),
    );
    return found;
  };
  const reader = createSharingAgreementsClient({ ...endpoint, contract: contracts.SharingAgreements, logger: options.logger });
  const source = ledgerAgreementSource({
    reader,
    departments,
    ...(missing.length && { discover }),
    logger: options.logger,
    ...(options.pollMs !== undefined && { pollMs: options.pollMs }),
    ...(options.maxStalenessMs !== undefined && { maxStalenessMs: options.maxStalenessMs }),
  });
  options.logger.info({ contract: contracts.SharingAgreements, departments }, 'field-level policy reads sharing agreements from the ledger');
  return {
    source,
    close() {
      source.close();
      reader.close();
    },
  };
}
