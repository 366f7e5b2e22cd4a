import { describe, expect, it } from 'vitest';
import { createVerifierCaches } from '../../credentials/verify/caches.ts';
import { checkAccreditation, typeIdOf } from '../../credentials/verify/check-accreditation.ts';
import type { AccreditationEntry, AccreditationSource } from '../../credentials/verify/trust.ts';

/**
 * How the verifier keeps an issuer's accreditation history: read once, reused for issuance
 * times before the read, expired after ttlMs, and read again in the background when used late
 * in its life, so steady verification never waits on the ledger for an issuer it knows.
 */
const ISSUER = 'did:ethr:0x539:0x00000000000000000000000000000000000000e1';
const TTL = 10_000;
const options = { skewSeconds: 60, maxAnchorDelaySeconds: 3600, ttlMs: TTL };
const ISSUED = 1_700_000_000; // seconds; long before any clock below
const claims = { iss: ISSUER, nbf: ISSUED, types: ['DegreeCredential'] };
const accredited: AccreditationEntry = { credentialType: typeIdOf('DegreeCredential'), validFrom: ISSUED - 100, effectiveUntil: null };

/** A ledger whose answers the test releases one by one. */
function slowLedger(answer: () => AccreditationEntry[] | Error) {
  const waiting: Array<() => void> = [];
  let reads = 0;
  const source: AccreditationSource = {
    accreditations: () => {
      reads++;
      return new Promise((resolve, reject) => {
        waiting.push(() => {
          const value = answer();
          if (value instanceof Error) reject(value);
          else resolve(value);
        });
      });
    },
  };
  return {
    source,
    reads: () => reads,
    release: async () => {
      for (const go of waiting.splice(0)) go();
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

describe('accreditation history cache', () => {
  it('answers from the cache late in an entry\'s life while one background read refreshes it', async () => {
    let now = ISSUED * 1000 + 1_000_000;
    const caches = createVerifierCaches({ clock: () => now });
    const ledger = slowLedger(() => [accredited]);

    const first = checkAccreditation(claims, ISSUED + 5, ledger.source, caches, options);
    await ledger.release();
    expect(await first).toMatchObject({ ok: true });
    expect(ledger.reads()).toBe(1);

    // Early in its life: no read at all.
    now += 5_000;
    expect(await checkAccreditation(claims, ISSUED + 5, ledger.source, caches, options)).toMatchObject({ ok: true });
    expect(ledger.reads()).toBe(1);

    // In the last fifth: answered at once (the read is still pending), one background read for many uses.
    now += 3_500;
    const late = await Promise.all([1, 2, 3].map(() => checkAccreditation(claims, ISSUED + 5, ledger.source, caches, options)));
    expect(late.every((c) => c.ok)).toBe(true);
    expect(ledger.reads()).toBe(2);
    await ledger.release();

    // Past the first entry's expiry, the refreshed one answers without waiting.
    now += 3_000;
    expect(await checkAccreditation(claims, ISSUED + 5, ledger.source, caches, options)).toMatchObject({ ok: true });
    expect(ledger.reads()).toBe(2);
  });

  it('never uses an entry past its expiry: a failed background read leaves the failure to the next blocking read', async () => {
    let now = ISSUED * 1000 + 1_000_000;
    const caches = createVerifierCaches({ clock: () => now });
    let down = false;
    const ledger = slowLedger(() => (down ? new Error('ledger down') : [accredited]));

    const first = checkAccreditation(claims, ISSUED + 5, ledger.source, caches, options);
    await ledger.release();
    expect(await first).toMatchObject({ ok: true });

    down = true;
    now += 9_000;
    expect(await checkAccreditation(claims, ISSUED + 5, ledger.source, caches, options)).toMatchObject({ ok: true });
    await ledger.release(); // the background read fails quietly
    expect(ledger.reads()).toBe(2);

    now += 2_000; // the entry has expired: the verifier must ask, and the ledger is down
    const expired = checkAccreditation(claims, ISSUED + 5, ledger.source, caches, options);
    await ledger.release();
    expect(await expired).toMatchObject({ ok: false, code: 'RESOLUTION_UNAVAILABLE' });
    expect(ledger.reads()).toBe(3);
  });

  it('sees an accreditation ended by the refresh', async () => {
    let now = ISSUED * 1000 + 1_000_000;
    const caches = createVerifierCaches({ clock: () => now });
    let entries = [accredited];
    const ledger = slowLedger(() => entries);
    const first = checkAccreditation(claims, ISSUED + 5, ledger.source, caches, options);
    await ledger.release();
    expect(await first).toMatchObject({ ok: true });

    // Ended before the issuance time (e.g. a correction read from the chain by the refresh).
    entries = [{ ...accredited, effectiveUntil: ISSUED - 50 }];
    now += 8_500;
    await checkAccreditation(claims, ISSUED + 5, ledger.source, caches, options);
    await ledger.release();
    now += 100;
    // The refreshed history no longer covers the issuance: the verifier reads once more to be sure, then refuses.
    const after = checkAccreditation(claims, ISSUED + 5, ledger.source, caches, options);
    await ledger.release();
    expect(await after).toMatchObject({ ok: false, code: 'ISSUER_NOT_TRUSTED' });
    expect(ledger.reads()).toBe(3);
  });
});
