import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { composeSupergraph } from '../../gateway/compose.ts';
import { runCli } from '../support/processes.ts';

describe('govshare compose', () => {
  it('writes the supergraph of the three departments to a file', async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'govshare-compose-')), 'supergraph.graphql');
    const run = runCli(['compose', '--out', out], {});
    expect((await run.exited).code).toBe(0);
    const sdl = fs.readFileSync(out, 'utf8');
    expect(sdl).toMatch(/enum join__Graph\s*\{[^}]*EDUCATION[^}]*FINANCE[^}]*JUSTICE/s);
    expect(sdl).toMatch(/type Citizen\s[^{]*@join__type\(graph: EDUCATION, key: "did"\)/);
    expect(sdl).toContain('url: "http://127.0.0.1:4102/graphql"');
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  });

  it('refuses department schemas that do not compose, naming the problem', () => {
    const header = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])';
    expect(() =>
      composeSupergraph([
        { name: 'a', url: 'http://a/graphql', sdl: `${header} type Query { total: Int }` },
        { name: 'b', url: 'http://b/graphql', sdl: `${header} type Query { total: String }` },
      ]),
    ).toThrow(/do not compose:[\s\S]*total/);
  });
});
