/**
 * The P2 measurement, in a process of its own (forked by bench/verify.ts):
 * one embedded ledger (in its own child process, as the verifier tests run
 * it), accredited did:ethr issuers, genuine credentials logged and anchored
 * with signed status lists (test/credentials/support/credential-world.ts makes
 * them the way the departments do). Then, on the same credentials, in rounds:
 *
 * - ours: the full pipeline (`createVerifier`), caches warm, every check on;
 * - did-jwt-vc `verifyCredential` (proofPurpose assertionMethod) with its best
 *   configuration: a caching `Resolver` over ethr-did-resolver on a tuned
 *   ethers provider (no batching delay, no reply reuse);
 * - raw `crypto.verify` of the same signatures with ready KeyObjects (inputs
 *   decoded beforehand): the baseline issue 5 names, no decoding, no checks;
 * - the raw signature check our verifier itself uses (credentials/verify/es256k.ts:
 *   libsecp256k1 where the platform has it, else the same OpenSSL), reported
 *   beside it: against it, the ratio is what every other check costs.
 *
 * Each round runs them back to back, so a burst of other work on the
 * machine weighs on all of them alike; the parent takes medians.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { verifyCredential as didJwtVcVerify } from 'did-jwt-vc';
import { Resolver, type ResolverRegistry } from 'did-resolver';
import { getResolver } from 'ethr-did-resolver';
import { createProvider } from '../anchor/ledger/rpc.ts';
import { es256k } from '../credentials/verify/es256k.ts';
import { createVerifier } from '../credentials/verify/verifier.ts';
import { createWorld, type Issuer } from '../test/credentials/support/credential-world.ts';

export interface VerifyJob {
  credentials: number;
  issuers: number;
  rounds: number;
  /** Each timed measurement repeats its pass until this long has gone by: a few hundred ms would be at the mercy of one burst of other work. */
  minSeconds: number;
  /** did-jwt-vc verifies this many of the credentials per round (it is two orders slower). */
  didJwtVcSample: number;
}

export interface VerifyResult {
  credentials: number;
  issuers: number;
  checkpoints: number;
  minSeconds: number;
  /** How many of the credentials did-jwt-vc verifies per round. */
  didJwtVcSample: number;
  /** Our pipeline's first pass, caches cold (ledger reads included). */
  coldPerSecond: number;
  /** Per round, credentials per second. */
  ours: number[];
  didJwtVc: number[];
  raw: number[];
  /** The same signatures through the backend our verifier uses (es256k.ts). */
  rawBackend: number[];
  backend: string;
}

export type VerifyMessage = { type: 'done'; result: VerifyResult } | { type: 'failed'; error: string };

