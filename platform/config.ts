import path from 'node:path';
import { ConfigError } from './errors.ts';

/**
 * Every setting comes from the environment (DESIGN.md, "Configuration"); every
 * variable is optional and unset means the embedded default. Read once at start
 * and passed down: nothing below reads process.env itself.
 */
export const DEPARTMENTS = ['education', 'finance', 'justice'] as const;
export type DepartmentName = (typeof DEPARTMENTS)[number];

export const DEFAULT_PORTS = {
  gateway: 4000,
  education: 4101,
  finance: 4102,
  justice: 4103,
  ledger: 8545,
} as const;

export interface Config {
  dataDir: string;
  /** PostgreSQL server URL; undefined means embedded PGlite under dataDir. */
  dbUrl?: string;
  /** Prefix for the department schemas on a PostgreSQL server (GOVSHARE_DB_SCHEMA_PREFIX). */
  schemaPrefix?: string;
  /**
   * GOVSHARE_PGLITE_TEMPLATE: where new embedded databases are copied from (store/pglite-template.ts);
   * default `<dataDir>/.pglite-template`. Only a directory as trusted as the data itself.
   */
  pgliteTemplate?: string;
  redisUrl?: string;
  ledgerRpcUrl?: string;
  ledgerChainId?: number;
  /**
   * LEDGER_CONTRACTS ("Name=0x…,Name=0x…"): where the consortium's contracts are on a ledger this
   * host did not set up (another department's host, a gateway behind a load balancer). Unset: the
   * addresses recorded in the data dir by the embedded ledger's deployment.
   */
  ledgerContracts?: Record<string, string>;
  gatewayPort: number;
  ledgerPort: number;
  /** Where the gateway finds each department; 'up' means start them locally. */
  subgraphs: 'up' | Record<DepartmentName, string>;
  /** PORT: the port of one `govshare serve <component>`. */
  port?: number;
  /** Anchor a department's log at least this often while leaves wait (GOVSHARE_CHECKPOINT_SECONDS). */
  checkpointSeconds: number;
  /** ...or as soon as this many leaves wait (GOVSHARE_CHECKPOINT_LEAVES). */
  checkpointLeaves: number;
  development: boolean;
  /**
   * The gateway's public base URL (GOVSHARE_PUBLIC_URL, no trailing slash; default
   * http://127.0.0.1:<GATEWAY_PORT>): credentials name their status lists under it
   * (`<publicUrl>/status/<department>/<list>`), so it must be where verifiers reach the gateway.
   */
  publicUrl: string;
  /** GOVSHARE_POLICY_MODE: how the gateway applies field-level policy (default filter). */
  policyMode: 'filter' | 'reject' | 'dry-run';
  /**
   * GOVSHARE_MERGE_FETCHES (on|off, default on): the gateway merges concurrent department
   * fetches of one query under one decision into one request (gateway/subgraph-client/merge-operation.ts).
   */
  mergeFetches: boolean;
  /** GOVSHARE_RATE_LIMIT ("<requests>/<seconds>s", default 1200/60s): each agency's request budget. */
  rateLimit: { limit: number; windowMs: number };
  /** GOVSHARE_OPERATION_ALLOW_LIST: a JSON file of agency DID → allowed operation texts. */
  operationAllowList?: string;
  /**
   * Per department, the DIDs of officers besides the department's own (GOVSHARE_EDUCATION_OFFICERS,
   * GOVSHARE_FINANCE_OFFICERS, GOVSHARE_JUSTICE_OFFICERS: comma-separated DIDs). An officer's
   * signed request may issue a credential for anyone and revoke, suspend or reinstate one.
   */
  officers?: Partial<Record<DepartmentName, readonly string[]>>;
  /**
   * GOVSHARE_GATEWAY_DIDS (comma-separated DIDs): the gateways on other hosts a department
   * trusts, besides the keystore's `gateway` key on its own host. A served department answers
   * GraphQL only with a token signed by one of them.
   */
  gatewayDids?: readonly string[];
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const config: Config = {
    dataDir: path.resolve(cwd, env.GOVSHARE_DATA_DIR || './data'),
    gatewayPort: port(env, 'GATEWAY_PORT') ?? DEFAULT_PORTS.gateway,
    ledgerPort: port(env, 'LEDGER_PORT') ?? DEFAULT_PORTS.ledger,
    subgraphs: parseSubgraphs(env.GOVSHARE_SUBGRAPHS),
    development: env.NODE_ENV === 'development',
    checkpointSeconds: positive(env, 'GOVSHARE_CHECKPOINT_SECONDS') ?? 5,
    checkpointLeaves: positive(env, 'GOVSHARE_CHECKPOINT_LEAVES') ?? 1_000,
    publicUrl: '',
    policyMode: policyMode(env.GOVSHARE_POLICY_MODE),
    mergeFetches: onOff(env, 'GOVSHARE_MERGE_FETCHES', true),
    rateLimit: rateLimit(env.GOVSHARE_RATE_LIMIT),
  };
  if (env.GOVSHARE_OPERATION_ALLOW_LIST) config.operationAllowList = path.resolve(cwd, env.GOVSHARE_OPERATION_ALLOW_LIST);
  config.publicUrl = env.GOVSHARE_PUBLIC_URL
    ? url(env, 'GOVSHARE_PUBLIC_URL', ['http:', 'https:']).replace(/\/+$/, '')
    : `http://127.0.0.1:${config.gatewayPort}`;
  if (env.GOVSHARE_PGLITE_TEMPLATE) config.pgliteTemplate = path.resolve(cwd, env.GOVSHARE_PGLITE_TEMPLATE);
  if (env.GOVSHARE_DB_URL) config.dbUrl = url(env, 'GOVSHARE_DB_URL', ['postgres:', 'postgresql:']);
  if (env.GOVSHARE_DB_SCHEMA_PREFIX) {
    if (!/^[a-z_][a-z0-9_]{0,40}$/.test(env.GOVSHARE_DB_SCHEMA_PREFIX)) {
      throw new ConfigError('GOVSHARE_DB_SCHEMA_PREFIX must be lower-case letters, digits and underscores');
    }
    config.schemaPrefix = env.GOVSHARE_DB_SCHEMA_PREFIX;
  }
  if (env.REDIS_URL) config.redisUrl = url(env, 'REDIS_URL', ['redis:', 'rediss:']);
  if (env.LEDGER_RPC_URL) config.ledgerRpcUrl = url(env, 'LEDGER_RPC_URL', ['http:', 'https:', 'ws:', 'wss:']);
  if (env.LEDGER_CHAIN_ID) {
    const id = Number(env.LEDGER_CHAIN_ID);
    if (!Number.isSafeInteger(id) || id <= 0) throw new ConfigError(`LEDGER_CHAIN_ID must be a positive integer, got "${env.LEDGER_CHAIN_ID}"`);
    config.ledgerChainId = id;
  }
  if (env.LEDGER_CONTRACTS) config.ledgerContracts = contractList(env.LEDGER_CONTRACTS);
  for (const department of DEPARTMENTS) {
    const name = `GOVSHARE_${department.toUpperCase()}_OFFICERS`;
    const list = didList(env, name);
    if (list) config.officers = { ...config.officers, [department]: list };
  }
  const gatewayDids = didList(env, 'GOVSHARE_GATEWAY_DIDS');
  if (gatewayDids) config.gatewayDids = gatewayDids;
  const own = port(env, 'PORT');
  if (own !== undefined) config.port = own;
  return config;
}

