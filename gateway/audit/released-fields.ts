import {
  getNamedType,
  getNullableType,
  isAbstractType,
  isListType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  valueFromAST,
  type GraphQLField,
  type GraphQLOutputType,
  isCompositeType,
} from 'graphql';

/** The entity whose fields are "about a citizen": its key is the citizen's DID. */
export const CITIZEN_TYPE = 'Citizen';

/**
 * What an answer released about each citizen: "Type.field" coordinates of every non-null
 * value inside a Citizen object (its own fields and everything reached through them), keyed by
 * the citizen's DID. The DID comes from the Citizen object's `did` in the answer or, when the
 * operation did not select it, from the `did` argument that fetched it (`citizen(did: …)`);
 * a Citizen reached neither way is counted under "unattributed", so a release is never lost
 * from the trail for want of a key.
 *
 * Walks the operation and the answer together with the schema: aliases, fragments and
 * @skip/@include are handled because the answer only holds what was executed, keyed by alias.
 */
export function releasedFields(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | undefined,
  data: unknown,
): Map<string, Set<string>> {
  const released = new Map<string, Set<string>>();
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && (!operationName || d.name?.value === operationName),
  );
  if (!operation || !data || typeof data !== 'object') return released;
  const fragments = new Map(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
  const root = schema.getRootType(operation.operation);
  if (!root) return released;

  const note = (citizen: string, coordinate: string) => {
    let fields = released.get(citizen);
    if (!fields) released.set(citizen, (fields = new Set()));
    fields.add(coordinate);
  };

  const visit = (selectionSet: SelectionSetNode, type: GraphQLCompositeType, value: Record<string, unknown>, citizen: string | undefined, seen: Set<string>): void => {
    // The concrete type of an abstract position is in the answer only if __typename was asked;
    // otherwise fields are looked up on the abstract type (interfaces list their fields).
    const typename = typeof value.__typename === 'string' ? value.__typename : undefined;
    const concrete = isAbstractType(type) && typename ? (schema.getType(typename) as GraphQLCompositeType | undefined) ?? type : type;
    if (concrete.name === CITIZEN_TYPE) {
      citizen = typeof value.did === 'string' ? value.did : citizen ?? 'unattributed';
    }
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) visitField(selection, concrete, value, citizen, seen);
      else if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet, narrowed(selection.typeCondition?.name.value) ?? concrete, value, citizen, seen);
      else {
        const fragment = fragments.get(selection.name.value);
        if (fragment && !seen.has(fragment.name.value)) {
          visit(fragment.selectionSet, narrowed(fragment.typeCondition.name.value) ?? concrete, value, citizen, new Set([...seen, fragment.name.value]));
        }
      }
    }
  };

  const narrowed = (name: string | undefined): GraphQLCompositeType | undefined => {
    const found = name ? schema.getType(name) : undefined;
    return found && isCompositeType(found) ? found : undefined;
  };

  const visitField = (node: FieldNode, parent: GraphQLCompositeType, value: Record<string, unknown>, citizen: string | undefined, seen: Set<string>) => {
    const key = node.alias?.value ?? node.name.value;
    if (!(key in value) || node.name.value === '__typename') return;
    const field = 'getFields' in parent ? (parent.getFields() as Record<string, GraphQLField<unknown, unknown>>)[node.name.value] : undefined;
    if (!field) return;
    const result = value[key];
    if (result === null || result === undefined) return;
    if (citizen !== undefined) note(citizen, `${parent.name}.${field.name}`);
    const named = getNamedType(field.type);
    if (!node.selectionSet || !isCompositeType(named)) return;
    // citizen(did: "…") names the citizen even when `did` is not selected.
    let argumentCitizen = citizen;
    if (named.name === CITIZEN_TYPE) {
      const didArgument = node.arguments?.find((a) => a.name.value === 'did');
      const argumentType = field.args.find((a) => a.name === 'did')?.type;
      if (didArgument && argumentType) {
        const did = valueFromAST(didArgument.value, argumentType, variables);
        if (typeof did === 'string') argumentCitizen = did;
      }
    }
    for (const item of flatten(result, field.type)) {
      if (item && typeof item === 'object') visit(node.selectionSet, named, item as Record<string, unknown>, argumentCitizen, seen);
    }
  };

  visit(operation.selectionSet, root, data as Record<string, unknown>, undefined, new Set());
  return released;
}

/** The objects of a (possibly nested) list value. */
function flatten(value: unknown, type: GraphQLOutputType): unknown[] {
  const nullable = getNullableType(type);
  if (isListType(nullable) && Array.isArray(value)) return value.flatMap((item) => flatten(item, nullable.ofType));
  return [value];
}
