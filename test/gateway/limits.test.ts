import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type GatewayServer } from '../../gateway/server.ts';
import { testStorage, type TestStorage } from '../support/storage.ts';
import { gql } from '../support/graphql.ts';
import { startDepartments, type RunningDepartments } from '../support/federation.ts';

/**
 * Hostile operation shapes are refused before planning, each with its reason,
 * and no department is asked anything for them.
 */
describe('operation limits', () => {
  let storage: TestStorage;
  let departments: RunningDepartments;
  let gateway: GatewayServer;

  beforeAll(async () => {
    storage = testStorage('pglite');
    departments = await startDepartments(storage);
    gateway = await startGateway({ subgraphs: departments.urls, port: 0 });
  });
  afterAll(async () => {
    await gateway?.close();
    await departments?.close();
    await storage?.cleanup();
  });

  const fetches = async () => {
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    return [...text.matchAll(/^govshare_subgraph_fetches_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
  };
  const refused = async (query: string) => {
    // Let the fetch counters of the previous request settle (they are recorded as each fetch ends).
    await new Promise((r) => setTimeout(r, 200));
    const before = await fetches();
    const response = await gql(gateway.graphqlUrl, query);
    expect(await fetches()).toBe(before);
    expect(response.data ?? null).toBeNull();
    return response.errors!.map((e) => `${e.extensions?.code}/${e.extensions?.reason ?? ''}`);
  };

  it('answers an ordinary cross-department query', async () => {
    const ok = await gql(gateway.graphqlUrl, '{ citizens(first: 2) { edges { node { did degrees { institution { name } } criminalRecord { clean } } } } }');
    expect(ok.errors).toBeUndefined();
  });

  it('refuses deep nesting, also through fragments', async () => {
    // Enrolment.student is a Citizen, whose enrolments have students...: a valid query of any depth.
    const nest = (levels: number) => {
      let inner = 'did';
      for (let i = 0; i < levels; i++) inner = `enrolments { student { ${inner} } }`;
      return `{ citizen(did: "did:ethr:0x539:0x00000000000000000000000000000000000000aa") { ${inner} } }`;
    };
    expect((await gql(gateway.graphqlUrl, nest(2))).errors).toBeUndefined(); // depth 6: allowed
    // Depth 12 is within the depth limit, but 10^5 estimated enrolments are not within the cost limit.
    expect(await refused(nest(5))).toEqual(['GRAPHQL_VALIDATION_FAILED/COST_LIMIT']);
    expect(await refused(nest(6))).toContain('GRAPHQL_VALIDATION_FAILED/DEPTH_LIMIT'); // depth 14 (and its cost)
    const viaFragments = `{ citizen(did: "did:ethr:0x539:0x00000000000000000000000000000000000000aa") { ...A } }
      fragment A on Citizen { enrolments { student { enrolments { student { ...B } } } } }
      fragment B on Citizen { enrolments { student { enrolments { student { enrolments { student { enrolments { student { did } } } } } } } } }`;
    expect(await refused(viaFragments)).toContain('GRAPHQL_VALIDATION_FAILED/DEPTH_LIMIT');
  });

  it('refuses alias enumeration, too many root fields and directive overloading', async () => {
    const aliases = Array.from({ length: 40 }, (_, i) => `a${i}: citizen(did: "did:ethr:0x539:0x${String(i).padStart(40, '0')}") { did }`).join(' ');
    expect(await refused(`{ ${aliases} }`)).toContain('GRAPHQL_VALIDATION_FAILED/ALIAS_LIMIT');
    const roots = Array.from({ length: 12 }, (_, i) => `f${i}: institutions(first: 1) { pageInfo { hasNextPage } }`).join(' ');
    expect(await refused(`{ ${roots} }`)).toContain('GRAPHQL_VALIDATION_FAILED/ROOT_FIELD_LIMIT');
    expect(await refused(`{ institutions(first: 1) { pageInfo { hasNextPage ${'@include(if: true) '.repeat(30)} } } }`)).toContain('GRAPHQL_VALIDATION_FAILED/DIRECTIVE_LIMIT');
  });

  it('refuses a token bomb at the parser and a fragment cycle at validation', async () => {
    const bomb = `{ institutions(first: 1) { pageInfo { ${'hasNextPage '.repeat(5_000)} } } }`;
    expect(await refused(bomb)).toEqual(['GRAPHQL_PARSE_FAILED/']);
    const cycle = '{ institutions { ...A } } fragment A on InstitutionConnection { ...B } fragment B on InstitutionConnection { ...A }';
    expect((await refused(cycle))[0]).toBe('GRAPHQL_VALIDATION_FAILED/');
  });
});
