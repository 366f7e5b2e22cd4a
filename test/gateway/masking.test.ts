import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type GatewayServer } from '../../gateway/server.ts';
import type { Department, Resolvers } from '../../subgraphs/kit/department.ts';
import { justice } from '../../subgraphs/justice/index.ts';
import { demoCitizens } from '../../demo/citizens.ts';
import { testStorage, type TestStorage } from '../support/storage.ts';
import { codes, gql } from '../support/graphql.ts';
import { startDepartments, type RunningDepartments } from '../support/federation.ts';

/**
 * A department that fails inside a resolver with a message full of internals
 * (a path, a host and port, a SQL fragment): none of it may reach the client.
 */
const SECRET = 'connect to 10.1.2.3:5432 failed at /srv/justice/store.ts: SELECT * FROM judgments';

const failingJustice: Department<unknown> = {
  ...(justice as Department<unknown>),
  createResolvers(store) {
    const resolvers = justice.createResolvers(store as never) as Resolvers;
    return {
      ...resolvers,
      Citizen: {
        ...(resolvers.Citizen as object),
        criminalRecord: () => {
          throw new Error(SECRET);
        },
      },
    } as Resolvers;
  },
};

describe('error masking', () => {
  let storage: TestStorage;
  let departments: RunningDepartments;
  let gateway: GatewayServer;

  beforeAll(async () => {
    storage = testStorage('pglite');
    departments = await startDepartments(storage, { justice: { department: failingJustice } });
    gateway = await startGateway({ subgraphs: departments.urls, port: 0 });
  });

  afterAll(async () => {
    await gateway?.close();
    await departments?.close();
    await storage?.cleanup();
  });

  it('replaces an unexpected department error and keeps the data of the others', async () => {
    const did = demoCitizens(1)[0]!.did;
    const response = await gql(gateway.graphqlUrl, 'query($did: DID!) { citizen(did: $did) { did degrees { title } criminalRecord { clean } } }', { did });
    expect(response.data!.citizen.did).toBe(did);
    expect(response.data!.citizen.degrees).toEqual([]);
    expect(response.data!.citizen.criminalRecord).toBeNull();
    expect(codes(response)).toEqual(['INTERNAL_SERVER_ERROR']);
    expect(response.errors![0]!.path).toEqual(['citizen', 'criminalRecord']);
    const text = JSON.stringify(response);
    expect(text).not.toContain('10.1.2.3');
    expect(text).not.toMatch(/srv|SELECT|stacktrace|serviceName|justice|127\.0\.0\.1/);
    expect(Object.keys(response.errors![0]!.extensions!)).toEqual(['code']);
  });
});
