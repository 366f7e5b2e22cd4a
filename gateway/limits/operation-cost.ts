import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isCompositeType,
  isListType,
  Kind,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type SelectionSetNode,
  type ValidationRule,
  type ValueNode,
} from 'graphql';

/**
 * An estimate of what an operation costs before anything is fetched: every field costs 1,
 * times how many times it can occur, which is the product of the list sizes above it. A
 * field's list size is its `first` (or `last`, `limit`) argument when given as a literal, the
 * argument's maximum when given by a variable (variables are not known at validation, and the
 * caller could send the maximum), the department's default page size when absent on a paged
 * field, and an assumed size for plain lists (e.g. a citizen's enrolments). Refused over the
 * limit with reason COST_LIMIT.
 *
 * The walk follows the AST through fragments, whatever the operation and fragments are called:
 * naming an operation or a fragment `__schema` (which some cost tools skip as introspection)
 * changes nothing here.
 */
export interface CostLimits {
  maxCost: number;
  /** Size assumed for a paged field without `first` (the departments' default page). */
  defaultPage: number;
  /** The largest `first` a department accepts: the size assumed for a variable. */
  maxPage: number;
  /** Size assumed for a list field without paging arguments. */
  assumedList: number;
}

export const DEFAULT_COST_LIMITS: CostLimits = { maxCost: 5_000, defaultPage: 20, maxPage: 100, assumedList: 10 };

const SIZE_ARGUMENTS = ['first', 'last', 'limit'];

export function costRule(limits: CostLimits = DEFAULT_COST_LIMITS): ValidationRule {
  return (context) => {
    const schema = context.getSchema();
    const fragments = new Map(
      context.getDocument().definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]),
    );

    /** The page size a field asks for, or undefined when it takes no paging argument. */
    const pageOf = (field: GraphQLField<unknown, unknown>, args: readonly { name: { value: string }; value: ValueNode }[] | undefined): number | undefined => {
      const given = args?.find((a) => SIZE_ARGUMENTS.includes(a.name.value));
      if (given) {
        if (given.value.kind === Kind.INT) return Math.max(0, Number(given.value.value));
        return limits.maxPage; // a variable (or anything not a literal): the worst case the department accepts
      }
      return field.args.some((a) => SIZE_ARGUMENTS.includes(a.name)) ? limits.defaultPage : undefined;
    };

    // `page`: the size a paged field (a Relay connection) asked for, applied to the first list
    // below it (its edges or nodes) instead of the assumed list size.
    // Returns early once over the limit: a hostile document costs one partial walk.
    const costOf = (set: SelectionSetNode, type: GraphQLCompositeType | undefined, multiplier: number, seen: ReadonlySet<string>, page: number | undefined): number => {
      let total = 0;
      for (const selection of set.selections) {
        if (selection.kind === Kind.FIELD) {
          if (selection.name.value === '__typename') continue;
          const field = type && 'getFields' in type ? type.getFields()[selection.name.value] : undefined;
          total += multiplier;
          if (selection.selectionSet) {
            const isList = field ? isListType(getNullableType(field.type)) : false;
            const asked = field ? pageOf(field, selection.arguments) : undefined;
            const size = isList ? (asked ?? page ?? limits.assumedList) : 1;
            // A paged field that is not itself a list hands its page to the list below it.
            const nextPage = isList ? undefined : (asked ?? page);
            const named = field ? getNamedType(field.type) : undefined;
            total += costOf(selection.selectionSet, named && isCompositeType(named) ? named : undefined, multiplier * Math.max(size, 1), seen, nextPage);
          }
        } else {
          const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments.get(selection.name.value);
          if (!fragment || (selection.kind === Kind.FRAGMENT_SPREAD && seen.has(selection.name.value))) continue;
          const condition = fragment.typeCondition ? schema.getType(fragment.typeCondition.name.value) : type;
          const next = selection.kind === Kind.FRAGMENT_SPREAD ? new Set([...seen, selection.name.value]) : seen;
          total += costOf(fragment.selectionSet, condition && isCompositeType(condition) ? condition : type, multiplier, next, page);
        }
        if (total > limits.maxCost) return total;
      }
      return total;
    };

    return {
      OperationDefinition(node) {
        const root = schema.getRootType(node.operation) ?? undefined;
        const cost = costOf(node.selectionSet, root, 1, new Set(), undefined);
        if (cost > limits.maxCost) {
          context.reportError(
            new GraphQLError(`the operation's estimated cost exceeds ${limits.maxCost} (list sizes from first/last/limit; ask for smaller pages)`, {
              extensions: { reason: 'COST_LIMIT', maxCost: limits.maxCost },
            }),
          );
        }
      },
    };
  };
}
