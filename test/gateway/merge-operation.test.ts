import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { execute, GraphQLError, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { isMergeable, mergeOperation, mergeVariables, splitMergedResponse, splittable } from '../../gateway/subgraph-client/merge-operation.ts';

/**
 * A merged fetch must give each member exactly what its own fetch would have: the test runs
 * both against one schema (a federated subgraph, so entity hops are covered too) and compares.
 */
const schema = buildSubgraphSchema({
  typeDefs: parse(`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
    type Query {
      citizen(did: String!): Citizen
      required(did: String!): Citizen!
    }
    type Citizen @key(fields: "did") {
      did: String!
      name: String
      record(limit: Int = 2): [String!]
    }
  `),
  resolvers: {
    Query: {
      citizen: (_: unknown, { did }: { did: string }) => (did === 'unknown' ? null : { did }),
      required: (_: unknown, { did }: { did: string }) => {
        if (did === 'bad') throw new GraphQLError('no such citizen', { extensions: { code: 'NOT_FOUND' } });
        return { did };
      },
    },
    Citizen: {
      __resolveReference: (ref: { did: string }) => ({ did: ref.did }),
      name: ({ did }: { did: string }) => {
        if (did === 'secret') throw new GraphQLError('consent required', { extensions: { code: 'CONSENT_REQUIRED' } });
        return `name of ${did}`;
      },
      record: ({ did }: { did: string }, { limit }: { limit: number }) => Array.from({ length: limit }, (_, i) => `${did}#${i}`),
    },
  } as never,
});

async function run(query: string, variables: Record<string, unknown>): Promise<GatewayGraphQLResponse> {
  const result = await execute({ schema, document: parse(query), variableValues: variables });
  return JSON.parse(JSON.stringify(result)) as GatewayGraphQLResponse;
}

/** What each member gets from the merged fetch, and what it gets alone. */
async function mergedAndAlone(query: string, members: Record<string, unknown>[]) {
  const merged = await run(mergeOperation(query, members.length), mergeVariables(members));
  const alone = await Promise.all(members.map((variables) => run(query, variables)));
  return { merged, split: members.map((_, i) => splitMergedResponse(merged, i)), alone };
}

const withoutLocations = (response: GatewayGraphQLResponse) => ({ ...response, ...(response.errors && { errors: response.errors.map(({ locations: _, ...rest }) => rest) }) });

describe('which fetches may be merged', () => {
  it('takes a query whose root selections are fields', () => {
    expect(isMergeable('query Q($did: String!) { citizen(did: $did) { name } __typename }')).toBe(true);
    expect(isMergeable('query($r: [_Any!]!) { _entities(representations: $r) { ... on Citizen { name } } }')).toBe(true);
  });

  it('never a mutation, fragments, root inline fragments, operation directives, several operations or bad text', () => {
    expect(isMergeable('mutation M($did: String!) { revoke(did: $did) }')).toBe(false);
    expect(isMergeable('query { ...F } fragment F on Query { citizen(did: "a") { name } }')).toBe(false);
    expect(isMergeable('query { ... on Query { citizen(did: "a") { name } } }')).toBe(false);
    expect(isMergeable('query @live { citizen(did: "a") { name } }')).toBe(false);
    expect(isMergeable('query A { x } query B { y }')).toBe(false);
    expect(isMergeable('query {')).toBe(false);
  });

  it('never a root field that takes a signed single-use request, nor a text too long to copy per member', () => {
    expect(isMergeable('query($a: String!) { myEducationConsents(authorization: $a) { jti } }')).toBe(false);
    expect(isMergeable(`query { citizen(did: "${'x'.repeat(5000)}") { name } }`)).toBe(false);
  });
});

describe('a merged fetch', () => {
  it('aliases each member\'s root fields and renames its variables', () => {
    const text = mergeOperation('query Q($did: String!, $n: Int) { citizen(did: $did) { record(limit: $n) } who: citizen(did: "x") { did } }', 2);
    expect(text).toContain('query Q($m0_did: String!, $m0_n: Int, $m1_did: String!, $m1_n: Int)');
    expect(text).toContain('m0_citizen: citizen(did: $m0_did)');
    expect(text).toContain('record(limit: $m1_n)');
    expect(text).toContain('m1_who: citizen(did: "x")');
    expect(mergeVariables([{ did: 'a', n: 1 }, { did: 'b' }])).toEqual({ m0_did: 'a', m0_n: 1, m1_did: 'b' });
  });

  it('gives each member of a root-field fetch what it gets alone, nulls and nested arguments included', async () => {
    const query = 'query Q($did: String!, $n: Int) { citizen(did: $did) { did name record(limit: $n) } }';
    const members = [{ did: 'a', n: 1 }, { did: 'unknown', n: 3 }, { did: 'b' }, { did: 'a', n: 0 }];
    const { split, alone } = await mergedAndAlone(query, members);
    expect(split).toEqual(alone);
  });

  it('gives each member of an entity fetch its own entities', async () => {
    const query = 'query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Citizen { name record } } }';
    const members = [
      { representations: [{ __typename: 'Citizen', did: 'a' }, { __typename: 'Citizen', did: 'b' }] },
      { representations: [{ __typename: 'Citizen', did: 'c' }] },
    ];
    const { split, alone } = await mergedAndAlone(query, members);
    expect(split).toEqual(alone);
    expect(split[1]!.data).toEqual({ _entities: [{ name: 'name of c', record: ['c#0', 'c#1'] }] });
  });

  it('puts an error at the path of the member it belongs to, and nowhere else', async () => {
    const query = 'query($did: String!) { citizen(did: $did) { did name } }';
    const { merged, split, alone } = await mergedAndAlone(query, [{ did: 'a' }, { did: 'secret' }, { did: 'b' }]);
    expect(splittable(merged)).toBe(true);
    expect(split.map(withoutLocations)).toEqual(alone.map(withoutLocations));
    expect(split[0]!.errors).toBeUndefined();
    expect(split[1]!.errors).toEqual([expect.objectContaining({ path: ['citizen', 'name'], extensions: expect.objectContaining({ code: 'CONSENT_REQUIRED' }) })]);
    expect(split[2]!.errors).toBeUndefined();
  });

  it('is not split when one member nulls the whole answer (a failing non-null root field): the members ask alone', async () => {
    const { merged } = await mergedAndAlone('query($did: String!) { required(did: $did) { did } }', [{ did: 'a' }, { did: 'bad' }]);
    expect(merged.data).toBeNull();
    expect(splittable(merged)).toBe(false);
  });

  it('is not split with an error at no path, or a consent that names no root field', () => {
    expect(splittable({ data: { m0_citizen: null }, errors: [{ message: 'whole request' }] })).toBe(false);
    expect(splittable({ data: { m0_citizen: {} }, extensions: { consents: [{ citizen: 'did:a', consent: 'c1', categories: ['education.degree'] }] } })).toBe(false);
    expect(splittable({ data: {} })).toBe(true);
    expect(splittable({ errors: [{ message: 'refused' }] })).toBe(false);
  });

  it('gives each member only the consents released under its own root fields', () => {
    const merged: GatewayGraphQLResponse = {
      data: { m0_citizen: { name: 'A' }, m1_citizen: { name: 'B' }, m10_citizen: { name: 'K' } },
      extensions: {
        consents: [
          { citizen: 'did:a', consent: 'ca', categories: ['education.degree'], root: 'm0_citizen' },
          { citizen: 'did:k', consent: 'ck', categories: ['education.degree'], root: 'm10_citizen' },
        ],
        other: 1,
      },
    };
    // `other` is about the merged request, not any one member: nobody gets it.
    expect(splittable(merged)).toBe(true);
    expect(splitMergedResponse(merged, 0)).toEqual({ data: { citizen: { name: 'A' } }, extensions: { consents: [{ citizen: 'did:a', consent: 'ca', categories: ['education.degree'], root: 'citizen' }] } });
    // m1_ is not a prefix of m10_: member 1 released nothing under consent.
    expect(splitMergedResponse(merged, 1)).toEqual({ data: { citizen: { name: 'B' } } });
    expect(splitMergedResponse(merged, 10).extensions).toEqual({ consents: [{ citizen: 'did:k', consent: 'ck', categories: ['education.degree'], root: 'citizen' }] });
  });

  it('keeps a root field aliased __proto__ as data', async () => {
    const query = 'query($did: String!) { __proto__: citizen(did: $did) { did } }';
    const { split, alone } = await mergedAndAlone(query, [{ did: 'a' }, { did: 'b' }]);
    expect(split).toEqual(alone);
    expect(Object.keys(split[1]!.data!)).toEqual(['__proto__']);
  });
});
