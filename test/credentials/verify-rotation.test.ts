import { SigningKey, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERIKEY_ATTRIBUTE } from '../../anchor/ledger/did.ts';
import { keySetOf } from '../../credentials/verify/issuer-keys.ts';
import { createLedgerTrust } from '../../credentials/verify/ledger-trust.ts';
import { verifyCredential } from '../../credentials/verify/verify-credential.ts';
import { createVerifier, type Verifier } from '../../credentials/verify/verifier.ts';
import { createWorld, firstFailure, type World } from './support/credential-world.ts';

/**
 * Key rotation, both ways (DESIGN.md "Trust model": a key counts if it was valid in the issuer's
 * DID document at the anchoring block), and the ledger going away. Real ERC-1056 transactions on
 * the embedded ledger: changeOwner, setAttribute / revokeAttribute of a published key.
 */

let world: World;
let verifier: Verifier;

beforeAll(async () => {
  world = await createWorld();
  verifier = createVerifier(world.trust);
});
afterAll(async () => {
  await world?.close();
});

async function resolvedSet(did: string, versionId: number) {
  const { document } = await world.trust.dids.resolveDocument(did, { versionId });
  return keySetOf(document, 'assertionMethod', versionId);
}

const cold = (jwt: string, options: Parameters<typeof verifyCredential>[2] = {}) => verifyCredential(jwt, world.trust, options);

