import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type GatewayServer } from '../../gateway/server.ts';
import { testStorage, type TestStorage } from '../support/storage.ts';
import { startDepartments, type RunningDepartments } from '../support/federation.ts';

/**
 * The GraphQL-over-HTTP conformance audits of the `graphql-http` package
 * against the gateway's HTTP front. Their queries use `__type`, so the gateway
 * runs with introspection on (development); everything else is as in
 * production. MUST audits may not fail; SHOULD audits may warn (Apollo Server
 * answers 400, not 200, to invalid documents under application/json).
 */
describe('GraphQL over HTTP audits', () => {
  let storage: TestStorage;
  let departments: RunningDepartments;
  let gateway: GatewayServer;

  beforeAll(async () => {
    storage = testStorage('pglite');
    departments = await startDepartments(storage);
    gateway = await startGateway({ subgraphs: departments.urls, port: 0, development: true });
  });

  afterAll(async () => {
    await gateway?.close();
    await departments?.close();
    await storage?.cleanup();
  });

  it('passes every MUST audit', async () => {
    const errors: string[] = [];
    let ran = 0;
    for (const audit of serverAudits({ url: gateway.graphqlUrl })) {
      const result = await audit.fn();
      ran++;
      if (result.status === 'error') errors.push(`${audit.name}: ${result.reason}`);
    }
    expect(ran).toBeGreaterThan(30);
    expect(errors).toEqual([]);
  });
});
