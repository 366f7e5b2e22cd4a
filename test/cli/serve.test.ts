import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql } from '../support/graphql.ts';
import { freePort, runCli, type CliProcess } from '../support/processes.ts';

/**
 * One department run alone, as an operator would on its own host: a committed
 * write survives a killed process, and a second process on the same data dir
 * is refused instead of silently losing writes.
 */
describe('govshare serve finance', () => {
  let dataDir: string;
  let port: number;
  const processes: CliProcess[] = [];

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'govshare-serve-'));
    port = await freePort();
  });

  afterAll(async () => {
    for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await Promise.all(processes.map((p) => p.exited));
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const serve = () => {
    const p = runCli(['serve', 'finance'], { GOVSHARE_DATA_DIR: dataDir, PORT: String(port), GOVSHARE_LOG_LEVEL: 'info' });
    processes.push(p);
    return p;
  };
  const url = () => `http://127.0.0.1:${port}/graphql`;
  const did = 'did:ethr:0x539:0x00000000000000000000000000000000000000aa';

  it('keeps a committed write when the process is killed', async () => {
    const first = serve();
    await first.waitFor(/subgraph listening/);
    const written = await gql(url(), 'mutation($input: RegisterTaxpayerInput!) { registerTaxpayer(input: $input) { citizen { did name } } }', {
      input: { did, name: 'Zhou Min', taxNumber: 'CRASH-TEST-1' },
    });
    expect(written.errors).toBeUndefined();
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');

    const second = serve();
    await second.waitFor(/subgraph listening/);
    const read = await gql(url(), 'query($did: DID!) { citizen(did: $did) { name taxNumber } }', { did });
    expect(read.data!.citizen).toEqual({ name: 'Zhou Min', taxNumber: 'CRASH-TEST-1' });
  });

  it('refuses a second process on the same data dir with DATA_DIR_LOCKED', async () => {
    const intruder = runCli(['serve', 'finance'], { GOVSHARE_DATA_DIR: dataDir, PORT: '0' });
    processes.push(intruder);
    const { code } = await intruder.exited;
    expect(code).toBe(1);
    expect(intruder.output()).toMatch(/DATA_DIR_LOCKED: .*finance is in use by process \d+/);
    // The holder is unharmed.
    const read = await gql(url(), 'query($did: DID!) { citizen(did: $did) { name } }', { did });
    expect(read.data!.citizen.name).toBe('Zhou Min');
  });
});
