import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../platform/log.ts';
import { supervise } from '../../platform/supervisor.ts';

/** How `govshare up` stops its components: each must exit 0 after SIGTERM, or the stop says so. */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'govshare-supervisor-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

// Each child marks a file once its handlers are in place, so the test never signals it earlier.
const ready = "require('node:fs').writeFileSync(process.env.READY_FILE, ''); setInterval(() => {}, 1000);";
const clean = `process.on('SIGTERM', () => process.exit(0)); ${ready}`;
// No handler: SIGTERM kills it, as Apollo's own handler used to kill `govshare serve`.
const killed = ready;

let next = 0;
const child = (name: string, script: string) => ({ name, command: process.execPath, args: ['-e', script], env: { READY_FILE: path.join(dir, `${next++}-${name}`) } });

async function whenReady(children: Array<{ env: { READY_FILE: string } }>): Promise<void> {
  for (let i = 0; i < 300 && !children.every((c) => fs.existsSync(c.env.READY_FILE)); i++) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** Supervises `children`, stops them once they are ready, and returns the exit status and the errors logged. */
async function superviseAndStop(children: ReturnType<typeof child>[]): Promise<{ status: number; errors: Array<{ fields: Record<string, unknown>; message: string }> }> {
  const errors: Array<{ fields: Record<string, unknown>; message: string }> = [];
  const logger = { info() {}, warn() {}, error: (fields: Record<string, unknown>, message: string) => errors.push({ fields, message }) } as unknown as Logger;
  const supervisor = supervise(children, logger);
  await whenReady(children);
  await supervisor.stop();
  return { status: await supervisor.done, errors };
}

describe('supervise', () => {
  it('stops with 0 when every component exits 0 on SIGTERM', async () => {
    expect(await superviseAndStop([child('a', clean), child('b', clean)])).toEqual({ status: 0, errors: [] });
  });

  it('names a component that died by the signal instead of stopping, and stops with 1', async () => {
    expect(await superviseAndStop([child('steady', clean), child('abrupt', killed)])).toEqual({
      status: 1,
      errors: [{ fields: { child: 'abrupt', code: null, signal: 'SIGTERM' }, message: 'abrupt did not stop cleanly' }],
    });
  });
});
