import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from '../../platform/log.ts';
import { startSubgraph, type SubgraphServer } from '../../subgraphs/kit/server.ts';
import type { Department } from '../../subgraphs/kit/department.ts';
import { education } from '../../subgraphs/education/index.ts';
import { finance } from '../../subgraphs/finance/index.ts';
import { justice } from '../../subgraphs/justice/index.ts';
import type { TestStorage } from './storage.ts';

export const departments = { education, finance, justice } as const;

/** A logger whose JSON lines a test can read back. */
export function capturingLogger(component: string): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      callback();
    },
  });
  return { logger: pino({ base: { component } }, stream), lines: () => lines.map((l) => JSON.parse(l)) };
}

export interface RunningDepartments {
  education: SubgraphServer<unknown>;
  finance: SubgraphServer<unknown>;
  justice: SubgraphServer<unknown>;
  urls: Record<'education' | 'finance' | 'justice', string>;
  close(): Promise<void>;
}

/** Starts the three departments on free loopback ports over one test storage. */
export async function startDepartments(
  storage: TestStorage,
  overrides: Partial<Record<'education' | 'finance' | 'justice', { department?: Department<any>; logger?: Logger }>> = {},
): Promise<RunningDepartments> {
  const start = (name: 'education' | 'finance' | 'justice') =>
    startSubgraph((overrides[name]?.department ?? departments[name]) as Department<unknown>, {
      config: storage.config,
      port: 0,
      ...(overrides[name]?.logger && { logger: overrides[name]!.logger! }),
    });
  const [e, f, j] = await Promise.all([start('education'), start('finance'), start('justice')]);
  return {
    education: e,
    finance: f,
    justice: j,
    urls: { education: e.graphqlUrl, finance: f.graphqlUrl, justice: j.graphqlUrl },
    async close() {
      await Promise.allSettled([e.close(), f.close(), j.close()]);
    },
  };
}
