import { describe, expect, it } from 'vitest';
import { createFetchLanes } from '../../gateway/subgraph-client/fetch-lanes.ts';

/** A send that records each batch and answers when the test says so. */
function recordingSend() {
  const batches: string[][] = [];
  const pending: (() => void)[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const send = (members: string[]) =>
    new Promise<Promise<string>[]>((resolve) => {
      batches.push(members);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      pending.push(() => {
        inFlight--;
        resolve(members.map((m) => Promise.resolve(`answer to ${m}`)));
      });
    });
  return { send, batches, releaseNext: () => pending.shift()?.(), maxInFlight: () => maxInFlight };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('fetch lanes', () => {
  it('sends the fetches of one key made in one turn as one batch, and answers each its own', async () => {
    const lanes = createFetchLanes<string, string>();
    const { send, batches, releaseNext } = recordingSend();
    const answers = Promise.all(['a', 'b', 'c'].map((m) => lanes.fetch('k', m, send)));
    await turn();
    expect(batches).toEqual([['a', 'b', 'c']]);
    releaseNext();
    expect(await answers).toEqual(['answer to a', 'answer to b', 'answer to c']);
  });

  it('holds new fetches while one is in flight, then sends them together', async () => {
    const lanes = createFetchLanes<string, string>();
    const { send, batches, releaseNext, maxInFlight } = recordingSend();
    const first = lanes.fetch('k', 'a', send);
    await turn();
    const later = ['b', 'c', 'd'].map((m) => lanes.fetch('k', m, send));
    await turn();
    expect(batches).toEqual([['a']]);
    releaseNext();
    expect(await first).toBe('answer to a');
    await turn();
    expect(batches).toEqual([['a'], ['b', 'c', 'd']]);
    releaseNext();
    expect(await Promise.all(later)).toEqual(['answer to b', 'answer to c', 'answer to d']);
    expect(maxInFlight()).toBe(1);
  });

  it('never mixes keys, and keys do not wait on each other', async () => {
    const lanes = createFetchLanes<string, string>();
    const { send, batches, releaseNext } = recordingSend();
    const answers = Promise.all([lanes.fetch('k1', 'a', send), lanes.fetch('k2', 'b', send), lanes.fetch('k1', 'c', send)]);
    await turn();
    expect(batches).toEqual([['a', 'c'], ['b']]);
    releaseNext();
    releaseNext();
    expect(await answers).toEqual(['answer to a', 'answer to b', 'answer to c']);
  });

  it('caps a batch at maxMembers; the rest leave in the next batches', async () => {
    const lanes = createFetchLanes<string, string>({ maxMembers: 2 });
    const { send, batches, releaseNext } = recordingSend();
    const answers = Promise.all(['a', 'b', 'c', 'd', 'e'].map((m) => lanes.fetch('k', m, send)));
    await turn();
    expect(batches).toEqual([['a', 'b']]);
    releaseNext();
    await turn();
    expect(batches).toEqual([['a', 'b'], ['c', 'd']]);
    releaseNext();
    await turn();
    expect(batches).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    releaseNext();
    expect(await answers).toEqual(['a', 'b', 'c', 'd', 'e'].map((m) => `answer to ${m}`));
  });

  it('fails every member of a failed batch, and only them', async () => {
    const lanes = createFetchLanes<string, string>();
    let calls = 0;
    const send = async (members: string[]) => {
      if (calls++ === 0) throw new Error('department down');
      return members.map((m) => Promise.resolve(`answer to ${m}`));
    };
    const failed = ['a', 'b'].map((m) => lanes.fetch('k', m, send));
    await expect(Promise.all(failed.map((p) => p.catch((e: Error) => e.message)))).resolves.toEqual(['department down', 'department down']);
    await expect(lanes.fetch('k', 'c', send)).resolves.toBe('answer to c');
  });

  it('fails only the member whose part failed', async () => {
    const lanes = createFetchLanes<string, string>();
    const send = async (members: string[]) => members.map((m) => (m === 'bad' ? Promise.reject(new Error('INVALID_DID')) : Promise.resolve(`answer to ${m}`)));
    const answers = ['a', 'bad', 'c'].map((m) => lanes.fetch('k', m, send).catch((e: Error) => e.message));
    expect(await Promise.all(answers)).toEqual(['answer to a', 'INVALID_DID', 'answer to c']);
  });

  it('frees the lane once the batch is sent: a member still on its way holds up nobody', async () => {
    const lanes = createFetchLanes<string, string>();
    let releaseSlow!: () => void;
    const slow = new Promise<string>((resolve) => (releaseSlow = () => resolve('slow answer')));
    const first = ['a', 'slow'].map((m) => lanes.fetch('k', m, async (members) => members.map((x) => (x === 'slow' ? slow : Promise.resolve(`answer to ${x}`)))));
    expect(await first[0]).toBe('answer to a');
    // The slow member has not answered, yet the next fetch of the key leaves and is answered.
    await expect(lanes.fetch('k', 'b', async (members) => members.map((x) => Promise.resolve(`answer to ${x}`)))).resolves.toBe('answer to b');
    releaseSlow();
    expect(await first[1]).toBe('slow answer');
  });

  it('fails the batch when send answers a different number of members', async () => {
    const lanes = createFetchLanes<string, string>();
    const answers = ['a', 'b'].map((m) => lanes.fetch('k', m, async () => [Promise.resolve('only one')]));
    for (const answer of answers) await expect(answer).rejects.toThrow('a batch of 2 fetches got 1 answers');
  });
});
