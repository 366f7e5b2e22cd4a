import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, type DocumentNode } from 'graphql';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import type { DepartmentName } from '../../platform/config.ts';
import type { Logger } from '../../platform/log.ts';
import type { Database } from '../../store/open.ts';
import type { DecisionContext } from '../../gateway/subgraph-client/subgraph-token.ts';
import type { ConsentGate } from './consent/consent-gate.ts';
import { consentSdl } from './consent/sdl.ts';
import type { CitizenOf } from './consent/enforce-consent.ts';
import { credentialSdl } from './credentials/sdl.ts';
import type { DepartmentCredentials } from './credentials/types.ts';

/** What a resolver sees of the request it serves. */
export interface SubgraphContext {
  requestId: string;
  logger: Logger;
  /** What the gateway decided for this request, from its verified token (unset when the server does not require one). */
  gateway?: DecisionContext;
  /** This request's per-citizen consent checks; unset when its decision binds no category to consent. */
  consent?: ConsentGate;
}

export type Resolvers = GraphQLResolverMap<SubgraphContext>;

/**
 * A department as the rest of the system sees it: its schema, its migrations,
 * its store over its own database and its resolvers over that store. The
 * server (subgraphs/kit/server.ts), the seed and the tests all start from this.
 */
export interface Department<Store> {
  name: DepartmentName;
  /** Path of the department's schema.graphql. */
  schemaPath: string;
  /** Folder of NNN_name.sql migrations. */
  migrationsDir: string;
  /**
   * Tables whose rows are the department's records: each row (keyed by its
   * `id`) is logged in the department's Merkle log by the store, in the
   * transaction that writes it, and re-hashed by `govshare audit`.
   */
  recordedTables: readonly string[];
  createStore(db: Database): Store;
  createResolvers(store: Store): Resolvers;
  /**
   * The credential types the department issues (its accreditations), each with the claims its
   * records give (subgraphs/kit/credentials). The kit adds the issuing API and the
   * issued_credentials table (list it in recordedTables).
   */
  credentials?: DepartmentCredentials;
  /**
   * Which citizen an object of each record type is about (its owner column), for consent
   * (subgraphs/kit/consent/enforce-consent.ts); Citizen (by its DID) is the kit's. A type not
   * listed is not about one citizen: its consent-bound fields are never released under consent.
   */
  citizenOf?: CitizenOf;
}

/** SDL every department's schema gets appended: the types it shares with all the others. */
const SHARED_SDL = ['./access.graphql', './common.graphql', './record-proof.graphql'].map((file) => fileURLToPath(new URL(file, import.meta.url)));

/**
 * A department's subgraph SDL: its schema.graphql plus the shared kit types, the consent API
 * (every department holds data about citizens) and the credential API when it issues.
 */
export function schemaSdl(department: Pick<Department<unknown>, 'schemaPath' | 'name' | 'credentials'>): string {
  const files = [department.schemaPath, ...SHARED_SDL].map((file) => fs.readFileSync(file, 'utf8'));
  files.push(consentSdl(department.name));
  if (department.credentials) files.push(credentialSdl(department.name));
  return files.join('\n');
}

export function readSchema(department: Pick<Department<unknown>, 'schemaPath' | 'name' | 'credentials'>): DocumentNode {
  return parse(schemaSdl(department));
}

/** Resolves a path next to the calling module (`import.meta.url`). */
export function besides(moduleUrl: string, relative: string): string {
  return fileURLToPath(new URL(relative, moduleUrl));
}
