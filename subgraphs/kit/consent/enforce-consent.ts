import { defaultFieldResolver, isObjectType, type GraphQLFieldResolver, type GraphQLSchema, type ResponsePath } from 'graphql';
import type { SubgraphContext } from '../department.ts';
import { isCategoryScope } from './field-scopes.ts';

/**
 * Which citizen an object of a type is about, per type name: the DID its owner column holds
 * (a degree's holder, an enrolment's student), carried on the object the resolvers build.
 * A type without an entry is not about one citizen (a court case, a budget, a payload): no
 * single citizen's consent can release its consent-bound fields.
 */
export type CitizenOf = Readonly<Record<string, (source: any) => string | null | undefined>>;

/**
 * Puts the consent check in front of every field whose scope is a data category (DESIGN.md
 * "Trust model", issue 6). When the request's gateway decision binds that category to consent
 * (context.consent), the field's own resolver runs only after the gate found a consent in force
 * for the object's citizen: otherwise the field is null with CONSENT_REQUIRED at its path, and
 * its resolver (the query that reads its data) never runs. Objects below a refused field are
 * never built, so they need no check of their own; the ones that are built are checked again
 * (one cached look-up per citizen and request), so no path around a check exists.
 *
 * The rule, and its limits:
 * - the citizen of an object is `citizenOf[type](object)`; Citizen is keyed by its DID, and each
 *   department names the owner of its record types, copying it from the parent where the row
 *   has no owner column of its own (an enrolment's status history carries the student's DID);
 * - a record about several people (a case, its evidence) or about none, a root query or
 *   mutation field, and a payload type have no citizen: their consent-bound fields are refused
 *   (reason NO_CITIZEN). A consent releases data about the citizen who signed it, reached
 *   through that citizen, never lists or searches across citizens, and never writes;
 * - fields in categories the agency reads by statute, public and agency fields are untouched,
 *   and so is everything when the request binds no category to consent (the fast path: one
 *   property read per field).
 *
 * Mutates `schema`'s field resolvers in place (before the server starts); returns how many
 * fields it guards.
 */
export function enforceConsent(schema: GraphQLSchema, scopes: Map<string, Map<string, string>>, citizenOf: CitizenOf): number {
  let guarded = 0;
  for (const [typeName, fields] of scopes) {
    const type = schema.getType(typeName);
    if (!isObjectType(type)) continue;
    const ownerOf = Object.hasOwn(citizenOf, typeName) ? citizenOf[typeName] : undefined;
    const definitions = type.getFields();
    for (const [fieldName, scope] of fields) {
      const field = definitions[fieldName];
      if (!field || !isCategoryScope(scope)) continue;
      const resolve: GraphQLFieldResolver<unknown, SubgraphContext> = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, context: SubgraphContext, info) => {
        const gate = context?.consent;
        if (!gate?.binds(scope)) return resolve(source, args, context, info);
        return gate.check(ownerOf ? ownerOf(source) : null, scope, rootKey(info.path)).then(() => resolve(source, args, context, info));
      };
      guarded++;
    }
  }
  return guarded;
}

/** The response key of the root field a value is under (`m0_citizen.degrees.0.title` → `m0_citizen`). */
function rootKey(path: ResponsePath): string | undefined {
  let node: ResponsePath = path;
  while (node.prev) node = node.prev;
  return typeof node.key === 'string' ? node.key : undefined;
}
