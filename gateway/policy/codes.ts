import { GraphQLError } from 'graphql';

/**
 * The policy's stable error codes (clients branch on these; maskError lets them through).
 *
 * - UNAUTHORIZED_FIELD: one field the caller may not read; its value is null, the error sits at
 *   its response path with `extensions.scope` naming the scope the caller lacks.
 * - FORBIDDEN_FIELDS: the whole operation is refused before planning (HTTP 403), with
 *   `extensions.denied` listing every denied field as `{ path, scope }` and `reason`:
 *   DENIED_MUTATION (a mutation root field the caller may not call) or DENIED_FIELDS (reject
 *   mode: any denied field refuses the operation).
 */
export const UNAUTHORIZED_FIELD = 'UNAUTHORIZED_FIELD';
export const FORBIDDEN_FIELDS = 'FORBIDDEN_FIELDS';

export type RefusalReason = 'DENIED_MUTATION' | 'DENIED_FIELDS';

export interface DeniedPath {
  /** Response keys from the root (aliases as the client wrote them; no list indices). */
  path: string[];
  scope: string;
}

export function forbiddenFields(reason: RefusalReason, denied: readonly DeniedPath[]): GraphQLError {
  const what = reason === 'DENIED_MUTATION' ? 'this caller may not call' : 'this caller may not read';
  const list = denied.map((d) => `${d.path.join('.')} (${d.scope})`).join(', ');
  return new GraphQLError(`the operation was refused: it asks for fields ${what}: ${list}`, {
    extensions: { code: FORBIDDEN_FIELDS, reason, denied, http: { status: 403 } },
  });
}
