/**
 * The baseline gateway, run as its own process by the bench (forked with an
 * IPC channel): `@apollo/gateway` exactly as its documentation starts it, over
 * the same departments and the same supergraph as ours. No buildService (so
 * the default fetcher, make-fetch-happen), `@apollo/server`'s standalone
 * server with default settings, no plugins. Whatever our gateway does
 * differently, the comparison measures.
 *
 * argv[2]: JSON `{ "education": url, "finance": url, "justice": url }`.
 * Sends `{ url }` to the parent once it listens; stops on SIGTERM/SIGINT.
 */
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { composeSupergraph, fetchSubgraphSdl } from '../gateway/compose.ts';

// The parent sets it too; the gateway must never report to Apollo.
process.env.APOLLO_TELEMETRY_DISABLED ??= '1';

const subgraphs = JSON.parse(process.argv[2] ?? '{}') as Record<string, string>;
// The same composition as our gateway's (gateway/compose.ts), so both plan over one supergraph.
const definitions = await Promise.all(Object.entries(subgraphs).map(([name, url]) => fetchSubgraphSdl(name, url, { timeoutMs: 60_000 })));
const gateway = new ApolloGateway({ supergraphSdl: composeSupergraph(definitions) });
const server = new ApolloServer({ gateway });
const { url } = await startStandaloneServer(server, { listen: { host: '127.0.0.1', port: 0 } });
process.send?.({ url });
