import type { Config } from '../../platform/config.ts';
import { DEPARTMENTS } from '../../platform/config.ts';
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
  config: Pick<Config, 'dataDir' | 'ledgerRpcUrl' | 'ledgerChainId' | 'ledgerPort' | 'ledgerContracts'>;
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
  for (const department of DEPARTMENTS) {
    if (keystore.has(department)) departments[department] = keystore.address(department);
    else options.logger.warn({ department }, 'this department\'s identity is not in the keystore: its agreements grant nothing at this gateway');
  }
  const reader = createSharingAgreementsClient({ ...endpoint, contract: contracts.SharingAgreements, logger: options.logger });
  const source = ledgerAgreementSource({
    reader,
    departments,
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
