import { Wallet, parseEther } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDidResolver, didForAddress, rotateKey, type DidResolver } from '../../anchor/ledger/did.ts';
import { createDidVersionReader, type DidVersionReader } from '../../anchor/ledger/did-version.ts';
import { ensureFunded } from '../../anchor/ledger/funding.ts';
import { createProvider } from '../../anchor/ledger/rpc.ts';
import { createSubgraphTokenSigner, type DecisionContext } from '../../gateway/subgraph-client/subgraph-token.ts';
import { createGatewayTrust } from '../../subgraphs/kit/trust-gateway.ts';
import { startTestLedger, type TestLedger } from '../anchor/ledger-fixture.ts';

/**
 * Subgraphs trust only the gateway: a token signed by a trusted gateway DID, for this
 * department, for this request, unexpired; anything else is refused with its reason, and a
 * rotated-out gateway key stops working once the version cache expires.
 */
let ledger: TestLedger;
let resolver: DidResolver;
let versions: DidVersionReader;
let gatewayDid: string;
let gatewayKey: string;
const endpoint = () => ({ rpcUrl: ledger.current.url, chainId: ledger.current.chainId });
const registry = () => ledger.current.contracts.EthereumDIDRegistry.address;
const context: DecisionContext = { agency: 'did:ethr:0x539:0x00000000000000000000000000000000000a6e7c', purpose: 'audit', agreements: [3, 4], consentCategories: ['education.degree'], decision: 'abc123' };

beforeAll(async () => {
  ledger = await startTestLedger();
  resolver = createDidResolver({ ...endpoint(), registry: registry() });
  versions = createDidVersionReader({ ...endpoint(), registry: registry() });
  const wallet = await ledger.keystore.loadKey('gateway');
  gatewayDid = didForAddress(wallet.address, 1337);
  gatewayKey = wallet.privateKey;
});
afterAll(async () => {
  resolver?.close();
  versions?.close();
  await ledger?.cleanup();
});

const trustFor = (department = 'education', extra: Partial<Parameters<typeof createGatewayTrust>[0]> = {}) =>
  createGatewayTrust({ department, gatewayDids: [gatewayDid], resolver, versions, ...extra });

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

describe('gateway tokens for subgraph requests', () => {
  it('carries the signed decision context to the department it is for', async () => {
    const sign = createSubgraphTokenSigner({ gatewayDid, privateKey: gatewayKey });
    const verify = trustFor();
    expect(await verify(sign('education', 'req-1', context), 'req-1')).toEqual(context);
    // A second request is as good (keys cached by DID version).
    expect(await verify(sign('education', 'req-2', context), 'req-2')).toEqual(context);
  });

  it('signs the same tokens on the thread pool, low-S and distinct per call', async () => {
    const sign = createSubgraphTokenSigner({ gatewayDid, privateKey: gatewayKey });
    const verify = trustFor();
    const tokens = await Promise.all(Array.from({ length: 24 }, (_, i) => sign.inBackground('education', `bg-${i}`, context)));
    expect(new Set(tokens).size).toBe(24);
    for (const [i, token] of tokens.entries()) {
      expect(await verify(token, `bg-${i}`)).toEqual(context);
      // S in the low half of the order: the department refuses malleated (high-S) signatures.
      const signature = Buffer.from(token.split('.')[2]!, 'base64url');
      expect(BigInt(`0x${signature.subarray(32).toString('hex')}`) <= SECP256K1_N / 2n).toBe(true);
    }
    await expect(trustFor('finance')(tokens[0], 'bg-0')).rejects.toMatchObject({ reason: 'AUDIENCE_MISMATCH' });
  });

  it.each([
    ['no token', async () => trustFor()(undefined, 'r'), 'MISSING'],
    ['another department\'s token', async () => trustFor('finance')(createSubgraphTokenSigner({ gatewayDid, privateKey: gatewayKey })('education', 'r', context), 'r'), 'AUDIENCE_MISMATCH'],
    ['a token for another request', async () => trustFor()(createSubgraphTokenSigner({ gatewayDid, privateKey: gatewayKey })('education', 'r1', context), 'r2'), 'REQUEST_MISMATCH'],
    ['an expired token', async () => trustFor()(createSubgraphTokenSigner({ gatewayDid, privateKey: gatewayKey, now: () => Date.now() - 3_600_000 })('education', 'r', context), 'r'), 'EXPIRED'],
    ['a token from a key that is not a trusted gateway', async () => {
      const stranger = Wallet.createRandom();
      return trustFor()(createSubgraphTokenSigner({ gatewayDid: didForAddress(stranger.address, 1337), privateKey: stranger.privateKey })('education', 'r', context), 'r');
    }, 'ISSUER_NOT_TRUSTED'],
    ['a trusted gateway DID signed by another key', async () => trustFor()(createSubgraphTokenSigner({ gatewayDid, privateKey: Wallet.createRandom().privateKey })('education', 'r', context), 'r'), 'SIGNATURE_INVALID'],
    ['a widened decision (payload edited after signing)', async () => {
      const [header, , signature] = createSubgraphTokenSigner({ gatewayDid, privateKey: gatewayKey })('education', 'r', context).split('.');
      const claims = { iss: gatewayDid, aud: 'education', rid: 'r', ctx: { ...context, consentCategories: [] }, iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 60, jti: 'x' };
      return trustFor()(`${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`, 'r');
    }, 'SIGNATURE_INVALID'],
    ['an agency bearer token', async () => trustFor()('eyJhbGciOiJFUzI1NksiLCJ0eXAiOiJKV1QifQ.eyJpc3MiOiJ4In0.c2ln', 'r'), 'MALFORMED'],
  ])('refuses %s (%s)', async (_name, act, reason) => {
    await expect(act()).rejects.toMatchObject({ code: 'GATEWAY_TOKEN_INVALID', reason });
  });

  it('stops trusting a rotated-out gateway key once the version cache expires', async () => {
    const oldKey = await ledger.keystore.loadKey('gateway');
    const newKey = Wallet.createRandom();
    const provider = createProvider(endpoint());
    await ensureFunded({ provider, endpoint: endpoint(), funder: ledger.deployer, accounts: [newKey.address], topUp: parseEther('1'), minBalance: parseEther('1') });
    provider.destroy();
    const verify = trustFor('education', { versionTtlMs: 0 });
    const oldSigner = createSubgraphTokenSigner({ gatewayDid, privateKey: oldKey.privateKey });
    expect(await verify(oldSigner('education', 'before', context), 'before')).toEqual(context);
    await rotateKey({ ...endpoint(), registry: registry(), identity: oldKey.address, from: oldKey, to: newKey });
    await expect(verify(oldSigner('education', 'after', context), 'after')).rejects.toMatchObject({ reason: 'SIGNATURE_INVALID' });
    const newSigner = createSubgraphTokenSigner({ gatewayDid, privateKey: newKey.privateKey });
    expect(await verify(newSigner('education', 'new', context), 'new')).toEqual(context);
  });
});
