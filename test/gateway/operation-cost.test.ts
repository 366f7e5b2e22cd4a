import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { costRule, DEFAULT_COST_LIMITS } from '../../gateway/limits/operation-cost.ts';

const schema = buildSchema(/* GraphQL */ `
  type Query { citizen(did: String!): Citizen, citizens(first: Int, after: String): CitizenConnection, budget: Int }
  type CitizenConnection { edges: [CitizenEdge!]!, totalCount: Int }
  type CitizenEdge { cursor: String!, node: Citizen! }
  type Citizen { did: String!, name: String, enrolments: [Enrolment!]!, payments(first: Int): [Payment!]! }
  type Enrolment { id: ID!, programme: String, results: [Result!]! }
  type Result { course: String, grade: String }
  type Payment { amount: Int }
`);

const refusals = (query: string, maxCost = DEFAULT_COST_LIMITS.maxCost) =>
  validate(schema, parse(query), [costRule({ ...DEFAULT_COST_LIMITS, maxCost })]).map((e) => e.extensions.reason);

describe('estimated operation cost', () => {
  it('lets ordinary queries through', () => {
    expect(refusals('{ citizen(did: "x") { name enrolments { programme results { grade } } } }')).toEqual([]);
    expect(refusals('{ citizens(first: 20) { edges { node { did name } } } }')).toEqual([]);
  });

  it('multiplies by list sizes: a page of citizens with their results is refused at a small budget', () => {
    // 1 + 100 edges × (1 node + 1 did + 1 enrolments + 10 × (1 results + 10 × 1 grade))
    const query = '{ citizens(first: 100) { edges { node { did enrolments { results { grade } } } } } }';
    expect(refusals(query, 100_000)).toEqual([]);
    expect(refusals(query, 5_000)).toEqual(['COST_LIMIT']);
    expect(refusals('{ citizens(first: 5) { edges { node { did enrolments { results { grade } } } } } }', 5_000)).toEqual([]);
  });

  it('takes the worst case for a variable page size and refuses huge literal ones', () => {
    expect(refusals('query($n: Int) { citizens(first: $n) { edges { node { payments(first: $n) { amount } } } } }')).toEqual(['COST_LIMIT']);
    expect(refusals('{ citizens(first: 1000000) { edges { node { did } } } }')).toEqual(['COST_LIMIT']);
  });

  it('counts through fragments, whatever the operation or fragments are called (no __schema bypass)', () => {
    const wide = 'edges { node { did enrolments { results { grade course } } payments(first: 100) { amount } } }';
    expect(refusals(`query __schema { citizens(first: 100) { ${wide} } }`)).toEqual(['COST_LIMIT']);
    expect(refusals(`query { citizens(first: 100) { ...__schema } } fragment __schema on CitizenConnection { ${wide} }`)).toEqual(['COST_LIMIT']);
    expect(refusals(`query { citizens(first: 100) { ... on CitizenConnection { ${wide} } } }`)).toEqual(['COST_LIMIT']);
  });

  it('ends on fragment cycles', () => {
    const errors = validate(schema, parse('{ citizen(did: "x") { ...A } } fragment A on Citizen { name ...B } fragment B on Citizen { did ...A }'), [costRule()]);
    expect(errors).toEqual([]);
  });
});
