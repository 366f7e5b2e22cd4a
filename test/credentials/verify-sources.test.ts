import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceError } from '../../credentials/verify/errors.ts';
import { httpProofSource } from '../../credentials/verify/http-proof-source.ts';
import { httpStatusListSource, maxAgeOf } from '../../credentials/verify/http-status-list-source.ts';
import { LruMap } from '../../credentials/verify/lru-map.ts';
import { memoryNonceStore } from '../../credentials/verify/memory-sources.ts';
import { typeIdOf } from '../../credentials/verify/check-accreditation.ts';
import { checkAnchorProof } from '../../credentials/verify/check-anchor-proof.ts';
import { credentialTypeId } from '../../anchor/ledger/trusted-issuers.ts';
import { keccak256, toUtf8Bytes } from 'ethers';

/**
 * The verifier's HTTP sources against a real local server (size caps, redirects, timeouts,
 * status codes, Cache-Control), and its small building blocks.
 */

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
let handler: Handler = (_req, res) => res.end();
let server: http.Server;
let base: string;
const seen: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push(req.url ?? '');
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const JWT = 'eyJhbGciOiJFUzI1NksifQ.eyJpc3MiOiJkaWQ6ZXRocjoweDUzOToweDAwIn0.c2ln';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'NO_ERROR';
  } catch (error) {
    return error instanceof SourceError ? error.code : `OTHER: ${(error as Error).message}`;
  }
}

describe('httpStatusListSource', () => {
  it('fetches a compact JWT with its max-age', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/jwt', 'cache-control': 'public, max-age=30' });
      res.end(`${JWT}\n`);
    };
    expect(await httpStatusListSource().fetchStatusList(`${base}/status/education/revocation`)).toEqual({ jwt: JWT, maxAgeSeconds: 30 });
  });

  it('refuses what is not a list credential: errors, redirects, non-JWT bodies, oversized bodies, other schemes', async () => {
    const source = httpStatusListSource({ maxBytes: 4096, timeoutMs: 500 });
    handler = (_req, res) => (res.writeHead(404), res.end('no'));
    expect(await codeOf(source.fetchStatusList(`${base}/a`))).toBe('SOURCE_REFUSED');
    handler = (_req, res) => (res.writeHead(503), res.end());
    expect(await codeOf(source.fetchStatusList(`${base}/a`))).toBe('SOURCE_UNAVAILABLE');
    handler = (_req, res) => (res.writeHead(302, { location: 'http://169.254.169.254/' }), res.end());
    expect(await codeOf(source.fetchStatusList(`${base}/a`))).toBe('SOURCE_UNAVAILABLE');
    handler = (_req, res) => (res.writeHead(200), res.end('<html>hello</html>'));
    expect(await codeOf(source.fetchStatusList(`${base}/a`))).toBe('SOURCE_REFUSED');
    // Declared too large, and streamed too large without a length.
    handler = (_req, res) => (res.writeHead(200, { 'content-length': 10_000 }), res.end('x'.repeat(10_000)));
    expect(await codeOf(source.fetchStatusList(`${base}/a`))).toBe('SOURCE_TOO_LARGE');
    handler = (_req, res) => {
      res.writeHead(200, { 'transfer-encoding': 'chunked' });
      const timer = setInterval(() => res.write('y'.repeat(1024)), 1);
      res.on('close', () => clearInterval(timer));
    };
    expect(await codeOf(source.fetchStatusList(`${base}/a`))).toBe('SOURCE_TOO_LARGE');
    // A server that never answers.
    handler = () => {};
    expect(await codeOf(source.fetchStatusList(`${base}/slow`))).toBe('SOURCE_UNAVAILABLE');
    for (const url of ['file:///etc/passwd', 'ftp://example.org/list', 'not a url', 'data:text/plain,eyJ']) {
      expect(await codeOf(source.fetchStatusList(url))).toBe('SOURCE_URL_INVALID');
    }
  });

  it('reads Cache-Control as RFC 9111 says', () => {
    expect(maxAgeOf(null)).toBeUndefined();
    expect(maxAgeOf('public')).toBeUndefined();
    expect(maxAgeOf('public, max-age=60')).toBe(60);
    expect(maxAgeOf('max-age="15"')).toBe(15);
    expect(maxAgeOf('max-age=60, no-store')).toBe(0);
    expect(maxAgeOf('no-cache')).toBe(0);
    expect(maxAgeOf('max-age=-1')).toBeUndefined();
  });
});

