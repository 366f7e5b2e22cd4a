/**
 * The baseline gateway, run as its own process by the bench (forked with an
 * IPC channel): `@apollo/gateway` as its documentation starts it, over the
 * same departments and the same supergraph as ours. Its default fetcher
 * (make-fetch-happen), `@apollo/server`'s standalone server with default
 * settings, no plugins. Whatever our gateway does differently, the comparison
 * measures.
 *
 * One addition, without which the departments would refuse it: they answer
 * only requests carrying a gateway token (subgraphs/kit/admit-gateway.ts), so
 * `buildService` gives each department's plain `RemoteGraphQLDataSource`
 * (default fetcher kept) static headers: a token the bench signed once per
 * department (bench/gateway-token.ts). Setting two headers costs it nothing
 * measurable; the departments check the token as they check ours.
 *
 * argv[2]: JSON `{ "education": url, "finance": url, "justice": url }`;
 * argv[3] (optional): JSON `{ "<department>": { header: value } }`.
 * Sends `{ url }` to the parent once it listens; exits on SIGTERM/SIGINT.
 */
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { composeSupergraph, fetchSubgraphSdl } from '../gateway/compose.ts';

// The parent sets it too; the gateway must never report to Apollo.
process.env.APOLLO_TELEMETRY_DISABLED ??= '1';

const subgraphs = JSON.parse(process.argv[2] ?? '{}') as Record<string, string>;
const headers = JSON.parse(process.argv[3] ?? '{}') as Record<string, Record<string, string>>;
// The same composition as our gateway's (gateway/compose.ts), so both plan over one supergraph.
const definitions = await Promise.all(Object.entries(subgraphs).map(([name, url]) => fetchSubgraphSdl(name, url, { timeoutMs: 60_000 })));
const gateway = new ApolloGateway({
  supergraphSdl: composeSupergraph(definitions),
  buildService: ({ name, url }) =>
    new RemoteGraphQLDataSource({
      url,
      willSendRequest({ request }) {
        for (const [header, value] of Object.entries(headers[name] ?? {})) request.http?.headers.set(header, value);
      },
    }),
});
// tsx (needed here only to import gateway/compose.ts) turns on source-map translation of stack
// traces, and the default fetcher's HTTP agent (agent-base's isSecureEndpoint) reads a new
// Error's stack on every subgraph request: about a tenth of this process's CPU went to
// translating them in a profile. A stock gateway runs as plain JS without that, so the baseline
// does too (our gateway, served under tsx, reads no stack per request).
process.setSourceMapsEnabled(false);
const server = new ApolloServer({ gateway });
const { url } = await startStandaloneServer(server, { listen: { host: '127.0.0.1', port: 0 } });
process.send?.({ url });
// Exit (rather than die) on the bench's signal, so that a `--cpu-prof` profile gets written.
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => process.exit(0));
