import fs from 'node:fs';
import { DEPARTMENTS, loadConfig, localSubgraphUrl, subgraphUrls } from '../../platform/config.ts';
import { readClassification } from '../../gateway/access/classification.ts';
import { composeSupergraph, fetchSubgraphSdl } from '../../gateway/compose.ts';
import { schemaSdl } from '../../subgraphs/kit/department.ts';
import { education } from '../../subgraphs/education/index.ts';
import { finance } from '../../subgraphs/finance/index.ts';
import { justice } from '../../subgraphs/justice/index.ts';

const departments = { education, finance, justice };

/**
 * `govshare compose`: the supergraph SDL, from the schema files or from running
 * departments; refused, like at gateway start, when a field lacks @access.
 */
export async function composeCommand(options: { out?: string; fromServices?: boolean }): Promise<void> {
  const config = loadConfig();
  const urls = subgraphUrls(config);
  const definitions = options.fromServices
    ? await Promise.all(DEPARTMENTS.map((name) => fetchSubgraphSdl(name, urls[name], { timeoutMs: 10_000 })))
    : DEPARTMENTS.map((name) => ({
        name,
        url: config.subgraphs === 'up' ? localSubgraphUrl(name) : urls[name],
        sdl: schemaSdl(departments[name]),
      }));
  const sdl = composeSupergraph(definitions);
  readClassification(sdl);
  if (options.out) {
    fs.writeFileSync(options.out, sdl);
    process.stderr.write(`supergraph written to ${options.out} (${DEPARTMENTS.join(', ')})\n`);
  } else {
    process.stdout.write(sdl);
  }
}