describe('httpProofSource', () => {
  it('asks /credentials/<jti>/proof?issuer=<did>, URL-encoded', async () => {
    handler = (_req, res) => (res.writeHead(200, { 'content-type': 'application/json' }), res.end(JSON.stringify({ status: 'PENDING_ANCHOR' })));
    const source = httpProofSource(`${base}/`);
    expect(await source.credentialProof('did:ethr:0x539:0xabc', 'urn:govshare:vc:a/b?c')).toEqual({ status: 'PENDING_ANCHOR' });
    expect(seen.at(-1)).toBe('/credentials/urn%3Agovshare%3Avc%3Aa%2Fb%3Fc/proof?issuer=did%3Aethr%3A0x539%3A0xabc');
  });

  it('takes a 404 as UNKNOWN only when it says so; anything else is an outage', async () => {
    const source = httpProofSource(base, { timeoutMs: 500 });
    handler = (_req, res) => (res.writeHead(404, { 'content-type': 'application/json' }), res.end(JSON.stringify({ status: 'UNKNOWN' })));
    expect(await source.credentialProof('did:x:y', 'j')).toEqual({ status: 'UNKNOWN' });
    handler = (_req, res) => (res.writeHead(404), res.end('Not Found'));
    expect(await codeOf(source.credentialProof('did:x:y', 'j'))).toBe('SOURCE_REFUSED');
    handler = (_req, res) => (res.writeHead(500), res.end('{}'));
    expect(await codeOf(source.credentialProof('did:x:y', 'j'))).toBe('SOURCE_UNAVAILABLE');
    handler = (_req, res) => (res.writeHead(200), res.end('{"no":"status"}'));
    expect(await codeOf(source.credentialProof('did:x:y', 'j'))).toBe('SOURCE_REFUSED');
    expect(await codeOf(httpProofSource('http://127.0.0.1:1').credentialProof('did:x:y', 'j'))).toBe('SOURCE_UNAVAILABLE');
  });
});

describe('building blocks', () => {
  it('memoryNonceStore: single use within the ttl, fail closed when full of live nonces', async () => {
    let clock = 1_000_000;
    const store = memoryNonceStore({ clock: () => clock, maxEntries: 2 });
    expect(await store.consume('a', 10)).toBe(true);
    expect(await store.consume('a', 10)).toBe(false);
    expect(await store.consume('b', 10)).toBe(true);
    await expect(store.consume('c', 10)).rejects.toThrow(/too many/);
    clock += 10_001;
    expect(await store.consume('c', 10)).toBe(true);
    expect(await store.consume('a', 10)).toBe(true);
  });

  it('LruMap: bounded, least recently used out first, entries expire on the clock', () => {
    let clock = 0;
    const map = new LruMap<number>({ maxEntries: 2, clock: () => clock });
    map.set('a', 1);
    map.set('b', 2);
    expect(map.get('a')).toBe(1);
    map.set('c', 3);
    expect(map.get('b')).toBeUndefined();
    expect([map.get('a'), map.get('c')]).toEqual([1, 3]);
    map.set('d', 4, 100);
    clock = 99;
    expect(map.get('d')).toBe(4);
    clock = 100;
    expect(map.get('d')).toBeUndefined();
  });

  it('typeIdOf: the name packed in bytes32, keccak256 of a longer one', () => {
    expect(typeIdOf('DegreeCredential')).toBe(credentialTypeId('DegreeCredential'));
    const long = 'https://example.gov/credentials/v1#SomeVeryLongCredentialTypeName';
    expect(typeIdOf(long)).toBe(keccak256(toUtf8Bytes(long)));
  });

  it('checkAnchorProof: refuses proofs that cannot be right before any ledger call', () => {
    const iss = 'did:ethr:0x539:0x0000000000000000000000000000000000000001';
    const good = {
      logId: 'education',
      digest: 'a'.repeat(64),
      leafIndex: 0,
      treeSize: 1,
      auditPath: [],
      checkpoint: { logId: 'education', treeSize: 1, root: 'b'.repeat(64), signed: 'x.y.z', signer: iss, anchor: {} },
    };
    const codeFor = (proof: unknown) => checkAnchorProof({ status: 'ANCHORED', proof }, iss).check;
    expect(codeFor({ ...good, leafIndex: 1 })).toMatchObject({ code: 'NOT_ANCHORED' });
    expect(codeFor({ ...good, digest: 'A'.repeat(64) })).toMatchObject({ code: 'NOT_ANCHORED' });
    expect(codeFor({ ...good, auditPath: Array(65).fill('c'.repeat(64)) })).toMatchObject({ code: 'NOT_ANCHORED' });
    expect(codeFor({ ...good, checkpoint: { ...good.checkpoint, treeSize: 2 } })).toMatchObject({ code: 'NOT_ANCHORED' });
    expect(codeFor({ ...good, checkpoint: { ...good.checkpoint, signer: 'did:ethr:0x539:0x0000000000000000000000000000000000000002' } })).toMatchObject({ code: 'NOT_ANCHORED' });
    expect(codeFor(good)).toMatchObject({ code: 'NOT_ANCHORED', detail: expect.stringMatching(/ES256K-R|compact JWS|JSON/) });
    expect(checkAnchorProof({ status: 'PENDING_INTEGRATION' }, iss).check).toMatchObject({ code: 'ANCHOR_PENDING' });
    expect(checkAnchorProof({ status: 'UNKNOWN' }, iss).check).toMatchObject({ code: 'NOT_ANCHORED' });
  });
});
