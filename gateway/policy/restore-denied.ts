import { GraphQLError, type ExecutionResult } from 'graphql';
import { UNAUTHORIZED_FIELD, type DeniedPath } from './codes.ts';
import type { Condition, DeniedField, RemovalSet, RewrittenOperation } from './rewrite-operation.ts';

type Changed = Extract<RewrittenOperation, { changed: true }>;
type Path = (string | number)[];

/**
 * After the rewritten operation ran: put `null` at every response path the rewrite removed
 * and an UNAUTHORIZED_FIELD error naming the missing scope for each, so the client sees the
 * shape it asked for and knows why a value is missing (never a silent null). Conditions
 * (@skip/@include) are evaluated with the request's variables, fragments narrowed to some
 * concrete types apply only to objects of those types, and the private `__typename` the
 * rewrite added is deleted. Mutates `result.data` (the gateway's own fresh object).
 */
export function restoreDenied<R extends ExecutionResult<Record<string, unknown>>>(result: R, rewrite: Changed, variables: Readonly<Record<string, unknown>> | undefined): R {
  const data = result.data;
  // No data: the operation never ran (e.g. variables refused) and there is nothing to fill in.
  if (!data || typeof data !== 'object') return result;
  const errors: GraphQLError[] = [];
  const errored = new Set<string>();
  const visited: Record<string, unknown>[] = [];

  const holds = (condition: Condition) => conditionHolds(condition, variables, rewrite.defaults);

  const place = (object: Record<string, unknown>, set: RemovalSet, path: Path): void => {
    visited.push(object);
    const runtimeType = object[rewrite.helper];
    let added = false;
    for (const entry of set.entries) {
      if (!entry.conditions.every(holds)) continue;
      if (entry.types && !(typeof runtimeType === 'string' && entry.types.has(runtimeType))) continue;
      const at = [...path, entry.responseKey];
      if (entry.below) {
        descend(object[entry.responseKey], entry.below, at);
        continue;
      }
      const denied = entry.denied!;
      // Only allowed fields were fetched, so a value here came from an allowed selection: keep it.
      if (object[entry.responseKey] !== undefined) continue;
      object[entry.responseKey] = null;
      added = true;
      const key = JSON.stringify(at);
      if (errored.has(key)) continue;
      errored.add(key);
      errors.push(errorAt(denied, at));
    }
    if (added) reorder(object, set.order);
  };

  const descend = (value: unknown, set: RemovalSet, path: Path): void => {
    if (value === null || value === undefined) return; // nulled by an error, or not there
    if (Array.isArray(value)) value.forEach((item, index) => descend(item, set, [...path, index]));
    else if (typeof value === 'object') place(value as Record<string, unknown>, set, path);
  };

  place(data, rewrite.removals, []);
  // Last: an object reached twice (a field selected in two fragments) still needs its type.
  for (const object of visited) delete object[rewrite.helper];
  if (!errors.length) return result;
  return { ...result, errors: [...(result.errors ?? []), ...errors] };
}

/**
 * One error per removed path, and a list of 100 citizens with 5 denied fields has 500 of
 * them: GraphQLError's constructor (stack capture, property definitions, locations) costs
 * ~20 µs, more than the rest of the policy together. So each denied field gets one complete
 * GraphQLError, made once and without a stack (clients never see stacks), and each path an
 * object inheriting from it with its own `path`: still a GraphQLError to Apollo
 * (`instanceof`, `toJSON`), at ~1 µs.
 */
const templates = new WeakMap<DeniedField, GraphQLError>();

function errorAt(denied: DeniedField, path: Path): GraphQLError {
  let template = templates.get(denied);
  if (!template) {
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      template = new GraphQLError(`not authorized to read ${denied.coordinate}: it needs scope "${denied.scope}"`, {
        nodes: [denied.node],
        extensions: { code: UNAUTHORIZED_FIELD, scope: denied.scope },
      });
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
    templates.set(denied, template);
  }
  return Object.create(template, { path: { value: path, enumerable: true } }) as GraphQLError;
}

/**
 * Every removed field the request would have answered, as paths of response keys (no list
 * indices: this runs before anything is fetched). @skip/@include are evaluated with the
 * variables; type narrowing cannot be, so a field narrowed to some types is listed
 * (conservative). For reject mode, dry-run logs and mutation refusals.
 */
export function deniedPaths(rewrite: Changed, variables: Readonly<Record<string, unknown>> | undefined): DeniedPath[] {
  const found = new Map<string, DeniedPath>();
  const walk = (set: RemovalSet, path: string[]) => {
    for (const entry of set.entries) {
      if (!entry.conditions.every((c) => conditionHolds(c, variables, rewrite.defaults))) continue;
      const at = [...path, entry.responseKey];
      if (entry.below) walk(entry.below, at);
      else found.set(at.join('\u0000'), { path: at, scope: entry.denied!.scope });
    }
  };
  walk(rewrite.removals, []);
  return [...found.values()];
}

function conditionHolds(condition: Condition, variables: Readonly<Record<string, unknown>> | undefined, defaults: ReadonlyMap<string, unknown>): boolean {
  const value = typeof condition.value === 'boolean' ? condition.value : (variables?.[condition.value.variable] ?? defaults.get(condition.value.variable));
  return condition.include ? value === true : value !== true;
}

/** Rebuilds an object's keys in the client's order (JSON answers should follow the query's order). */
function reorder(object: Record<string, unknown>, order: readonly string[]): void {
  const copy = { ...object };
  for (const key of Object.keys(object)) delete object[key];
  for (const key of order) if (key in copy) object[key] = copy[key];
  for (const key of Object.keys(copy)) if (!(key in object)) object[key] = copy[key];
}
