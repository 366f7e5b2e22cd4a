import { buildSchema, execute, parse, print, validate, type ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { Classification } from '../../gateway/access/classification.ts';
import type { Scope } from '../../gateway/access/categories.ts';
import { deniedPaths, restoreDenied } from '../../gateway/policy/restore-denied.ts';
import { RewriteLimitError, rewriteOperation, type RewrittenOperation } from '../../gateway/policy/rewrite-operation.ts';

/**
 * The rewrite on a fixed schema with interfaces and unions (the departments have none yet):
 * each construct, checked by running both the client's and the rewritten document with
 * graphql-js. Allowed data must come out identical, each denied path null with one
 * UNAUTHORIZED_FIELD error, and the rewritten document must be valid and contain no denied field.
 */
const schema = buildSchema(`
  type Query {
    me: Person
    person(id: ID!): Person
    people: [Person]
    node(id: ID!): Node
    search: [SearchResult]
    secret: String
    unclassified: String
  }
  type Mutation {
    open(note: String): Payload!
    restricted: Payload!
  }
  type Payload { person: Person, note: String }
  interface Node { id: ID!, label: String }
  type Person implements Node { id: ID!, label: String, name: String, degrees: [Degree], friends: [Person] }
  type Company implements Node { id: ID!, label: String, revenue: Int }
  type Degree { title: String, year: Int }
  union SearchResult = Person | Company
`);

const classification: Classification = new Map<string, Scope>(
  Object.entries({
    'Query.me': 'public',
    'Query.person': 'public',
    'Query.people': 'agency',
    'Query.node': 'public',
    'Query.search': 'public',
    'Query.secret': 'justice.case',
    'Mutation.open': 'agency',
    'Mutation.restricted': 'justice.case',
    'Payload.person': 'public',
    'Payload.note': 'justice.case',
    'Node.id': 'public',
    'Node.label': 'public',
    'Person.id': 'public',
    'Person.label': 'public',
    'Person.name': 'finance.identity',
    'Person.degrees': 'education.degree',
    'Person.friends': 'public',
    // Company's label is restricted while the interface's is public: selected on Node it is denied.
    'Company.id': 'public',
    'Company.label': 'finance.tax',
    'Company.revenue': 'finance.tax',
    'Degree.title': 'public',
    'Degree.year': 'public',
  }) as [string, Scope][],
);

const ann = { __typename: 'Person', id: 'p1', label: 'Ann', name: 'Ann Lee', degrees: [{ title: 'BSc', year: 2020 }] };
const bob = { __typename: 'Person', id: 'p2', label: 'Bob', name: 'Bob Ng', degrees: [] as unknown[], friends: [ann] };
Object.assign(ann, { friends: [bob] });
const acme = { __typename: 'Company', id: 'c1', label: 'Acme', revenue: 5 };
const byId: Record<string, unknown> = { p1: ann, p2: bob, c1: acme };
const root = {
  me: ann,
  person: ({ id }: { id: string }) => byId[id],
  people: [ann, bob],
  node: ({ id }: { id: string }) => byId[id],
  search: [ann, acme],
  secret: 's',
  unclassified: 'u',
  open: () => ({ person: ann, note: 'n' }),
  restricted: () => ({ person: ann, note: 'n' }),
};

function rewrite(query: string, scopes: string[], operationName?: string): RewrittenOperation {
  const allowed = new Set(['public', ...scopes]);
  return rewriteOperation({ schema, classification, allowed: (s) => allowed.has(s), document: parse(query), operationName });
}

/** Runs the client's document and the rewritten one; returns both answers. */
async function run(query: string, scopes: string[], variables?: Record<string, unknown>, operationName?: string) {
  const document = parse(query);
  const original = (await execute({ schema, document, rootValue: root, variableValues: variables, operationName })) as ExecutionResult<Record<string, unknown>>;
  const rewritten = rewrite(query, scopes, operationName);
  if (!rewritten.changed) return { original, filtered: original, rewritten, errors: [] as { path: unknown; code: unknown; scope: unknown }[] };
  expect(validate(schema, rewritten.document)).toEqual([]);
  const raw = (await execute({ schema, document: rewritten.document, rootValue: root, variableValues: variables, operationName })) as ExecutionResult<Record<string, unknown>>;
  expect(raw.errors).toBeUndefined();
  const filtered = restoreDenied(raw, rewritten, variables);
  const errors = (filtered.errors ?? []).map((e) => ({ path: e.path, code: e.extensions.code, scope: e.extensions.scope }));
  return { original, filtered, rewritten, errors };
}

/** The original answer with null at each of these paths. */
function nulled(data: unknown, paths: (string | number)[][]): unknown {
  const copy = structuredClone(data) as Record<string | number, any>;
  for (const path of paths) {
    let at = copy;
    for (const key of path.slice(0, -1)) at = at[key];
    at[path.at(-1)!] = null;
  }
  return copy;
}

function textOf(rewritten: RewrittenOperation): string {
  if (!rewritten.changed) throw new Error('expected a rewrite');
  return print(rewritten.document);
}

const unauthorized = (path: (string | number)[], scope: string) => ({ path, code: 'UNAUTHORIZED_FIELD', scope });

describe('rewriting an operation before planning', () => {
  it('leaves an operation with nothing denied alone', () => {
    expect(rewrite('{ me { id name degrees { title } } }', ['finance.identity', 'education.degree']).changed).toBe(false);
  });

  it('removes denied fields, answers null with an error at each path, in the client\'s key order', async () => {
    const { original, filtered, rewritten, errors } = await run('{ me { name id degrees { title } label } }', []);
    expect(textOf(rewritten)).not.toMatch(/\bname\b|degrees/);
    expect(filtered.data).toEqual(nulled(original.data, [['me', 'name'], ['me', 'degrees']]));
    expect(Object.keys((filtered.data as any).me)).toEqual(['name', 'id', 'degrees', 'label']);
    expect(errors).toEqual([unauthorized(['me', 'name'], 'finance.identity'), unauthorized(['me', 'degrees'], 'education.degree')]);
    expect(filtered.errors![0]!.locations).toEqual([{ line: 1, column: 8 }]);
  });

  it('gives two aliases of one denied field two nulls and two errors', async () => {
    const { original, filtered, errors } = await run('{ me { a: name id b: name } }', []);
    expect(filtered.data).toEqual(nulled(original.data, [['me', 'a'], ['me', 'b']]));
    expect(errors).toEqual([unauthorized(['me', 'a'], 'finance.identity'), unauthorized(['me', 'b'], 'finance.identity')]);
  });

  it('filters a named fragment once for every place it is spread, lists included', async () => {
    const query = `
      query Q { me { ...P } person(id: "p2") { ...P friends { ...P } } }
      fragment P on Person { id name }
    `;
    const { original, filtered, rewritten, errors } = await run(query, []);
    expect(filtered.data).toEqual(nulled(original.data, [['me', 'name'], ['person', 'name'], ['person', 'friends', 0, 'name']]));
    expect(errors.map((e) => e.path)).toEqual([['me', 'name'], ['person', 'name'], ['person', 'friends', 0, 'name']]);
    const text = textOf(rewritten);
    expect(text).toMatch(/fragment P on Person \{\s+id\s+\}/);
  });

  it('drops a fragment left empty, fills the emptied selection with __typename and keeps it out of the answer', async () => {
    const query = '{ me { ...S } } fragment S on Person { name degrees { title } }';
    const { filtered, rewritten, errors } = await run(query, []);
    const text = textOf(rewritten);
    expect(text).not.toMatch(/fragment S|\bname\b|degrees/);
    expect(text).toMatch(/gs_policy: __typename/);
    expect(filtered.data).toEqual({ me: { name: null, degrees: null } });
    expect(errors).toHaveLength(2);
  });

  it('fills an emptied root selection too', async () => {
    const { filtered, errors } = await run('{ people { id } secret }', []);
    expect(filtered.data).toEqual({ people: null, secret: null });
    expect(errors).toEqual([unauthorized(['people'], 'agency'), unauthorized(['secret'], 'justice.case')]);
  });

  it('denies an interface field when any implementation denies it, and narrows fragments to their types', async () => {
    const query = 'query($id: ID!) { node(id: $id) { id label ... on Company { revenue } ... on Person { name } } }';
    const company = await run(query, [], { id: 'c1' });
    expect(company.filtered.data).toEqual(nulled(company.original.data, [['node', 'label'], ['node', 'revenue']]));
    expect(company.errors).toEqual([unauthorized(['node', 'label'], 'finance.tax'), unauthorized(['node', 'revenue'], 'finance.tax')]);
    const person = await run(query, [], { id: 'p1' });
    expect(person.filtered.data).toEqual(nulled(person.original.data, [['node', 'label'], ['node', 'name']]));
    expect(person.errors.map((e) => e.path)).toEqual([['node', 'label'], ['node', 'name']]);
    expect(Object.keys((person.filtered.data as any).node)).toEqual(['id', 'label', 'name']);
    // With finance.tax the interface field is allowed; only name is still denied.
    const withTax = await run(query, ['finance.tax'], { id: 'p1' });
    expect(withTax.errors.map((e) => e.path)).toEqual([['node', 'name']]);
  });

  it('applies a union member\'s removals only to objects of that member', async () => {
    const query = '{ search { __typename ... on Person { id name } ... on Company { id revenue } } }';
    const { original, filtered, errors } = await run(query, ['finance.identity']);
    expect(filtered.data).toEqual(nulled(original.data, [['search', 1, 'revenue']]));
    expect(errors).toEqual([unauthorized(['search', 1, 'revenue'], 'finance.tax')]);
    expect(Object.keys((filtered.data as any).search[1])).toEqual(['__typename', 'id', 'revenue']);
  });

  it('keeps __typename and introspection allowed', async () => {
    const { filtered, errors } = await run('{ __typename me { __typename name } }', []);
    expect(filtered.data).toEqual({ __typename: 'Query', me: { __typename: 'Person', name: null } });
    expect(errors).toHaveLength(1);
    expect(rewrite('{ __schema { queryType { name } } }', []).changed).toBe(false);
  });

  it('respects @skip and @include, with variables and their defaults', async () => {
    const query = 'query($skip: Boolean!, $with: Boolean = false) { me { id name @skip(if: $skip) degrees @include(if: $with) { title } ... on Person @include(if: $with) { label name } } }';
    const skipped = await run(query, [], { skip: true });
    expect(skipped.filtered.data).toEqual(skipped.original.data);
    expect(skipped.errors).toEqual([]);
    const asked = await run(query, [], { skip: false, with: true });
    expect(asked.filtered.data).toEqual(nulled(asked.original.data, [['me', 'name'], ['me', 'degrees']]));
    expect(asked.errors.map((e) => e.path)).toEqual([['me', 'name'], ['me', 'degrees']]); // `name` twice: one error
  });

  it('keeps allowed data below a denied sibling and through nested lists', async () => {
    const { original, filtered, errors } = await run('{ person(id: "p2") { friends { id friends { id name } } } }', []);
    expect(filtered.data).toEqual(nulled(original.data, [['person', 'friends', 0, 'friends', 0, 'name']]));
    expect(errors).toHaveLength(1);
  });

  it('reports a denied mutation root field (the operation is refused whole) and filters an allowed one', () => {
    const denied = rewrite('mutation { open { note } restricted { person { id } } }', ['agency']);
    expect(denied.changed && denied.deniedMutationFields.map((f) => [f.coordinate, f.scope])).toEqual([['Mutation.restricted', 'justice.case']]);
    const allowed = rewrite('mutation { open { person { id name } note } }', ['agency']);
    expect(allowed.changed && allowed.deniedMutationFields).toEqual([]);
    expect(allowed.changed && deniedPaths(allowed, undefined)).toEqual([
      { path: ['open', 'person', 'name'], scope: 'finance.identity' },
      { path: ['open', 'note'], scope: 'justice.case' },
    ]);
  });

  it('keeps only the chosen operation and the fragments it still uses', () => {
    const query = `
      query A { me { ...P } }
      query B { person(id: "p1") { ...N } }
      fragment P on Person { id }
      fragment N on Person { name }
    `;
    const result = rewrite(query, [], 'B');
    expect(result.changed).toBe(true);
    if (!result.changed) return;
    expect(result.document.definitions).toHaveLength(1);
    expect(validate(schema, result.document)).toEqual([]);
    expect(rewrite(query, [], 'A').changed).toBe(false);
  });

  it('denies a field missing from the classification (default deny)', async () => {
    const { errors } = await run('{ unclassified me { id } }', ['agency', 'justice.case']);
    expect(errors).toEqual([unauthorized(['unclassified'], 'unclassified')]);
  });

  it('picks a private alias the client does not use', () => {
    const result = rewrite('{ gs_policy: me { name } }', []);
    expect(result.changed && result.helper).toBe('gs_policy1');
  });

  it('lists the denied paths a request would hit, for reject mode and dry-run', () => {
    const result = rewrite('query($s: Boolean!) { me { a: name b: name @skip(if: $s) friends { degrees { title } } } secret }', []);
    if (!result.changed) throw new Error('expected a rewrite');
    expect(deniedPaths(result, { s: true })).toEqual([
      { path: ['me', 'a'], scope: 'finance.identity' },
      { path: ['me', 'friends', 'degrees'], scope: 'education.degree' },
      { path: ['secret'], scope: 'justice.case' },
    ]);
    expect(deniedPaths(result, { s: false })).toHaveLength(4);
  });

  it('gives the same rewritten text, and so the same plan-cache key, only for the same rights', () => {
    const query = '{ me { id name degrees { title } } }';
    const none = rewrite(query, []);
    const some = rewrite(query, ['finance.identity']);
    const again = rewrite(query, []);
    expect(none.changed && some.changed && again.changed).toBe(true);
    if (!none.changed || !some.changed || !again.changed) return;
    expect(none.queryHash).not.toBe(some.queryHash);
    expect(none.queryHash).toBe(again.queryHash);
  });

  /** A chain of fragments each spreading the next two twice over: 2^levels paths to the bottom. */
  function diamond(levels: number, directive = ''): string {
    const fragments = [];
    for (let i = 0; i < levels; i++) fragments.push(`fragment A${i} on Person { ...A${i + 1}${directive} ...B${i + 1}${directive} }`, `fragment B${i} on Person { ...A${i + 1}${directive} ...B${i + 1}${directive} }`);
    fragments.push(`fragment A${levels} on Person { id name }`, `fragment B${levels} on Person { label degrees { title } }`);
    return `{ me { ...A0 } } ${fragments.join(' ')}`;
  }

  it('stays linear on a diamond of fragment spreads', async () => {
    const started = performance.now();
    const { filtered, errors } = await run(diamond(40), []);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(filtered.data).toEqual({ me: { id: 'p1', name: null, label: 'Ann', degrees: null } });
    expect(errors).toHaveLength(2);
  });

  it('refuses a diamond whose spreads carry conditions, before it costs memory', () => {
    const started = performance.now();
    expect(() => rewrite(diamond(30, ' @include(if: true)'), [])).toThrow(RewriteLimitError);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
