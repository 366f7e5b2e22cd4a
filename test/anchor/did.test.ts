import { SigningKey, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addressOfDid,
  createDidRegistryWriter,
  createDidResolver,
  didForAddress,
  identityAddress,
  identityOwner,
  networkName,
  rotateKey,
  type DidResolver,
} from '../../anchor/ledger/did.ts';
import { ensureFunded } from '../../anchor/ledger/funding.ts';
import { createProvider } from '../../anchor/ledger/rpc.ts';
import { startTestLedger, type TestLedger } from './ledger-fixture.ts';

let ledger: TestLedger;
let resolver: DidResolver;
const endpoint = () => ({ rpcUrl: ledger.current.url, chainId: ledger.current.chainId });
const registry = () => ledger.current.contracts.EthereumDIDRegistry.address;
const compressed = (publicKey: string) => SigningKey.computePublicKey(publicKey, true).slice(2);

async function fund(...accounts: string[]): Promise<void> {
  const provider = createProvider(endpoint());
  try {
    await ensureFunded({ provider, endpoint: endpoint(), funder: ledger.deployer, accounts });
  } finally {
    provider.destroy();
  }
}

beforeAll(async () => {
  ledger = await startTestLedger();
  resolver = createDidResolver({ ...endpoint(), registry: registry() });
});
afterAll(async () => {
  resolver?.close();
  await ledger?.cleanup();
});

