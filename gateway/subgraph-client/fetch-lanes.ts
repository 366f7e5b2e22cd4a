/**
 * Fetches that could leave as one request, held back while one of their kind is in flight.
 *
 * A lane per key (the caller's: same department, same operation, same decision). The first
 * fetch of an idle lane leaves at the end of the current turn of the event loop, together with
 * any fetch of the same key that arrived in that turn; while a lane has a fetch in flight, new
 * ones wait, and leave together as soon as it returns. So at low load nothing waits beyond the
 * turn, and under load the batches grow with the queue, which is when the work they save (one
 * HTTP exchange, one gateway token, one execution in the department instead of several) counts.
 */
export interface FetchLanes<Member, Result> {
  /**
   * Runs `member` in a batch of its key. `send` performs one batch: the lane counts it in flight
   * until `send`'s promise settles, and then each member gets its own answer from the array it
   * holds, in order (one member may fail while the others get theirs, and a member still on its
   * way does not hold up the lane). The first member of a batch provides `send` (every member of
   * a key would send the same). A `send` that throws fails the whole batch.
   */
  fetch(key: string, member: Member, send: Send<Member, Result>): Promise<Result>;
}

export type Send<Member, Result> = (members: Member[]) => Promise<Promise<Result>[]>;

export interface FetchLaneOptions {
  /** Members in one batch at most (default 32); more leave in the next batches. */
  maxMembers?: number;
}

interface Waiting<Member, Result> {
  member: Member;
  send: Send<Member, Result>;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

interface Lane<Member, Result> {
  /** A batch of this key is in flight: new fetches wait for it. */
  busy: boolean;
  queue: Waiting<Member, Result>[];
  /** A dispatch is due at the end of this turn of the event loop. */
  scheduled: boolean;
}

export function createFetchLanes<Member, Result>(options: FetchLaneOptions = {}): FetchLanes<Member, Result> {
  const maxMembers = options.maxMembers ?? 32;
  const lanes = new Map<string, Lane<Member, Result>>();

  /** Sends the next batch if the lane is free; forgets a lane with nothing in flight, waiting or due. */
  const dispatch = (key: string, lane: Lane<Member, Result>) => {
    if (lane.busy) return;
    if (lane.queue.length === 0) {
      if (!lane.scheduled) lanes.delete(key);
      return;
    }
    lane.busy = true;
    void sendBatch(lane.queue.splice(0, maxMembers)).finally(() => {
      lane.busy = false;
      dispatch(key, lane);
    });
  };

  return {
    fetch(key, member, send) {
      return new Promise<Result>((resolve, reject) => {
        let lane = lanes.get(key);
        if (!lane) lanes.set(key, (lane = { busy: false, queue: [], scheduled: false }));
        lane.queue.push({ member, send, resolve, reject });
        if (lane.scheduled) return;
        // After the I/O callbacks of this turn: answers that arrived together (a busy gateway
        // reads several per turn) start their next fetches together.
        lane.scheduled = true;
        const due = lane;
        setImmediate(() => {
          due.scheduled = false;
          dispatch(key, due);
        });
      });
    },
  };
}

async function sendBatch<Member, Result>(batch: Waiting<Member, Result>[]): Promise<void> {
  try {
    const answers = await batch[0]!.send(batch.map((waiting) => waiting.member));
    if (answers.length !== batch.length) throw new Error(`a batch of ${batch.length} fetches got ${answers.length} answers`);
    batch.forEach((waiting, i) => answers[i]!.then(waiting.resolve, waiting.reject));
  } catch (error) {
    for (const waiting of batch) waiting.reject(error);
  }
}
