import { createHash } from 'node:crypto';
import {
  GraphQLBoolean,
  Kind,
  getNamedType,
  isAbstractType,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  print,
  valueFromAST,
  visit,
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import { GovshareError } from '../../platform/errors.ts';
import type { Classification } from '../access/classification.ts';

/**
 * Removes every field the caller may not read from the operation BEFORE it is planned, so a
 * denied field never reaches any department (DESIGN.md: "data the caller may not see is never
 * fetched, not fetched and then dropped"). The planner only sees the rewritten document: a
 * department none of whose fields survive gets no request at all.
 *
 * Pure: (schema, classification, allowed scopes, document) → rewritten document plus the
 * removal tree `restoreDenied` needs to answer `null` and an UNAUTHORIZED_FIELD error at each
 * removed response path. Cached by the caller per (query, operation name, scopes).
 *
 * How each construct is handled:
 * - aliases: a removal is recorded under its response key, so two aliases of one denied
 *   field give two nulls and two errors;
 * - fragments (named and inline): a field's verdict depends only on the type it is selected
 *   on and its name, never on where a fragment is spread, so each named fragment is filtered
 *   once and every spread shares the filtered copy; a fragment left empty is dropped with its
 *   spreads;
 * - abstract types: a field selected on an interface is denied when the interface's field
 *   or ANY implementation's field is denied (conservative: the runtime type is unknown when
 *   planning); a removal inside a fragment that narrows an abstract type applies only to
 *   objects of the narrowed types, told apart by a `__typename` the rewrite adds;
 * - `__typename` and introspection are always allowed;
 * - @skip/@include on the way to a removed field are kept with it and evaluated with the
 *   request's variables when the nulls are put back;
 * - an emptied selection set is filled with `__typename` under a private alias, dropped from
 *   the answer afterwards;
 * - mutations: a denied root field is reported in `deniedMutationFields` and the caller
 *   refuses the whole operation (a write cannot be answered with null: later root fields of a
 *   mutation run after it and may depend on it, so a partial write set is worse than none).
 */
export interface Condition {
  /** @include(if: …) when true, @skip(if: …) when false. */
  include: boolean;
  value: boolean | { variable: string };
}

export interface DeniedField {
  /** "Type.field" where the verdict was taken. */
  coordinate: string;
  /** The scope the caller lacks. */
  scope: string;
  /** The client's field node, for error locations. */
  node: FieldNode;
}

export interface RemovalEntry {
  responseKey: string;
  conditions: readonly Condition[];
  /** Only objects of these concrete types (set when a fragment narrows an abstract type). */
  types?: ReadonlySet<string>;
  /** A removed field: null and an error here. */
  denied?: DeniedField;
  /** A kept field with removals below it. */
  below?: RemovalSet;
}

export interface RemovalSet {
  entries: readonly RemovalEntry[];
  /** The private `__typename` was added to this selection set: read it, then delete it. */
  helper: boolean;
  /** The client's response keys in order, so the nulls land where the client asked for them. */
  order: readonly string[];
}

export type RewrittenOperation =
  | { changed: false }
  | {
      changed: true;
      document: DocumentNode;
      operation: OperationDefinitionNode;
      /** print(document): what the plan cache is keyed on. */
      source: string;
      queryHash: string;
      removals: RemovalSet;
      /** The alias of the added `__typename` selections. */
      helper: string;
      /** Defaults of the variables that @skip/@include conditions read. */
      defaults: ReadonlyMap<string, unknown>;
      /** Denied root fields of a mutation: the operation must be refused whole. */
      deniedMutationFields: readonly DeniedField[];
    };

export interface RewriteInput {
  schema: GraphQLSchema;
  classification: Classification;
  /** The decision: whether a scope may be read. */
  allowed: (scope: string) => boolean;
  document: DocumentNode;
  operationName?: string | null | undefined;
}

/** A scope that no decision grants: a field missing from the classification is denied (default deny). */
export const UNCLASSIFIED = 'unclassified';

/**
 * Removals one operation may record. Fragments spread under different @skip/@include
 * conditions multiply them (each copy keeps its own conditions); an honest operation records
 * tens, a fragment bomb millions: refused past this, before it costs memory.
 */
export const MAX_REMOVAL_ENTRIES = 2_000;

export class RewriteLimitError extends GovshareError {
  constructor() {
    super('POLICY_REWRITE_LIMIT', `the operation spreads its fragments into more than ${MAX_REMOVAL_ENTRIES} denied selections`);
  }
}

interface Filtered {
  selections: readonly SelectionNode[];
  entries: readonly RemovalEntry[];
  changed: boolean;
}

export function rewriteOperation(input: RewriteInput): RewrittenOperation {
  const { schema, document } = input;
  const operation = selectOperation(document, input.operationName);
  if (!operation) return { changed: false }; // nothing can run: the gateway answers the resolution error
  const rootType = schema.getRootType(operation.operation);
  if (!rootType) return { changed: false };

  const fragments = new Map(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]));
  const helper = privateAlias(document);
  const helperField: FieldNode = { kind: Kind.FIELD, alias: { kind: Kind.NAME, value: helper }, name: { kind: Kind.NAME, value: '__typename' } };
  const verdicts = new Map<string, { scope: string; coordinate: string } | null>();
  const budget = { entries: 0 };
  const filteredFragments = new Map<string, Filtered>();

  const deniedOn = (type: GraphQLCompositeType, field: string): { scope: string; coordinate: string } | null => {
    const cacheKey = `${type.name}.${field}`;
    let verdict = verdicts.get(cacheKey);
    if (verdict === undefined) {
      // Conservative on interfaces: every implementation's own classification must allow it too.
      const coordinates = [cacheKey, ...(isInterfaceType(type) ? schema.getPossibleTypes(type).map((t) => `${t.name}.${field}`) : [])];
      verdict = null;
      for (const coordinate of coordinates) {
        const scope = input.classification.get(coordinate);
        if (scope === undefined || !input.allowed(scope)) {
          verdict = { scope: scope ?? UNCLASSIFIED, coordinate };
          break;
        }
      }
      verdicts.set(cacheKey, verdict);
    }
    return verdict;
  };

  const filterSet = (type: GraphQLCompositeType, set: SelectionSetNode): Filtered => {
    const selections: SelectionNode[] = [];
    const entries: RemovalEntry[] = [];
    const seen = new Set<RemovalEntry>();
    let changed = false;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        const responseKey = selection.alias?.value ?? name;
        // __typename, and introspection (schema description, not data; off outside development).
        if (name.startsWith('__') || type.name.startsWith('__')) {
          selections.push(selection);
          continue;
        }
        const conditions = conditionsOf(selection.directives);
        const denied = deniedOn(type, name);
        if (denied) {
          entries.push({ responseKey, conditions, denied: { ...denied, node: selection } });
          if (++budget.entries > MAX_REMOVAL_ENTRIES) throw new RewriteLimitError();
          changed = true;
          continue;
        }
        const fieldType = isObjectType(type) || isInterfaceType(type) ? type.getFields()[name]?.type : undefined;
        const namedType = fieldType && getNamedType(fieldType);
        if (!selection.selectionSet || !namedType || !isCompositeType(namedType)) {
          selections.push(selection);
          continue;
        }
        const below = filterSet(namedType, selection.selectionSet);
        if (!below.changed) {
          selections.push(selection);
          continue;
        }
        changed = true;
        // Filler for an emptied set; runtime type for removals narrowed to some concrete types.
        const needsHelper = below.selections.length === 0 || below.entries.some((e) => e.types);
        selections.push({ ...selection, selectionSet: { ...selection.selectionSet, selections: needsHelper ? [...below.selections, helperField] : below.selections } });
        if (below.entries.length || needsHelper) {
          entries.push({ responseKey, conditions, below: { entries: below.entries, helper: needsHelper, order: responseKeys(selection.selectionSet, fragments) } });
        }
      } else {
        const isSpread = selection.kind === Kind.FRAGMENT_SPREAD;
        const fragment = isSpread ? fragments.get(selection.name.value) : undefined;
        if (isSpread && !fragment) throw new Error(`unknown fragment ${selection.name.value} in a validated document`);
        const typeCondition = isSpread ? fragment!.typeCondition : selection.typeCondition;
        const conditionType = typeCondition ? schema.getType(typeCondition.name.value) : type;
        if (!conditionType || !isCompositeType(conditionType)) throw new Error(`fragment on unknown type ${typeCondition?.name.value}`);
        let inner: Filtered;
        if (isSpread) {
          inner = filteredFragments.get(fragment!.name.value) ?? filterSet(conditionType, fragment!.selectionSet);
          filteredFragments.set(fragment!.name.value, inner);
        } else {
          inner = filterSet(conditionType, selection.selectionSet);
        }
        const narrowed = narrowTo(schema, type, conditionType);
        const conditions = conditionsOf(selection.directives);
        for (const entry of inner.entries) {
          // The same fragment reached twice (a "diamond" of spreads) yields the same entry
          // objects: keep one, so entries grow with the document, not exponentially with it.
          const hoisted = hoist(entry, conditions, narrowed);
          if (hoisted === entry && seen.has(entry)) continue;
          seen.add(hoisted);
          entries.push(hoisted);
          if (++budget.entries > MAX_REMOVAL_ENTRIES) throw new RewriteLimitError();
        }
        if (!inner.changed) selections.push(selection);
        else {
          changed = true;
          if (inner.selections.length === 0) continue; // the whole fragment is denied: drop it here
          // A spread keeps pointing at its fragment, whose definition is replaced below.
          selections.push(isSpread ? selection : { ...selection, selectionSet: { ...selection.selectionSet, selections: inner.selections } });
        }
      }
    }
    return { selections, entries, changed };
  };

  const root = filterSet(rootType, operation.selectionSet);
  if (!root.changed) return { changed: false };

  const rootSelections = root.selections.length ? root.selections : [helperField];
  const withoutVariables: OperationDefinitionNode = { ...operation, variableDefinitions: [], selectionSet: { ...operation.selectionSet, selections: rootSelections } };
  const used = usedFragments(withoutVariables.selectionSet, (name) => filteredFragments.get(name)?.selections ?? fragments.get(name)!.selectionSet.selections);
  const keptFragments = [...fragments.values()]
    .filter((f) => used.has(f.name.value))
    .map((f) => {
      const filtered = filteredFragments.get(f.name.value);
      return filtered?.changed ? { ...f, selectionSet: { ...f.selectionSet, selections: filtered.selections } } : f;
    });
  // A variable only removed fields used must go too: a document with an unused variable is invalid.
  const variables = new Set<string>();
  for (const node of [withoutVariables, ...keptFragments]) visit(node, { Variable: (v) => void variables.add(v.name.value) });
  const rewritten: OperationDefinitionNode = { ...withoutVariables, variableDefinitions: (operation.variableDefinitions ?? []).filter((d) => variables.has(d.variable.name.value)) };
  const rewrittenDocument: DocumentNode = { kind: Kind.DOCUMENT, definitions: [rewritten, ...keptFragments] };
  const source = print(rewrittenDocument);
  const isMutation = operation.operation === 'mutation';
  return {
    changed: true,
    document: rewrittenDocument,
    operation: rewritten,
    source,
    // The plan cache is keyed on this: the rewritten text, never the client's (DESIGN.md).
    queryHash: createHash('sha256').update(source).digest('hex'),
    removals: { entries: root.entries, helper: root.selections.length === 0, order: responseKeys(operation.selectionSet, fragments) },
    helper,
    defaults: conditionDefaults(operation),
    deniedMutationFields: isMutation ? root.entries.filter((e) => e.denied).map((e) => e.denied!) : [],
  };
}

