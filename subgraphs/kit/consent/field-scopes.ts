import { Kind, type DocumentNode } from 'graphql';

/**
 * Every field's `@access` scope as the department's SDL declares it: type → field → scope,
 * object types and their extensions alike (the kit's credential and consent SDL extend
 * Mutation and Query). The same source the gateway classifies from, read from this
 * department's own schema, so a department never depends on the gateway to know its fields.
 */
export function fieldScopes(document: DocumentNode): Map<string, Map<string, string>> {
  const scopes = new Map<string, Map<string, string>>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    const fields = scopes.get(definition.name.value) ?? new Map<string, string>();
    for (const field of definition.fields ?? []) {
      const access = field.directives?.find((d) => d.name.value === 'access');
      const scope = access?.arguments?.find((a) => a.name.value === 'scope')?.value;
      if (scope?.kind === Kind.STRING) fields.set(field.name.value, scope.value);
    }
    scopes.set(definition.name.value, fields);
  }
  return scopes;
}

/** A data category (not "public" or "agency"): what a consent can name. */
export function isCategoryScope(scope: string): boolean {
  return scope !== 'public' && scope !== 'agency';
}

/** The data categories a department's schema classifies its fields with: the categories it holds. */
export function heldCategories(scopes: Map<string, Map<string, string>>): Set<string> {
  const held = new Set<string>();
  for (const fields of scopes.values()) for (const scope of fields.values()) if (isCategoryScope(scope)) held.add(scope);
  return held;
}
