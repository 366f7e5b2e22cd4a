import type { ServerResponse } from 'node:http';
import { sendJson } from '../platform/http/server.ts';

export interface Dependency {
  name: string;
  check(): Promise<void>;
}

/** A dependency that is ready when `url` answers 2xx within the timeout. */
export function httpDependency(name: string, url: string, timeoutMs = 2_000): Dependency {
  return {
    name,
    async check() {
      const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      if (!response.ok) throw new Error(`${url} answered ${response.status}`);
    },
  };
}

/** A JSON-RPC ledger that is ready when it answers eth_chainId. */
export function ledgerDependency(rpcUrl: string, timeoutMs = 2_000): Dependency {
  return {
    name: 'ledger',
    async check() {
      const response = await fetch(rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const body = (await response.json()) as { result?: string };
      if (!response.ok || typeof body.result !== 'string') throw new Error(`the ledger answered ${response.status} without a chain id`);
    },
  };
}

/**
 * GET /ready: 200 when every dependency answers, else 503 naming what is down
 * (for operators and load balancers; it is not a client API).
 */
export async function answerReady(res: ServerResponse, component: string, dependencies: Dependency[]): Promise<void> {
  const results = await Promise.all(
    dependencies.map(async (d) => {
      try {
        await d.check();
        return undefined;
      } catch (error) {
        return { name: d.name, detail: (error as Error).message };
      }
    }),
  );
  const down = results.filter((r) => r !== undefined);
  if (down.length === 0) sendJson(res, 200, { status: 'ready', component, checked: dependencies.map((d) => d.name) });
  else sendJson(res, 503, { status: 'unavailable', component, down });
}