function selectOperation(document: DocumentNode, name: string | null | undefined): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (name) return operations.find((o) => o.name?.value === name);
  return operations.length === 1 ? operations[0] : undefined;
}

function conditionsOf(directives: readonly DirectiveNode[] | undefined): Condition[] {
  const found: Condition[] = [];
  for (const directive of directives ?? []) {
    const name = directive.name.value;
    if (name !== 'skip' && name !== 'include') continue;
    const argument = directive.arguments?.find((a) => a.name.value === 'if')?.value;
    if (argument?.kind === Kind.BOOLEAN) found.push({ include: name === 'include', value: argument.value });
    else if (argument?.kind === Kind.VARIABLE) found.push({ include: name === 'include', value: { variable: argument.name.value } });
  }
  return found;
}

/** An entry seen through a fragment: the fragment's own conditions and type narrowing apply too. */
function hoist(entry: RemovalEntry, conditions: readonly Condition[], narrowed: ReadonlySet<string> | undefined): RemovalEntry {
  if (!conditions.length && !narrowed) return entry;
  const types = narrowed && entry.types ? new Set([...entry.types].filter((t) => narrowed.has(t))) : (narrowed ?? entry.types);
  return { ...entry, conditions: [...conditions, ...entry.conditions], ...(types && { types }) };
}

