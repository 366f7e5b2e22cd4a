import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type GatewayServer } from '../../gateway/server.ts';
import { seedDemo } from '../../demo/seed.ts';
import { demoCitizens } from '../../demo/citizens.ts';
import { STORAGES, testStorage, type TestStorage } from '../support/storage.ts';
import { codes, gql, type GraphQLResponse } from '../support/graphql.ts';
import { capturingLogger, startDepartments, type RunningDepartments } from '../support/federation.ts';

const CITIZENS = 12;
const citizens = demoCitizens(CITIZENS);

describe.each(STORAGES)('federation over %s', (kind) => {
  let storage: TestStorage;
  let departments: RunningDepartments;
  let gateway: GatewayServer;
  const financeLog = capturingLogger('finance');

  beforeAll(async () => {
    storage = testStorage(kind);
    await seedDemo(storage.config, CITIZENS);
    departments = await startDepartments(storage, { finance: { logger: financeLog.logger } });
    gateway = await startGateway({ subgraphs: departments.urls, port: 0 });
  });

  afterAll(async () => {
    await gateway?.close();
    await departments?.close();
    await storage?.cleanup();
  });

  it('answers one query for a citizen with data joined from all three departments', async () => {
    // Pick a citizen the seed gave a degree, so that every department has something to say.
    const withDegree = await Promise.all(
      citizens.map(async (c) => {
        const r = await gql(departments.education.graphqlUrl, 'query($d: DID!) { citizen(did: $d) { degrees { title } } }', { d: c.did });
        return r.data?.citizen?.degrees?.length ? c : undefined;
      }),
    );
    const citizen = withDegree.find(Boolean)!;
    expect(citizen).toBeDefined();

    const response = await gql(
      gateway.graphqlUrl,
      `query($did: DID!) {
        citizen(did: $did) {
          did
          name
          taxClearance { status }
          degrees { title institution { name } }
          criminalRecord { clean }
        }
      }`,
      { did: citizen.did },
    );
    expect(response.errors).toBeUndefined();
    const answer = response.data!.citizen;
    expect(answer.did).toBe(citizen.did);
    expect(answer.name).toBe(citizen.name);
    expect(['CLEARED', 'ARREARS', 'UNDER_REVIEW']).toContain(answer.taxClearance.status);
    expect(answer.degrees.length).toBeGreaterThan(0);
    expect(typeof answer.degrees[0].institution.name).toBe('string');
    expect(typeof answer.criminalRecord.clean).toBe('boolean');

    // The joined answer is exactly what each department says on its own.
    const direct = await gql(departments.justice.graphqlUrl, 'query($d: DID!) { citizen(did: $d) { criminalRecord { clean } } }', { d: citizen.did });
    expect(answer.criminalRecord).toEqual(direct.data!.citizen.criminalRecord);
  });

  it('pages through every citizen with department fields, without overlap', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const response: GraphQLResponse = await gql(
        gateway.graphqlUrl,
        `query($after: String) {
          citizens(first: 5, after: $after) {
            edges { cursor node { did name taxClearance { status } criminalRecord { clean } enrolments { programme } } }
            pageInfo { hasNextPage endCursor }
          }
        }`,
        { after },
      );
      expect(response.errors).toBeUndefined();
      const { edges, pageInfo } = response.data!.citizens;
      for (const edge of edges) {
        expect(typeof edge.node.criminalRecord.clean).toBe('boolean');
        expect(Array.isArray(edge.node.enrolments)).toBe(true);
        seen.push(edge.node.did);
      }
      if (!pageInfo.hasNextPage) break;
      after = pageInfo.endCursor;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(citizens.map((c) => c.did).sort());
  });

  it('passes a department validation error through with its code and nothing else', async () => {
    const response = await gql(gateway.graphqlUrl, '{ citizen(did: "not-a-did") { did name } }');
    expect(codes(response)).toContain('INVALID_DID');
    const text = JSON.stringify(response);
    expect(text).not.toMatch(/127\.0\.0\.1|localhost|serviceName|stacktrace|finance|education|justice/);
  });

  it('refuses introspection outside development', async () => {
    const response = await gql(gateway.graphqlUrl, '{ __schema { types { name } } }');
    expect(codes(response)).toContain('GRAPHQL_VALIDATION_FAILED');
    expect(response.data ?? null).toBeNull();
  });

  it('refuses an oversized body with 413 PAYLOAD_TOO_LARGE', async () => {
    const response = await fetch(gateway.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ citizens { edges { cursor } } } #${'x'.repeat(300 * 1024)}` }),
    });
    expect(response.status).toBe(413);
    expect((await response.json()).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses a simple-content-type POST (CSRF prevention)', async () => {
    const response = await fetch(gateway.graphqlUrl, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"query":"{ __typename }"}' });
    expect(response.status).toBe(400);
  });

  it('carries the request id to the departments', async () => {
    const requestId = `test-${Date.now()}`;
    const response = await fetch(gateway.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify({ query: `{ citizen(did: "${citizens[0]!.did}") { name } }` }),
    });
    expect(response.headers.get('x-request-id')).toBe(requestId);
    expect((await response.json()).data.citizen.name).toBe(citizens[0]!.name);
    expect(financeLog.lines().some((line) => line.requestId === requestId && line.msg === 'request')).toBe(true);
  });

  it('serves /health, /ready and /metrics', async () => {
    expect((await fetch(`${gateway.url}/health`)).status).toBe(200);
    const ready = await fetch(`${gateway.url}/ready`);
    expect(ready.status).toBe(200);
    expect((await ready.json()).checked).toEqual(['education', 'finance', 'justice']);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/govshare_http_requests_total\{[^}]*route="\/graphql"/);
    expect(metrics).toMatch(/govshare_subgraph_fetches_total\{[^}]*subgraph="finance",outcome="ok"/);
    expect(metrics).toMatch(/govshare_http_request_duration_seconds_bucket/);
  });

  // Last: it stops a department.
  it('answers with partial data and a masked error when a department is down', async () => {
    await departments.justice.close();
    const response = await gql(gateway.graphqlUrl, `query($did: DID!) { citizen(did: $did) { did name criminalRecord { clean } } }`, { did: citizens[1]!.did });
    expect(response.data!.citizen.name).toBe(citizens[1]!.name);
    expect(response.data!.citizen.criminalRecord).toBeNull();
    expect(codes(response)).toEqual(['SUBGRAPH_UNAVAILABLE']);
    expect(JSON.stringify(response.errors)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|justice|serviceName|:\d{4,5}/);

    const ready = await fetch(`${gateway.url}/ready`);
    expect(ready.status).toBe(503);
    expect((await ready.json()).down.map((d: { name: string }) => d.name)).toEqual(['justice']);
  });
});
