import { identityAddress } from '../../anchor/ledger/did.ts';
import type { Agreement } from '../../anchor/ledger/sharing-agreements.ts';
import type { Logger } from '../../platform/log.ts';
import type { AgreementSnapshot } from './decide.ts';

/**
 * Where the policy reads sharing agreements from. `snapshot()` is called on every request,
 * so it answers from memory; keeping that memory current is the source's job.
 */
export interface AgreementSource {
  snapshot(): AgreementSnapshot;
  /** How current the memory is, for /metrics. */
  status(): { version: number | null; ageSeconds: number | null; fresh: boolean };
  close(): void;
}

/** What the ledger source needs of the SharingAgreements client (anchor/ledger/sharing-agreements.ts). */
export interface AgreementReader {
  readonly chainId: number;
  version(): Promise<number>;
  all(): Promise<Agreement[]>;
}

export interface LedgerAgreementSourceOptions {
  reader: AgreementReader;
  /** Identity address or did:ethr of each department (the providers whose categories they own). */
  departments: Readonly<Record<string, string>>;
  /**
   * Departments not in `departments`, asked each poll until they answer (a gateway on another
   * host learns them from the departments themselves, `GET /identity`): name → identity.
   */
  discover?: () => Promise<Readonly<Record<string, string>>>;
  /** How often `version()` is read; a change is seen within this. Default 1,000 ms. */
  pollMs?: number;
  /**
   * How long the last good read stays trusted while the ledger cannot be read. Past it, no
   * category is granted (fail closed: a termination we cannot see must not keep data flowing);
   * public and agency fields are still served. Default 30,000 ms.
   */
  maxStalenessMs?: number;
  logger?: Logger;
  now?: () => number;
}

/**
 * A cache of every agreement on the SharingAgreements contract, reloaded when the contract's
 * `version` slot moves (one eth_call per poll while nothing changes), so an acceptance or a
 * termination takes effect within a poll interval. Expiry needs no poll: the decision checks
 * each agreement's window at request time.
 */
export interface LedgerAgreementSource extends AgreementSource {
  /** Resolves after the first successful read. */
  ready(): Promise<void>;
  /** Polls now (what the timer does every pollMs). */
  refresh(): Promise<void>;
}

export function ledgerAgreementSource(options: LedgerAgreementSourceOptions): LedgerAgreementSource {
  const pollMs = options.pollMs ?? 1_000;
  const maxStalenessMs = options.maxStalenessMs ?? 30_000;
  const now = options.now ?? Date.now;
  let known: Readonly<Record<string, string>> = options.departments;
  let departments = departmentMap(known);
  let byConsumer = indexByConsumer([]);
  let version: number | null = null;
  let confirmedAt: number | null = null;
  let failing = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  let markReady: () => void;
  const firstLoad = new Promise<void>((resolve) => (markReady = resolve));

  const fresh = () => confirmedAt !== null && now() - confirmedAt <= maxStalenessMs;

  async function poll(): Promise<void> {
    if (options.discover) {
      try {
        const found = await options.discover();
        const added = Object.keys(found).filter((name) => known[name] !== found[name]);
        if (added.length) {
          known = { ...known, ...found };
          departments = departmentMap(known);
          options.logger?.info({ departments: added }, 'department identities learned from the departments');
        }
      } catch {
        /* a department that is down now is asked again at the next poll */
      }
    }
    try {
      const current = await options.reader.version();
      // Read the version first: a change during all() moves it again and the next poll reloads.
      if (current !== version) {
        const agreements = await options.reader.all();
        byConsumer = indexByConsumer(agreements);
        options.logger?.info({ version: current, agreements: agreements.length }, 'sharing agreements loaded');
        version = current;
      }
      confirmedAt = now();
      if (failing) options.logger?.info({ version }, 'sharing agreements readable again');
      failing = false;
      markReady();
    } catch (error) {
      if (!failing) {
        options.logger?.warn(
          { err: error, code: (error as { code?: string }).code, maxStalenessMs },
          'cannot read sharing agreements; categories are refused once the last good read is older than maxStalenessMs',
        );
      }
      failing = true;
    }
  }

  // A refresh reads the ledger after it was asked: one already in flight may have started before.
  const refresh = async (): Promise<void> => {
    if (inFlight) await inFlight;
    return (inFlight ??= poll().finally(() => (inFlight = undefined)));
  };
  const loop = () => {
    if (closed) return;
    void refresh().finally(() => {
      if (closed) return;
      timer = setTimeout(loop, pollMs);
      timer.unref();
    });
  };
  loop();

  return {
    snapshot: () => ({ chainId: options.reader.chainId, byConsumer, departments, fresh: fresh() }),
    status: () => ({ version, ageSeconds: confirmedAt === null ? null : (now() - confirmedAt) / 1000, fresh: fresh() }),
    ready: () => firstLoad,
    refresh,
    close() {
      closed = true;
      clearTimeout(timer);
    },
  };
}

/** Agreements held in memory, for tests and tools: always fresh, changed with `set`. */
export function memoryAgreementSource(options: {
  chainId: number;
  departments: Readonly<Record<string, string>>;
  agreements?: readonly Agreement[];
}): AgreementSource & { set(agreements: readonly Agreement[]): void } {
  const departments = departmentMap(options.departments);
  let byConsumer = indexByConsumer(options.agreements ?? []);
  let version = 0;
  return {
    snapshot: () => ({ chainId: options.chainId, byConsumer, departments, fresh: true }),
    status: () => ({ version, ageSeconds: 0, fresh: true }),
    set(next) {
      byConsumer = indexByConsumer(next);
      version++;
    },
    close() {},
  };
}

/** Built once per load, so a request looks up its agency's agreements instead of scanning all. */
function indexByConsumer(agreements: readonly Agreement[]): ReadonlyMap<string, readonly Agreement[]> {
  const index = new Map<string, Agreement[]>();
  for (const agreement of agreements) {
    const consumer = agreement.consumer.toLowerCase();
    let list = index.get(consumer);
    if (!list) index.set(consumer, (list = []));
    list.push(Object.freeze({ ...agreement }));
  }
  return index;
}

function departmentMap(given: Readonly<Record<string, string>>): ReadonlyMap<string, string> {
  return new Map(Object.entries(given).map(([department, identity]) => [identityAddress(identity).toLowerCase(), department]));
}
