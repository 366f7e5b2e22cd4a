import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { ConfigError, GovshareError } from '../platform/errors.ts';

export interface SubgraphDefinition {
  name: string;
  url: string;
  sdl: string;
}

/**
 * Composes the departments' subgraph schemas into one supergraph (Federation
 * 2 composition, the same as `rover supergraph compose`). A composition error
 * stops the gateway from starting: serving a graph that does not compose
 * would answer some queries wrongly instead of none.
 */
export function composeSupergraph(subgraphs: SubgraphDefinition[]): string {
  const result = composeServices(subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) })));
  if (result.errors) {
    throw new ConfigError(`the department schemas do not compose:\n${result.errors.map((e) => `  - ${e.message}`).join('\n')}`);
  }
  return result.supergraphSdl;
}

/**
 * Asks a running subgraph for its schema (`_service { sdl }`), retrying until
 * it answers or `timeoutMs` passes: `govshare up` starts the departments and the
 * gateway together.
 */
export async function fetchSubgraphSdl(
  name: string,
  url: string,
  options: { timeoutMs?: number; onWait?: (attempt: number, error: unknown) => void } = {},
): Promise<SubgraphDefinition> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ _service { sdl } }' }),
        signal: AbortSignal.timeout(5_000),
      });
      const body = (await response.json()) as { data?: { _service?: { sdl?: string } } };
      const sdl = body.data?._service?.sdl;
      if (!response.ok || !sdl) throw new Error(`HTTP ${response.status} without a schema`);
      return { name, url, sdl };
    } catch (error) {
      if (Date.now() > deadline) {
        throw new GovshareError('SUBGRAPH_UNREACHABLE', `the ${name} department at ${url} did not answer with its schema: ${(error as Error).message}`, { cause: error });
      }
      options.onWait?.(attempt, error);
      // Loopback polling is cheap, and a department usually answers within a second or two of the gateway starting.
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
