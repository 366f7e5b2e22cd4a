import { GraphQLError, Kind, type ASTVisitor, type FragmentDefinitionNode, type SelectionSetNode, type ValidationContext, type ValidationRule } from 'graphql';

/**
 * Limits on the shape of an operation, checked as GraphQL validation rules
 * before anything is planned or fetched, so a hostile document costs one
 * parse and one walk. Each refusal is GRAPHQL_VALIDATION_FAILED with a stable
 * `reason` (DEPTH_LIMIT, ALIAS_LIMIT, ROOT_FIELD_LIMIT, DIRECTIVE_LIMIT).
 * Tokens are bounded by the parser itself (`parseOptions.maxTokens`).
 */
export interface OperationLimits {
  maxDepth: number;
  maxAliases: number;
  maxRootFields: number;
  maxDirectives: number;
  maxTokens: number;
}

export const DEFAULT_LIMITS: OperationLimits = { maxDepth: 12, maxAliases: 30, maxRootFields: 10, maxDirectives: 20, maxTokens: 4_000 };

export function limitRules(limits: OperationLimits = DEFAULT_LIMITS): ValidationRule[] {
  return [depthRule(limits.maxDepth), aliasRule(limits.maxAliases), rootFieldRule(limits.maxRootFields), directiveRule(limits.maxDirectives)];
}

function refuse(context: ValidationContext, reason: string, message: string): void {
  context.reportError(new GraphQLError(message, { extensions: { reason } }));
}

function fragmentsOf(context: ValidationContext): Map<string, FragmentDefinitionNode> {
  return new Map(context.getDocument().definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]));
}

/** Deepest field nesting, through fragments (each fragment followed once per path, so cycles end). */
function depthRule(max: number): ValidationRule {
  return (context) => {
    const fragments = fragmentsOf(context);
    const depthOf = (set: SelectionSetNode, seen: ReadonlySet<string>): number => {
      let deepest = 0;
      for (const selection of set.selections) {
        if (selection.kind === Kind.FIELD) deepest = Math.max(deepest, 1 + (selection.selectionSet ? depthOf(selection.selectionSet, seen) : 0));
        else if (selection.kind === Kind.INLINE_FRAGMENT) deepest = Math.max(deepest, depthOf(selection.selectionSet, seen));
        else if (!seen.has(selection.name.value)) {
          const fragment = fragments.get(selection.name.value);
          if (fragment) deepest = Math.max(deepest, depthOf(fragment.selectionSet, new Set([...seen, selection.name.value])));
        }
        if (deepest > max) return deepest; // no need to walk further
      }
      return deepest;
    };
    return {
      OperationDefinition(node) {
        const depth = depthOf(node.selectionSet, new Set());
        if (depth > max) refuse(context, 'DEPTH_LIMIT', `the operation nests fields ${depth} deep; at most ${max} are allowed`);
      },
    } satisfies ASTVisitor;
  };
}

function aliasRule(max: number): ValidationRule {
  return (context) => {
    let aliases = 0;
    return {
      Field(node) {
        if (node.alias && ++aliases === max + 1) refuse(context, 'ALIAS_LIMIT', `the document uses more than ${max} aliases`);
      },
    };
  };
}

/** Root fields per operation, counting those reached through fragments on the root type. */
function rootFieldRule(max: number): ValidationRule {
  return (context) => {
    const fragments = fragmentsOf(context);
    const count = (set: SelectionSetNode, seen: ReadonlySet<string>): number =>
      set.selections.reduce((n, selection) => {
        if (selection.kind === Kind.FIELD) return n + (selection.name.value === '__typename' ? 0 : 1);
        if (selection.kind === Kind.INLINE_FRAGMENT) return n + count(selection.selectionSet, seen);
        const fragment = fragments.get(selection.name.value);
        return fragment && !seen.has(fragment.name.value) ? n + count(fragment.selectionSet, new Set([...seen, fragment.name.value])) : n;
      }, 0);
    return {
      OperationDefinition(node) {
        const fields = count(node.selectionSet, new Set());
        if (fields > max) refuse(context, 'ROOT_FIELD_LIMIT', `the operation asks ${fields} root fields; at most ${max} are allowed`);
      },
    };
  };
}

function directiveRule(max: number): ValidationRule {
  return (context) => {
    let directives = 0;
    return {
      Directive() {
        if (++directives === max + 1) refuse(context, 'DIRECTIVE_LIMIT', `the document uses more than ${max} directives`);
      },
    };
  };
}
