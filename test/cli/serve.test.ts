import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { didForAddress } from '../../anchor/ledger/did.ts';
import { createSubgraphTokenSigner, SUBGRAPH_TOKEN_HEADER, type SubgraphTokenSigner } from '../../gateway/subgraph-client/subgraph-token.ts';
import { startTestLedger, TEST_PASSPHRASE, type TestLedger } from '../anchor/ledger-fixture.ts';
import { gql } from '../support/graphql.ts';
import { freePort, runCli, type CliProcess } from '../support/processes.ts';

/**
 * One department run alone, as an operator would on its own host: it answers only its
 * gateway (the keystore's gateway key, checked on the ledger), a committed write survives a
 * killed process, and a second process on the same data dir is refused instead of silently
 * losing writes.
 */
describe('govshare serve finance', () => {
  let ledger: TestLedger;
  let dataDir: string;
  let port: number;
  let sign: SubgraphTokenSigner;
  const processes: CliProcess[] = [];

  beforeAll(async () => {
    // The department's data dir holds the ledger's deployment record and the keystore, as on a host set up by `govshare up`.
    ledger = await startTestLedger();
    dataDir = ledger.dataDir;
    port = await freePort();
    const gateway = await ledger.keystore.loadKey('gateway');
    sign = createSubgraphTokenSigner({ gatewayDid: didForAddress(gateway.address, 1337), privateKey: gateway.privateKey });
  });

  afterAll(async () => {
    for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await Promise.all(processes.map((p) => p.exited));
    await ledger?.cleanup();
  });

  const env = (extra: Record<string, string> = {}) => ({
    GOVSHARE_DATA_DIR: dataDir,
    GOVSHARE_KEYSTORE_PASSPHRASE: TEST_PASSPHRASE,
    LEDGER_PORT: new URL(ledger.current.url).port,
    GOVSHARE_LOG_LEVEL: 'info',
    ...extra,
  });
  const serve = () => {
    const p = runCli(['serve', 'finance'], env({ PORT: String(port) }));
    processes.push(p);
    return p;
  };
  const url = () => `http://127.0.0.1:${port}/graphql`;
  /** A call as the gateway makes it: its token for finance, bound to this request's id. */
  const asGateway = (query: string, variables?: Record<string, unknown>) => {
    const rid = randomUUID();
    return gql(url(), query, variables, { 'x-request-id': rid, [SUBGRAPH_TOKEN_HEADER]: sign('finance', rid, { agency: null, purpose: null, agreements: [], consentCategories: [], decision: 'test' }) });
  };
  /** Served, and able to check gateway tokens (the ledger answered). */
  const ready = async () => {
    for (let i = 0; i < 120; i++) {
      if ((await fetch(`http://127.0.0.1:${port}/ready`).catch(() => undefined))?.status === 200) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error('finance did not become ready');
  };
  const did = 'did:ethr:0x539:0x00000000000000000000000000000000000000aa';

  it('keeps a committed write when the process is killed', async () => {
    const first = serve();
    await first.waitFor(/subgraph listening/);
    await ready();
    const written = await asGateway('mutation($input: RegisterTaxpayerInput!) { registerTaxpayer(input: $input) { citizen { did name } } }', {
      input: { did, name: 'Zhou Min', taxNumber: 'CRASH-TEST-1' },
    });
    expect(written.errors).toBeUndefined();
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');

    const second = serve();
    await second.waitFor(/subgraph listening/);
    await ready();
    const read = await asGateway('query($did: DID!) { citizen(did: $did) { name taxNumber } }', { did });
    expect(read.data!.citizen).toEqual({ name: 'Zhou Min', taxNumber: 'CRASH-TEST-1' });
  });

  it('refuses a second process on the same data dir with DATA_DIR_LOCKED', async () => {
    const intruder = runCli(['serve', 'finance'], env({ PORT: '0' }));
    processes.push(intruder);
    const { code } = await intruder.exited;
    expect(code).toBe(1);
    expect(intruder.output()).toMatch(/DATA_DIR_LOCKED: .*finance is in use by process \d+/);
    // The holder is unharmed.
    const read = await asGateway('query($did: DID!) { citizen(did: $did) { name } }', { did });
    expect(read.data!.citizen.name).toBe('Zhou Min');
  });

  it('answers GraphQL only with a token of its gateway', async () => {
    const direct = await gql(url(), 'query($did: DID!) { citizen(did: $did) { name } }', { did });
    expect(direct.status).toBe(401);
    expect(direct.errors?.[0]?.extensions).toEqual({ code: 'GATEWAY_TOKEN_INVALID', reason: 'MISSING' });
    const rid = randomUUID();
    const elsewhere = await gql(url(), '{ __typename }', undefined, { 'x-request-id': rid, [SUBGRAPH_TOKEN_HEADER]: sign('education', rid, { agency: null, purpose: null, agreements: [], consentCategories: [], decision: 'test' }) });
    expect(elsewhere.errors?.[0]?.extensions).toEqual({ code: 'GATEWAY_TOKEN_INVALID', reason: 'AUDIENCE_MISMATCH' });
    // The composition query the gateway sends at start needs no token.
    expect((await gql(url(), '{ _service { sdl } }')).data!._service.sdl).toContain('registerFinanceConsent');
  });

  it('stops cleanly on SIGTERM outside tests too: it closes everything itself and exits 0', async () => {
    // The holder from the tests above runs under vitest's NODE_ENV=test; end it first.
    const holders = processes.filter((p) => p.child.exitCode === null && p.child.signalCode === null);
    expect(holders).toHaveLength(1);
    holders[0]!.child.kill('SIGTERM');
    expect(await holders[0]!.exited).toEqual({ code: 0, signal: null });
    // Apollo Server installs its own SIGTERM handler unless NODE_ENV is 'test'; it used to
    // re-raise the signal and kill the process before `govshare serve` had closed anything.
    const production = runCli(['serve', 'finance'], env({ PORT: String(port), NODE_ENV: 'production' }));
    processes.push(production);
    await production.waitFor(/subgraph listening/);
    await ready();
    production.child.kill('SIGTERM');
    expect(await production.exited).toEqual({ code: 0, signal: null });
    // Closed properly: the next process opens the same data dir at once and has the data.
    const next = serve();
    await next.waitFor(/subgraph listening/);
    await ready();
    expect((await asGateway('query($did: DID!) { citizen(did: $did) { name } }', { did })).data!.citizen.name).toBe('Zhou Min');
  });
});
