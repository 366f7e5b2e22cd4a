import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { Kind, parse, print, visit, type FieldNode, type OperationDefinitionNode } from 'graphql';
import { Lru } from '../policy/lru.ts';

/**
 * Several requests' fetches of one operation, as one operation: each member's root fields
 * under an alias of its own (`m0_citizen`, `m1_citizen`, ...) and its variables renamed to
 * match (`$m0_did`, `$m1_did`, ...). A federated fetch is a query the gateway's planner wrote
 * (a root field such as `citizen(did: $did)`, or `_entities(representations: $representations)`
 * for an entity hop), so N members become one execution in the department, whose batch loaders
 * then read all N citizens with one query each (subgraphs/kit/loaders.ts).
 *
 * Only a read-only query qualifies, short enough to copy N times (MAX_MERGED_QUERY):
 * - never a mutation (its fields run in order and change things);
 * - never a root field that takes a signed request (`authorization`, e.g. my…Consents): the
 *   department uses it up, so it must not run twice should the members have to ask alone;
 * - root selections that are all fields, and no fragment definitions or operation directives,
 *   so that renaming is the whole rewrite.
 * GraphQL executes each root field of a query on its own (spec, "Executing Selection Sets"), so
 * a member's part of the merged answer is what it would get alone, except when a failing
 * non-null root field nulls the whole `data`: splittable() says so, and the members ask alone.
 */

/** Longer operation texts are not merged: the merged text holds one copy per member. */
const MAX_MERGED_QUERY = 4096;

const mergeableCache = new Lru<string, boolean>(512);
const mergedCache = new Lru<string, string>(64);

/** The prefix of member `index`'s root fields and variables. */
function memberPrefix(index: number): string {
  return `m${index}_`;
}

/** Whether fetches of this operation text can be merged (cached per text). */
export function isMergeable(query: string): boolean {
  if (query.length > MAX_MERGED_QUERY) return false;
  let known = mergeableCache.get(query);
  if (known === undefined) mergeableCache.set(query, (known = checkMergeable(query)));
  return known;
}

function checkMergeable(query: string): boolean {
  try {
    const document = parse(query);
    const [operation, ...rest] = document.definitions;
    return (
      rest.length === 0 &&
      operation?.kind === Kind.OPERATION_DEFINITION &&
      operation.operation === 'query' &&
      !operation.directives?.length &&
      operation.selectionSet.selections.every((selection) => selection.kind === Kind.FIELD && !selection.arguments?.some((argument) => argument.name.value === 'authorization'))
    );
  } catch {
    return false;
  }
}

/** The merged operation text for `members` copies of `query` (which isMergeable accepted). */
export function mergeOperation(query: string, members: number): string {
  const key = `${members}\n${query}`;
  let merged = mergedCache.get(key);
  if (merged === undefined) mergedCache.set(key, (merged = buildMerged(query, members)));
  return merged;
}

function buildMerged(query: string, members: number): string {
  const operation = parse(query).definitions[0] as OperationDefinitionNode;
  const copies = Array.from({ length: members }, (_, index) => {
    const prefix = memberPrefix(index);
    return visit(operation, {
      Variable: (node) => ({ ...node, name: { ...node.name, value: prefix + node.name.value } }),
    });
  });
  const merged: OperationDefinitionNode = {
    ...operation,
    variableDefinitions: copies.flatMap((copy) => copy.variableDefinitions ?? []),
    selectionSet: {
      ...operation.selectionSet,
      selections: copies.flatMap((copy, index) =>
        (copy.selectionSet.selections as FieldNode[]).map((field) => ({
          ...field,
          alias: { kind: Kind.NAME, value: memberPrefix(index) + (field.alias ?? field.name).value },
        })),
      ),
    },
  };
  return print({ kind: Kind.DOCUMENT, definitions: [merged] });
}

/** The merged operation's variables: each member's, renamed as in mergeOperation. */
export function mergeVariables(members: readonly (Record<string, unknown> | undefined)[]): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  members.forEach((variables, index) => {
    for (const [name, value] of Object.entries(variables ?? {})) merged[memberPrefix(index) + name] = value;
  });
  return merged;
}

/**
 * Whether every part of a merged answer belongs to one member: it has data, every error has a
 * path, and every consent entry names its root field. Otherwise the members ask alone.
 */
export function splittable(response: GatewayGraphQLResponse): boolean {
  if (response.data === null || response.data === undefined) return false;
  if (response.errors?.some((error) => !error.path?.length)) return false;
  const consents = (response.extensions as { consents?: unknown } | undefined)?.consents;
  return consents === undefined || (Array.isArray(consents) && consents.every((entry: { root?: unknown }) => typeof entry?.root === 'string'));
}

/**
 * Member `index`'s answer out of a merged one that is splittable: its root fields under their
 * own names, the errors at its paths (renamed back), and the `extensions.consents` entries
 * released under its root fields. Other extensions are about the merged request: dropped.
 */
export function splitMergedResponse(response: GatewayGraphQLResponse, index: number): GatewayGraphQLResponse {
  const prefix = memberPrefix(index);
  const own = (key: unknown): key is string => typeof key === 'string' && key.startsWith(prefix);
  // fromEntries defines each key as data, even one named __proto__ (an alias a client may choose).
  const data = Object.fromEntries(Object.entries(response.data ?? {}).flatMap(([key, value]) => (own(key) ? [[key.slice(prefix.length), value]] : [])));
  const split: GatewayGraphQLResponse = { data };
  const errors = (response.errors ?? []).flatMap((error) => {
    const head = error.path?.[0];
    return own(head) ? [{ ...error, path: [head.slice(prefix.length), ...error.path!.slice(1)] }] : [];
  });
  if (errors.length > 0) split.errors = errors;
  // Only the extension known to be per root field is kept: any other is about the merged request.
  const consents = (response.extensions as { consents?: unknown } | undefined)?.consents;
  if (Array.isArray(consents)) {
    const mine = consents.flatMap((entry: { root: string }) => (own(entry.root) ? [{ ...entry, root: entry.root.slice(prefix.length) }] : []));
    if (mine.length > 0) split.extensions = { consents: mine };
  }
  if (response.http) split.http = response.http;
  return split;
}
