import { MIN_STATUS_LIST_LENGTH } from '../../../credentials/status/index.ts';

/** How a department issues: fixed at start, passed in (nothing read from the environment here). */
export interface CredentialSettings {
  department: string;
  /** The gateway's public base URL; status list URLs live under it (config.publicUrl). */
  publicUrl: string;
  /** DIDs besides the department's own that may issue for anyone and change statuses (GOVSHARE_<DEPT>_OFFICERS). */
  officers: readonly string[];
  /** Entries per status list (§2.2 minimum 131,072). */
  listLength: number;
  /** §2.2 ttl and the HTTP max-age of a served list, milliseconds. */
  listTtlMs: number;
  /** How long a signed list stays valid (its exp): a replayed old copy is refused after that. */
  listValidityMs: number;
  /** A new series starts once this share of a series' indexes is allocated. */
  seriesFillLimit: number;
}

export function credentialSettings(given: Partial<CredentialSettings> & Pick<CredentialSettings, 'department' | 'publicUrl'>): CredentialSettings {
  return {
    officers: [],
    listLength: MIN_STATUS_LIST_LENGTH,
    // One minute: a status change reaches verifiers that honour the ttl within a minute.
    listTtlMs: 60_000,
    listValidityMs: 24 * 3600_000,
    // Random allocation stays cheap and uniform up to here (64 probes all failing at 3/4 full: < 1e-8).
    seriesFillLimit: 0.75,
    ...given,
  };
}