describe('did:ethr on the embedded ledger', () => {
  it('names DIDs with the hex chain id and parses them back', () => {
    expect(networkName(1337)).toBe('0x539');
    const address = ledger.keystore.address('education');
    const did = didForAddress(address, 1337);
    expect(did).toBe(`did:ethr:0x539:${address.toLowerCase()}`);
    expect(addressOfDid(`${did}?versionId=3`)).toEqual({ address, network: '0x539' });
    expect(identityAddress(did)).toBe(address);
    expect(() => addressOfDid('did:key:z6Mk')).toThrow(expect.objectContaining({ code: 'DID_INVALID' }));
  });

  it('resolves a department DID to a document controlled by its key', async () => {
    const address = ledger.keystore.address('education');
    const did = didForAddress(address, 1337);
    const { document } = await resolver.resolveDocument(did);
    expect(document.id).toBe(did);
    const controller = document.verificationMethod?.find((m) => m.id === `${did}#controller`);
    expect(controller).toMatchObject({ type: 'EcdsaSecp256k1RecoveryMethod2020', blockchainAccountId: `eip155:1337:${address}` });
    expect(document.authentication).toContain(`${did}#controller`);
    expect(document.assertionMethod).toContain(`${did}#controller`);
    // A decimal chain id is another network to the resolver, not ours.
    await expect(resolver.resolveDocument(`did:ethr:1337:${address}`)).rejects.toMatchObject({ code: 'DID_UNKNOWN_NETWORK' });
  });

  it('publishes a key, adds and revokes a delegate, sets and revokes an attribute', async () => {
    const key = await ledger.keystore.loadKey('finance');
    const did = didForAddress(key.address, 1337);
    const writer = createDidRegistryWriter({ ...endpoint(), registry: registry(), signer: key });
    try {
      await writer.publishKey(key.address, key.signingKey.publicKey);
      let { document } = await resolver.resolveDocument(did);
      const published = document.verificationMethod?.find((m) => m.publicKeyHex === compressed(key.signingKey.publicKey));
      expect(published).toBeDefined();
      expect(document.assertionMethod).toContain(published!.id);

      const delegate = Wallet.createRandom();
      await writer.addDelegate(key.address, { type: 'sigAuth', address: delegate.address, validitySeconds: 3600 });
      ({ document } = await resolver.resolveDocument(did));
      const delegated = document.verificationMethod?.find((m) => m.blockchainAccountId === `eip155:1337:${delegate.address}`);
      expect(delegated).toBeDefined();
      expect(document.authentication).toContain(delegated!.id);
      await writer.revokeDelegate(key.address, { type: 'sigAuth', address: delegate.address });
      // ERC-1056 revokes a delegate by setting its validity to the block's timestamp: it stays
      // valid for the rest of that second (an attribute revocation takes effect at once).
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      ({ document } = await resolver.resolveDocument(did));
      expect(document.verificationMethod?.some((m) => m.blockchainAccountId === `eip155:1337:${delegate.address}`)).toBe(false);

      await writer.setAttribute(key.address, { name: 'did/svc/GovshareSubgraph', value: 'http://127.0.0.1:4102/graphql', validitySeconds: 3600 });
      ({ document } = await resolver.resolveDocument(did));
      expect(document.service).toEqual([expect.objectContaining({ type: 'GovshareSubgraph', serviceEndpoint: 'http://127.0.0.1:4102/graphql' })]);
      await writer.revokeAttribute(key.address, { name: 'did/svc/GovshareSubgraph', value: 'http://127.0.0.1:4102/graphql' });
      ({ document } = await resolver.resolveDocument(did));
      expect(document.service ?? []).toEqual([]);
    } finally {
      writer.close();
    }
  });

  it('rotates a key: the old key loses control, history still shows it before the change', async () => {
    const oldKey = await ledger.keystore.loadKey('justice');
    const newKey = Wallet.createRandom();
    await fund(newKey.address);
    const identity = oldKey.address;
    const did = didForAddress(identity, 1337);

    const writer = createDidRegistryWriter({ ...endpoint(), registry: registry(), signer: oldKey });
    const published = await writer.publishKey(identity, oldKey.signingKey.publicKey);
    writer.close();

    const { changeOwner } = await rotateKey({ ...endpoint(), registry: registry(), identity, from: oldKey, to: newKey });
    expect(await identityOwner({ ...endpoint(), registry: registry(), identity })).toBe(newKey.address);

    // Now: controlled by the new key; the old published key is revoked, the new one published.
    const now = await resolver.resolveDocument(did);
    const controller = now.document.verificationMethod?.find((m) => m.id === `${did}#controller`);
    expect(controller?.blockchainAccountId).toBe(`eip155:1337:${newKey.address}`);
    const keys = now.document.verificationMethod?.map((m) => m.publicKeyHex).filter(Boolean);
    expect(keys).toEqual([compressed(newKey.signingKey.publicKey)]);

    // As of the block before the owner change (e.g. a credential anchored then): the old key.
    const before = await resolver.resolveDocument(did, { versionId: changeOwner.blockNumber - 1 });
    const oldController = before.document.verificationMethod?.find((m) => m.id === `${did}#controller`);
    expect(oldController?.blockchainAccountId).toBe(`eip155:1337:${oldKey.address}`);
    const atPublish = await resolver.resolveDocument(did, { versionId: published.blockNumber });
    expect(atPublish.document.verificationMethod?.some((m) => m.publicKeyHex === compressed(oldKey.signingKey.publicKey))).toBe(true);
    expect(atPublish.metadata.nextVersionId).toBeDefined();
    // At the change's own block the new owner is in force.
    const atChange = await resolver.resolveDocument(did, { versionId: changeOwner.blockNumber });
    expect(atChange.document.verificationMethod?.find((m) => m.id === `${did}#controller`)?.blockchainAccountId).toBe(`eip155:1337:${newKey.address}`);

    // The old key can no longer act for the DID.
    const stale = createDidRegistryWriter({ ...endpoint(), registry: registry(), signer: oldKey });
    await expect(stale.changeOwner(identity, oldKey.address)).rejects.toMatchObject({ code: 'DID_NOT_CONTROLLER' });
    stale.close();
  });

  it('says clearly when a DID owner has no gas for its transaction', async () => {
    const pauper = Wallet.createRandom();
    const writer = createDidRegistryWriter({ ...endpoint(), registry: registry(), signer: pauper });
    await expect(writer.publishKey(pauper.address, pauper.signingKey.publicKey)).rejects.toMatchObject({ code: 'LEDGER_INSUFFICIENT_FUNDS' });
    writer.close();
  });

  it('reports RESOLUTION_UNAVAILABLE (never "not found") when the RPC is down', async () => {
    const did = didForAddress(ledger.keystore.address('gateway'), 1337);
    await ledger.stop();
    await expect(resolver.resolve(did)).rejects.toMatchObject({ code: 'RESOLUTION_UNAVAILABLE' });
    await expect(resolver.resolveDocument(did, { versionId: 3 })).rejects.toMatchObject({ code: 'RESOLUTION_UNAVAILABLE' });
    const key = await ledger.keystore.loadKey('gateway');
    const writer = createDidRegistryWriter({ ...endpoint(), registry: registry(), signer: key });
    await expect(writer.publishKey(key.address, key.signingKey.publicKey)).rejects.toMatchObject({ code: 'LEDGER_UNAVAILABLE' });
    writer.close();
  });
});