/**
 * The concrete types a fragment on `condition` applies to inside a selection on `parent`, or
 * undefined when it applies to every object there (always so when `parent` is an object type:
 * validation only lets a fragment be spread where it can apply).
 */
function narrowTo(schema: GraphQLSchema, parent: GraphQLCompositeType, condition: GraphQLCompositeType): ReadonlySet<string> | undefined {
  if (!isAbstractType(parent)) return undefined;
  const covered = new Set((isAbstractType(condition) ? schema.getPossibleTypes(condition) : [condition]).map((t) => t.name));
  const possible = schema.getPossibleTypes(parent).map((t) => t.name);
  return possible.every((t) => covered.has(t)) ? undefined : new Set(possible.filter((t) => covered.has(t)));
}

/**
 * The response keys of a selection set in the client's order, through its fragments. Each
 * fragment is walked once: a second spread of it adds no key, and a diamond of spreads
 * would otherwise cost exponential time.
 */
function responseKeys(set: SelectionSetNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>): string[] {
  const keys = new Set<string>();
  const walked = new Set<string>();
  const walk = (s: SelectionSetNode) => {
    for (const selection of s.selections) {
      if (selection.kind === Kind.FIELD) keys.add(selection.alias?.value ?? selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet);
      else if (!walked.has(selection.name.value)) {
        walked.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) walk(fragment.selectionSet);
      }
    }
  };
  walk(set);
  return [...keys];
}

function usedFragments(set: SelectionSetNode, selectionsOf: (name: string) => readonly SelectionNode[]): Set<string> {
  const used = new Set<string>();
  const walk = (selections: readonly SelectionNode[]) => {
    for (const selection of selections) {
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        if (used.has(selection.name.value)) continue;
        used.add(selection.name.value);
        walk(selectionsOf(selection.name.value));
      } else if (selection.selectionSet) walk(selection.selectionSet.selections);
    }
  };
  walk(set.selections);
  return used;
}

function conditionDefaults(operation: OperationDefinitionNode): Map<string, unknown> {
  const defaults = new Map<string, unknown>();
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue) defaults.set(definition.variable.name.value, valueFromAST(definition.defaultValue, GraphQLBoolean));
  }
  return defaults;
}

/** An alias no name in the client's document uses, so the added `__typename` cannot collide. */
function privateAlias(document: DocumentNode): string {
  const names = new Set<string>();
  visit(document, { Name: (node) => void names.add(node.value) });
  let alias = 'gs_policy';
  for (let n = 1; names.has(alias); n++) alias = `gs_policy${n}`;
  return alias;
}