async function run(job: VerifyJob): Promise<VerifyResult> {
  const world = await createWorld();
  const provider = createProvider({ rpcUrl: world.ledger.current.url, chainId: world.chainId });
  try {
    const issuers: Issuer[] = [];
    for (let i = 0; i < job.issuers; i++) issuers.push(await world.freshIssuer(`bench-${i}`, ['DegreeCredential']));
    const credentials: Array<{ jwt: string; issuer: Issuer }> = [];
    for (let i = 0; i < job.credentials; i++) {
      const issuer = issuers[i % job.issuers]!;
      credentials.push({ jwt: (await issuer.issue()).jwt, issuer });
      // A few checkpoints per issuer, as a department anchoring every few seconds would make.
      if (i % (job.issuers * 25) === job.issuers * 25 - 1) await Promise.all(issuers.map((x) => x.anchor()));
    }
    await Promise.all(issuers.map((x) => x.anchor()));

    const verifier = createVerifier(world.trust);
    const oursPass = async () => {
      for (const { jwt } of credentials) {
        const report = await verifier.verifyCredential(jwt);
        if (!report.valid) throw new Error(`our verifier refused a genuine credential: ${JSON.stringify(report.checks.find((c) => !c.ok))}`);
      }
    };
    const began = performance.now();
    await oursPass();
    const coldPerSecond = job.credentials / ((performance.now() - began) / 1000);

    const keys = new Map(issuers.map((issuer) => [issuer.did, secp256k1PublicKey(issuer.signingKey.signingKey.publicKey)]));
    const raw = credentials.map(({ jwt, issuer }) => {
      const [header, payload, signature] = jwt.split('.') as [string, string, string];
      return { data: Buffer.from(`${header}.${payload}`, 'latin1'), signature: Buffer.from(signature, 'base64url'), key: keys.get(issuer.did)! };
    });
    const rawPass = async () => {
      for (const { data, signature, key } of raw) if (!verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature)) throw new Error('raw crypto.verify refused a genuine signature');
    };
    const rawBackendPass = async () => {
      for (const { data, signature, key } of raw) if (!es256k.verify(data, signature, key)) throw new Error(`raw ${es256k.backend} refused a genuine signature`);
    };

    // `as never`: ethr-did-resolver's Provider type is its own declaration of ethers' (anchor/ledger/did.ts does the same).
    const ethr = getResolver({ networks: [{ name: '0x539', chainId: world.chainId, provider: provider as never, registry: world.ledger.current.contracts.EthereumDIDRegistry.address }] });
    const resolver = new Resolver(ethr as unknown as ResolverRegistry, { cache: true });
    const sample = credentials.slice(0, job.didJwtVcSample);
    const didJwtVcPass = async () => {
      for (const { jwt } of sample) await didJwtVcVerify(jwt, resolver, { proofPurpose: 'assertionMethod' } as never);
    };
    // Its caches warm too: one document per issuer resolved before anything counts.
    for (const { jwt } of credentials.slice(0, job.issuers)) await didJwtVcVerify(jwt, resolver, { proofPurpose: 'assertionMethod' } as never);
    await oursPass();
    await rawPass();
    await rawBackendPass();

    const result: VerifyResult = { credentials: job.credentials, issuers: job.issuers, checkpoints: issuers.reduce((n, x) => n + x.checkpoints.length, 0), minSeconds: job.minSeconds, didJwtVcSample: sample.length, coldPerSecond, ours: [], didJwtVc: [], raw: [], rawBackend: [], backend: es256k.backend };
    for (let round = 0; round < job.rounds; round++) {
      result.ours.push(await perSecond(oursPass, job.credentials, job.minSeconds));
      result.didJwtVc.push(await perSecond(didJwtVcPass, sample.length, job.minSeconds));
      result.raw.push(await perSecond(rawPass, job.credentials, job.minSeconds));
      result.rawBackend.push(await perSecond(rawBackendPass, job.credentials, job.minSeconds));
    }
    return result;
  } finally {
    provider.destroy();
    await world.close();
  }
}

/** Verifications per second over whole passes repeated for at least `minSeconds`. */
async function perSecond(pass: () => Promise<void>, perPass: number, minSeconds: number): Promise<number> {
  const began = performance.now();
  let passes = 0;
  do {
    await pass();
    passes++;
  } while (performance.now() - began < minSeconds * 1000);
  return (passes * perPass) / ((performance.now() - began) / 1000);
}

/** A KeyObject from an uncompressed secp256k1 public key (0x04 || X || Y), via a JWK. */
function secp256k1PublicKey(publicKey: string): KeyObject {
  const point = Buffer.from(publicKey.replace(/^0x/, ''), 'hex');
  return createPublicKey({ key: { kty: 'EC', crv: 'secp256k1', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33, 65).toString('base64url') }, format: 'jwk' });
}

process.once('message', (job: VerifyJob) => {
  const reply = (message: VerifyMessage) => process.send!(message, () => process.disconnect());
  run(job).then(
    (result) => reply({ type: 'done', result }),
    (error: unknown) => reply({ type: 'failed', error: (error as Error).stack ?? String(error) }),
  );
});