/** The URL the gateway uses for a department when the departments run locally. */
export function localSubgraphUrl(department: DepartmentName): string {
  return `http://127.0.0.1:${DEFAULT_PORTS[department]}/graphql`;
}

export function subgraphUrls(config: Config): Record<DepartmentName, string> {
  if (config.subgraphs !== 'up') return config.subgraphs;
  return Object.fromEntries(DEPARTMENTS.map((d) => [d, localSubgraphUrl(d)])) as Record<DepartmentName, string>;
}

function parseSubgraphs(value: string | undefined): Config['subgraphs'] {
  if (!value || value === 'up') return 'up';
  const found: Partial<Record<DepartmentName, string>> = {};
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    const name = part.slice(0, eq).trim();
    const target = part.slice(eq + 1).trim();
    if (eq < 0 || !(DEPARTMENTS as readonly string[]).includes(name)) {
      throw new ConfigError(`GOVSHARE_SUBGRAPHS: expected "education=URL,finance=URL,justice=URL", got "${part}"`);
    }
    checkUrl('GOVSHARE_SUBGRAPHS', target, ['http:', 'https:']);
    found[name as DepartmentName] = target;
  }
  const missing = DEPARTMENTS.filter((d) => !found[d]);
  if (missing.length) throw new ConfigError(`GOVSHARE_SUBGRAPHS is missing ${missing.join(', ')}`);
  return found as Record<DepartmentName, string>;
}

