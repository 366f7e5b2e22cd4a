import fs from 'node:fs';
import { createHash } from 'node:crypto';
import { ConfigError } from '../../platform/errors.ts';

/**
 * An optional persisted-operation allow-list per agency (issue 6, hardening): an agency listed
 * may send only the operations listed for it, byte for byte (compared by SHA-256 of the text,
 * as Apollo's persisted queries identify them); an agency not listed is not restricted this
 * way. For integrations whose queries are known in advance: a stolen token then reads only
 * what that integration reads.
 *
 * File (GOVSHARE_OPERATION_ALLOW_LIST): `{ "<agency DID>": ["<operation text>", ...], ... }`.
 */
export interface OperationAllowList {
  /** undefined when allowed; otherwise why not. */
  check(agencyDid: string | undefined, query: string | undefined): { code: 'PERSISTED_OPERATION_NOT_ALLOWED'; message: string } | undefined;
  readonly agencies: number;
}

export function operationHash(query: string): string {
  return createHash('sha256').update(query, 'utf8').digest('hex');
}

export function createOperationAllowList(entries: Readonly<Record<string, readonly string[]>>): OperationAllowList {
  const allowed = new Map(Object.entries(entries).map(([did, operations]) => [did, new Set(operations.map(operationHash))]));
  return {
    agencies: allowed.size,
    check(agencyDid, query) {
      const list = agencyDid === undefined ? undefined : allowed.get(agencyDid);
      if (!list) return undefined;
      if (query !== undefined && list.has(operationHash(query))) return undefined;
      return { code: 'PERSISTED_OPERATION_NOT_ALLOWED', message: 'this agency may only send its registered operations, and this is not one of them' };
    },
  };
}

export function readOperationAllowList(file: string): OperationAllowList {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`GOVSHARE_OPERATION_ALLOW_LIST: cannot read ${file}: ${(error as Error).message}`);
  }
  const valid =
    parsed !== null &&
    typeof parsed === 'object' &&
    !Array.isArray(parsed) &&
    Object.entries(parsed).every(([did, operations]) => did.startsWith('did:') && Array.isArray(operations) && operations.every((o) => typeof o === 'string' && o.length > 0));
  if (!valid) throw new ConfigError(`GOVSHARE_OPERATION_ALLOW_LIST: ${file} must map agency DIDs to arrays of operation texts`);
  return createOperationAllowList(parsed as Record<string, string[]>);
}