describe('key rotation', () => {
  it('changeOwner: old credentials stay valid, the rotated-out key cannot sign new ones, the new key can', async () => {
    const issuer = await world.freshIssuer('rotating', ['DegreeCredential']);
    const old = await issuer.issue();
    await issuer.anchor();
    expect((await verifier.verifyCredential(old.jwt)).valid).toBe(true);

    const oldKey = issuer.controller;
    const newKey = Wallet.createRandom();
    await world.fund(newKey.address);
    await world.registry(oldKey).changeOwner(issuer.address, newKey.address);
    issuer.controller = newKey;
    issuer.signingKey = newKey;
    // Status lists are checked against the latest document: the department re-signs them.
    await issuer.publishLists();

    // Someone still holding the old key signs a credential; the department's log anchors it.
    const stale = await issuer.issue({ key: oldKey });
    await issuer.anchor();
    for (const report of [await cold(stale.jwt), await verifier.verifyCredential(stale.jwt)]) {
      expect(firstFailure(report), JSON.stringify(report.checks.at(-1))).toMatchObject({ id: 'signature', code: 'KEY_NOT_VALID_AT_ANCHOR_TIME' });
    }
    // The old credential was anchored while the old key was the controller: still valid, cold and warm.
    expect((await cold(old.jwt)).valid).toBe(true);
    expect((await verifier.verifyCredential(old.jwt)).valid).toBe(true);
    // The new key signs new credentials.
    const fresh = await issuer.issue();
    await issuer.anchor();
    expect((await cold(fresh.jwt)).valid).toBe(true);

    // A checkpoint signed with the rotated-out key anchors nothing.
    const badCheckpoint = await issuer.issue();
    await issuer.anchor({ checkpointKey: oldKey });
    expect(firstFailure(await cold(badCheckpoint.jwt))).toMatchObject({ id: 'checkpoint-signature', code: 'NOT_ANCHORED' });

    // A status list still signed with the rotated-out key (a stale copy) is not the issuer's word any more.
    await issuer.publishLists({ key: oldKey });
    expect(firstFailure(await cold(old.jwt))).toMatchObject({ id: 'status', code: 'STATUS_UNAVAILABLE' });
    await issuer.publishLists();
    expect((await cold(old.jwt)).valid).toBe(true);
  });

  it('revokeAttribute: a published key counts from its publication to its revocation', async () => {
    const issuer = await world.freshIssuer('publishing', ['DegreeCredential']);
    const published = Wallet.createRandom();
    const writer = world.registry(issuer.controller);
    await writer.publishKey(issuer.address, published.signingKey.publicKey);
    issuer.signingKey = published;
    const during = await issuer.issue();
    await issuer.anchor();
    const report = await cold(during.jwt);
    expect(report.valid).toBe(true);
    expect(report.checks.find((c) => c.id === 'signature')?.detail).toMatch(/#delegate-\d+$/);

    await writer.revokeAttribute(issuer.address, { name: VERIKEY_ATTRIBUTE, value: SigningKey.computePublicKey(published.signingKey.publicKey, true) });
    const after = await issuer.issue();
    await issuer.anchor();
    expect(firstFailure(await cold(after.jwt))).toMatchObject({ id: 'signature', code: 'KEY_NOT_VALID_AT_ANCHOR_TIME' });
    expect(firstFailure(await verifier.verifyCredential(after.jwt))).toMatchObject({ id: 'signature', code: 'KEY_NOT_VALID_AT_ANCHOR_TIME' });
    expect((await cold(during.jwt)).valid).toBe(true);
  });

  it('a key published only after the anchoring does not count for what was anchored before', async () => {
    const issuer = await world.freshIssuer('early', ['DegreeCredential']);
    const later = Wallet.createRandom();
    const early = await issuer.issue({ key: later });
    await issuer.anchor();
    // Unknown key: nothing in the issuer's history signed it.
    expect(firstFailure(await cold(early.jwt))).toMatchObject({ id: 'signature', code: 'SIGNATURE_INVALID' });
    await world.registry(issuer.controller).publishKey(issuer.address, later.signingKey.publicKey);
    // Now the latest document lists it, but not as of the anchoring block.
    const report = await cold(early.jwt);
    expect(firstFailure(report)).toMatchObject({ id: 'signature', code: 'KEY_NOT_VALID_AT_ANCHOR_TIME' });
    expect(report.checks.find((c) => !c.ok)?.detail).toMatch(/only after the anchoring block/);
    // Credentials anchored after the publication verify with it.
    issuer.signingKey = later;
    const next = await issuer.issue();
    await issuer.anchor();
    expect((await cold(next.jwt)).valid).toBe(true);
  });
});

describe('the ledger goes away', () => {
  it('RESOLUTION_UNAVAILABLE wherever the ledger is needed: never valid, never an unknown DID', async () => {
    const education = await world.department('education');
    const known = await education.issue();
    const sameCheckpoint = await education.issue();
    const keysDropped = await education.issue();
    await education.anchor();
    const unseen = await education.issue();
    await education.anchor();
    let clock = Date.now();
    const timed = createVerifier(world.trust, { clock: () => clock, accreditationTtlMs: 60_000 });
    expect((await timed.verifyCredential(known.jwt)).valid).toBe(true);

    // One source down at a time (the others up): each says RESOLUTION_UNAVAILABLE at its own check.
    const contracts = world.ledger.current.contracts;
    const dead = { rpcUrl: 'http://127.0.0.1:1', chainId: world.chainId };
    const deadLedger = createLedgerTrust({ ...dead, contracts: { EthereumDIDRegistry: contracts.EthereumDIDRegistry.address, Anchor: contracts.Anchor.address, TrustedIssuers: contracts.TrustedIssuers.address }, timeoutMs: 2_000 });
    try {
      const keysDown = await verifyCredential(keysDropped.jwt, { ...world.trust, dids: deadLedger.dids });
      expect(firstFailure(keysDown)).toMatchObject({ id: 'issuer-keys', code: 'RESOLUTION_UNAVAILABLE' });
      const accreditationsDown = await verifyCredential(keysDropped.jwt, { ...world.trust, accreditations: deadLedger.accreditations });
      expect(firstFailure(accreditationsDown)).toMatchObject({ id: 'issuer-accredited', code: 'RESOLUTION_UNAVAILABLE' });
      const statusKeysDown = createVerifier({ ...world.trust, dids: deadLedger.dids });
      statusKeysDown.caches.assertionKeys.set(education.did, education.checkpoints.at(-2)!.receipt.blockNumber, (await resolvedSet(education.did, education.checkpoints.at(-2)!.receipt.blockNumber)));
      expect(firstFailure(await statusKeysDown.verifyCredential(keysDropped.jwt))).toMatchObject({ id: 'status', code: 'RESOLUTION_UNAVAILABLE' });
    } finally {
      deadLedger.close();
    }

    await world.ledger.stop();

    // Cold: the first chain read (the anchored checkpoint) cannot be made.
    expect(firstFailure(await cold(known.jwt))).toMatchObject({ id: 'anchored', code: 'RESOLUTION_UNAVAILABLE' });
    // Warm verifier, a credential in a checkpoint it has not seen: same.
    expect(firstFailure(await timed.verifyCredential(unseen.jwt))).toMatchObject({ id: 'anchored', code: 'RESOLUTION_UNAVAILABLE' });
    // In a checkpoint it has seen (on chain for good), at a block whose keys it holds: no ledger needed.
    expect((await timed.verifyCredential(sameCheckpoint.jwt)).valid).toBe(true);
    // Everything cached and still fresh: nothing needs the ledger (immutable facts, lists within their ttl).
    expect((await timed.verifyCredential(known.jwt)).valid).toBe(true);
    // The status list expires: checking its signature needs the issuer's latest document.
    clock += 31_000;
    expect(firstFailure(await timed.verifyCredential(known.jwt))).toMatchObject({ id: 'status', code: 'RESOLUTION_UNAVAILABLE' });
    // The accreditation history expires too.
    clock += 60_000;
    expect(firstFailure(await timed.verifyCredential(known.jwt))).toMatchObject({ id: 'issuer-accredited', code: 'RESOLUTION_UNAVAILABLE' });
  });
});