/** A comma-separated list of DIDs (W3C DID Core §3.1 syntax), or undefined when unset. */
function didList(env: Env, name: string): string[] | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const dids = raw.split(',').map((part) => part.trim()).filter(Boolean);
  const bad = dids.find((did) => !/^did:[a-z0-9]+:[A-Za-z0-9._%:-]+$/.test(did) || did.endsWith(':'));
  if (bad !== undefined) throw new ConfigError(`${name} must be comma-separated DIDs, got "${bad}"`);
  return dids;
}

function port(env: Env, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(`${name} must be a TCP port (0-65535), got "${raw}"`);
  return n;
}

function positive(env: Env, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new ConfigError(`${name} must be a positive number, got "${raw}"`);
  return n;
}

function policyMode(raw: string | undefined): Config['policyMode'] {
  if (raw === undefined || raw === '') return 'filter';
  if (raw === 'filter' || raw === 'reject' || raw === 'dry-run') return raw;
  throw new ConfigError(`GOVSHARE_POLICY_MODE must be filter, reject or dry-run, got "${raw}"`);
}

function onOff(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'on') return true;
  if (raw === 'off') return false;
  throw new ConfigError(`${name} must be on or off, got "${raw}"`);
}

function rateLimit(raw: string | undefined): Config['rateLimit'] {
  if (raw === undefined || raw === '') return { limit: 1_200, windowMs: 60_000 };
  const match = /^(\d{1,9})\/(\d{1,6})s$/.exec(raw);
  if (!match || Number(match[1]) < 1 || Number(match[2]) < 1) throw new ConfigError(`GOVSHARE_RATE_LIMIT must look like 1200/60s (requests per window), got "${raw}"`);
  return { limit: Number(match[1]), windowMs: Number(match[2]) * 1000 };
}

function contractList(raw: string): Record<string, string> {
  const contracts: Record<string, string> = {};
  for (const part of raw.split(',').map((p) => p.trim()).filter(Boolean)) {
    const match = /^([A-Za-z][A-Za-z0-9]*)=(0x[0-9a-fA-F]{40})$/.exec(part);
    if (!match) throw new ConfigError(`LEDGER_CONTRACTS: expected Name=0x<40 hex digits>, got "${part}"`);
    contracts[match[1]!] = match[2]!;
  }
  return contracts;
}

function url(env: Env, name: string, protocols: string[]): string {
  const raw = env[name]!;
  checkUrl(name, raw, protocols);
  return raw;
}

function checkUrl(name: string, raw: string, protocols: string[]): void {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a URL: "${raw}"`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must use ${protocols.join(' or ')}, got "${parsed.protocol}"`);
  }
}
