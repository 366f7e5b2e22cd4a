import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type GatewayServer } from '../../gateway/server.ts';
import { seedDemo } from '../../demo/seed.ts';
import { demoCitizens } from '../../demo/citizens.ts';
import { testStorage, type TestStorage } from '../support/storage.ts';
import { delayingProxy } from '../support/delaying-proxy.ts';
import { gql } from '../support/graphql.ts';
import { capturingLogger, startDepartments, type RunningDepartments } from '../support/federation.ts';

/**
 * Concurrent requests that make the same department fetch leave as one request
 * (gateway/subgraph-client/fetch-lanes.ts, merge-operation.ts), and each still gets exactly its
 * own answer. A proxy in front of education holds every request for a while, so that fetches
 * made while one is in flight must wait for it: what merges is then known, not left to timing.
 */
const CITIZENS = 12;
const citizens = demoCitizens(CITIZENS);
const CROSS = `query($did: DID!) {
  citizen(did: $did) { did name taxClearance { status } degrees { title } enrolments { programme } criminalRecord { clean } }
}`;

describe('merged department fetches', () => {
  let storage: TestStorage;
  let departments: RunningDepartments;
  let proxy: Awaited<ReturnType<typeof delayingProxy>>;
  let merging: GatewayServer;
  let separate: GatewayServer;
  const log = capturingLogger('gateway');
  const alone = new Map<string, unknown>();
  const alone_ = (did: string) => alone.get(did);

  beforeAll(async () => {
    storage = testStorage('pglite');
    await seedDemo(storage.config, CITIZENS);
    departments = await startDepartments(storage);
    proxy = await delayingProxy(departments.urls.education, 150);
    const subgraphs = { ...departments.urls, education: proxy.url };
    [merging, separate] = await Promise.all([
      startGateway({ subgraphs, port: 0, logger: log.logger }),
      startGateway({ subgraphs, port: 0, mergeFetches: false, logger: capturingLogger('gateway').logger }),
    ]);
    // Every citizen's answer on its own, one request at a time: what each must get when merged.
    for (const c of citizens) alone.set(c.did, (await gql(separate.graphqlUrl, CROSS, { did: c.did })).data);
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled([merging?.close(), separate?.close()]);
    await proxy?.close();
    await departments?.close();
    await storage?.cleanup();
  });

  it('sends one department fetch for requests that arrive while one is in flight, and gives each its own answer', async () => {
    const before = proxy.posts();
    const answers = await Promise.all(citizens.map((c) => gql(merging.graphqlUrl, CROSS, { did: c.did })));
    for (const [i, c] of citizens.entries()) {
      expect(answers[i]!.errors).toBeUndefined();
      expect(answers[i]!.data).toEqual(alone.get(c.did));
    }
    // At most one fetch in flight per (query, decision): the first leaves, the rest wait and leave together.
    const fetches = proxy.posts() - before;
    expect(fetches).toBeGreaterThanOrEqual(1);
    expect(fetches).toBeLessThanOrEqual(3);
    const merged = log.lines().filter((l) => l.msg === 'merged fetch' && l.department === 'education');
    expect(merged.length).toBeGreaterThan(0);
    // Each merged fetch names the requests it served; every request is served once.
    const served = merged.flatMap((l) => l.requests as string[]);
    expect(new Set(served).size).toBe(served.length);
    expect(served.length + (fetches - merged.length)).toBe(CITIZENS);
  });

  it('lets a request whose input the department refuses fail alone: the others of its merged fetch ask again on their own', async () => {
    const invalid = 'did:';
    const alone = await gql(separate.graphqlUrl, CROSS, { did: invalid });
    expect(alone.errors?.[0]?.extensions?.code).toBe('INVALID_DID');
    const dids = [...citizens.slice(0, 5).map((c) => c.did), invalid];
    const before = log.lines().length;
    const answers = await Promise.all(dids.map((did) => gql(merging.graphqlUrl, CROSS, { did })));
    // The invalid one was in a merged fetch, which the department refused, so each asked alone.
    expect(log.lines().slice(before).filter((l) => l.msg === 'merged fetch refused: each request asks alone').length).toBeGreaterThan(0);
    for (const [i, did] of dids.entries()) {
      if (did === invalid) {
        expect(answers[i]!.data).toEqual(alone.data);
        expect(answers[i]!.errors?.map((e) => e.extensions?.code)).toEqual(alone.errors?.map((e) => e.extensions?.code));
        // Nothing of the merged text (renamed variables) reaches the caller.
        expect(JSON.stringify(answers[i])).not.toMatch(/\$m\d+_/);
      } else {
        expect(answers[i]!.errors).toBeUndefined();
        expect(answers[i]!.data).toEqual(alone_(did));
      }
    }
  });

  it('gives every member the error of a merged fetch the department could not answer, without asking again for each', async () => {
    proxy.failPosts(true);
    try {
      // What a request gets alone when education answers 502.
      const alone = await gql(separate.graphqlUrl, CROSS, { did: citizens[0]!.did });
      expect(alone.errors?.length).toBeGreaterThan(0);
      const before = proxy.posts();
      const answers = await Promise.all(citizens.slice(0, 6).map((c) => gql(merging.graphqlUrl, CROSS, { did: c.did })));
      for (const answer of answers) {
        expect(answer.data).toEqual(alone.data);
        expect(answer.errors?.map((e) => e.extensions?.code)).toEqual(alone.errors?.map((e) => e.extensions?.code));
      }
      // One fetch alone, one merged for the rest: not one more per member after the failure.
      expect(proxy.posts() - before).toBeLessThanOrEqual(3);
    } finally {
      proxy.failPosts(false);
    }
  });

  it('sends every fetch on its own when merging is off', async () => {
    const before = proxy.posts();
    const answers = await Promise.all(citizens.map((c) => gql(separate.graphqlUrl, CROSS, { did: c.did })));
    expect(answers.map((a) => a.data)).toEqual(citizens.map((c) => alone.get(c.did)));
    expect(proxy.posts() - before).toBe(CITIZENS);
  });

  it('never merges a request with a different query, and keeps a lone request as it is', async () => {
    const before = proxy.posts();
    const [full, degreesOnly] = await Promise.all([
      gql(merging.graphqlUrl, CROSS, { did: citizens[0]!.did }),
      gql(merging.graphqlUrl, 'query($did: DID!) { citizen(did: $did) { degrees { title } } }', { did: citizens[1]!.did }),
    ]);
    expect(full.data).toEqual(alone.get(citizens[0]!.did));
    expect(degreesOnly.data).toEqual({ citizen: { degrees: (alone.get(citizens[1]!.did) as { citizen: { degrees: unknown } }).citizen.degrees } });
    expect(proxy.posts() - before).toBe(2);
  });
});
