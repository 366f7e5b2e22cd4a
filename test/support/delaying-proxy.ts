import http from 'node:http';

/** Headers that belong to one hop, not to the request the proxy forwards. */
const HOP_BY_HOP = new Set(['host', 'connection', 'keep-alive', 'content-length', 'transfer-encoding', 'content-encoding']);

/**
 * A proxy in front of a department that holds every request `ms` before forwarding it, so that
 * a gateway's concurrent fetches to it always find one of theirs in flight (and merge). Counts
 * the POSTs (GraphQL requests) it forwarded. `failPosts(true)`: every later POST is answered 502,
 * as by a department that broke down.
 */
export async function delayingProxy(target: string, ms: number) {
  let posts = 0;
  let failing = false;
  const server = http.createServer(async (req, res) => {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      if (req.method === 'POST') posts++;
      await new Promise((resolve) => setTimeout(resolve, ms));
      if (failing && req.method === 'POST') return void res.writeHead(502).end('department down');
      const headers = Object.entries(req.headers).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && !HOP_BY_HOP.has(entry[0]));
      const answer = await fetch(target, { method: req.method, headers, ...(chunks.length > 0 && { body: Buffer.concat(chunks) }) });
      res.writeHead(answer.status, Object.fromEntries([...answer.headers].filter(([name]) => !HOP_BY_HOP.has(name))));
      res.end(Buffer.from(await answer.arrayBuffer()));
    } catch (error) {
      res.writeHead(502).end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    posts: () => posts,
    failPosts: (fail: boolean) => {
      failing = fail;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
