import { Supergraph } from '@apollo/federation-internals';
import { ConfigError } from '../../platform/errors.ts';
import { isScope, type Scope } from './categories.ts';

export const ACCESS_SPEC = 'https://govshare.dev/access';

/** Every field's scope, keyed "Type.field", read from the supergraph. */
export type Classification = ReadonlyMap<string, Scope>;

/**
 * Reads the `@access` classification of every object and interface field of
 * the supergraph (DESIGN.md: the custom directive survives composition via
 * @composeDirective and is read with federation-internals). Refuses to go on
 * when a field has none, or a scope is unknown: default deny starts here, at
 * composition, not at request time.
 */
export function readClassification(supergraphSdl: string): Classification {
  const { schema } = Supergraph.build(supergraphSdl);
  const feature = schema.coreFeatures?.getByIdentity(ACCESS_SPEC);
  const directive = feature?.directiveNameInSchema('access');
  if (!directive) throw new ConfigError('the supergraph has no @access classification: every department must link the govshare access spec');
  const scopes = new Map<string, Scope>();
  const missing: string[] = [];
  const unknown: string[] = [];
  const notNullable: string[] = [];
  const mutation = schema.schemaDefinition.rootType('mutation')?.name;
  for (const type of [...schema.objectTypes(), ...schema.interfaceTypes()]) {
    if (type.name.startsWith('join__') || type.name.startsWith('link__')) continue;
    for (const field of type.fields()) {
      const coordinate = `${type.name}.${field.name}`;
      const applied = field.appliedDirectivesOf(directive);
      const scope = applied[0]?.arguments().scope as unknown;
      if (applied.length === 0) missing.push(coordinate);
      else if (typeof scope !== 'string' || !isScope(scope) || applied.length > 1) unknown.push(`${coordinate} (${applied.map((a) => JSON.stringify(a.arguments().scope)).join(', ')})`);
      else {
        scopes.set(coordinate, scope);
        // The policy layer answers a denied field with null (and an error at its path): a non-null
        // restricted field would null its parent instead. A mutation is refused whole, so its root
        // fields are exempt.
        if (scope !== 'public' && field.type?.kind === 'NonNullType' && type.name !== mutation) notNullable.push(`${coordinate} (${scope})`);
      }
    }
  }
  const problems = [
    ...(missing.length ? [`fields without @access (default deny refuses to guess): ${missing.join(', ')}`] : []),
    ...(unknown.length ? [`fields with an unknown or repeated scope: ${unknown.join(', ')}`] : []),
    ...(notNullable.length ? [`restricted fields must be nullable: ${notNullable.join(', ')}`] : []),
  ];
  if (problems.length) throw new ConfigError(`the supergraph is not fully classified:\n  - ${problems.join('\n  - ')}`);
  return scopes;
}
