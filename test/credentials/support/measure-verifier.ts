/**
 * A quick measurement of the verifier's warm path (not a test; the lead's `npm run bench` owns
 * P2-verify and P2-verify-native):
 *
 *   node --import tsx test/credentials/support/measure-verifier.ts [credentials] [issuers]
 *
 * On one embedded ledger: `issuers` fresh accredited did:ethr issuers (address-only documents,
 * like a new department's), `credentials` genuine credentials among them, logged and anchored,
 * with signed status lists. Then, on the same signatures:
 * - our verifier, caches warm (one pass first), every check on;
 * - raw `crypto.verify` with a cached KeyObject per issuer (the floor: no decoding, no checks);
 * - did-jwt-vc `verifyCredential` with a caching did-resolver (as DESIGN.md measured it).
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { verifyCredential as didJwtVcVerify } from 'did-jwt-vc';
import { Resolver, type ResolverRegistry } from 'did-resolver';
import { getResolver } from 'ethr-did-resolver';
import { createVerifier } from '../../../credentials/verify/verifier.ts';
import { createWorld, type Issuer } from './credential-world.ts';

const total = Number(process.argv[2] ?? 2000);
const issuerCount = Number(process.argv[3] ?? 20);
const didJwtSample = Math.min(total, 300);

const world = await createWorld();
try {
  const issuers: Issuer[] = [];
  for (let i = 0; i < issuerCount; i++) issuers.push(await world.freshIssuer(`bench-${i}`, ['DegreeCredential']));
  const credentials: Array<{ jwt: string; issuer: Issuer }> = [];
  for (let i = 0; i < total; i++) {
    const issuer = issuers[i % issuerCount]!;
    credentials.push({ jwt: (await issuer.issue()).jwt, issuer });
    // A few checkpoints per issuer, as a department anchoring every few seconds would make.
    if (i % (issuerCount * 25) === issuerCount * 25 - 1) await Promise.all(issuers.map((x) => x.anchor()));
  }
  await Promise.all(issuers.map((x) => x.anchor()));
  const checkpoints = issuers.reduce((n, x) => n + x.checkpoints.length, 0);

  const verifier = createVerifier(world.trust);
  let started = performance.now();
  for (const { jwt } of credentials) {
    const report = await verifier.verifyCredential(jwt);
    if (!report.valid) throw new Error(`not valid: ${JSON.stringify(report.checks.at(-1))}`);
  }
  const coldMs = performance.now() - started;

  // Raw crypto.verify on the same signatures: inputs decoded and keys built beforehand.
  const keys = new Map<string, KeyObject>();
  for (const issuer of issuers) keys.set(issuer.did, createPublicKey({ key: { kty: 'EC', crv: 'secp256k1', ...jwkXY(issuer.controller.signingKey.publicKey) }, format: 'jwk' }));
  const raw = credentials.map(({ jwt, issuer }) => {
    const [h, p, s] = jwt.split('.') as [string, string, string];
    return { data: Buffer.from(`${h}.${p}`, 'latin1'), signature: Buffer.from(s, 'base64url'), key: keys.get(issuer.did)! };
  });

  // did-jwt-vc with a caching resolver (documents cached after the first resolution).
  const ethr = getResolver({ networks: [{ name: '0x539', chainId: world.chainId, rpcUrl: world.ledger.current.url, registry: world.ledger.current.contracts.EthereumDIDRegistry.address }] }) as unknown as ResolverRegistry;
  const resolver = new Resolver(ethr, { cache: true });
  const sample = credentials.slice(0, didJwtSample);
  for (const { jwt } of sample.slice(0, issuerCount)) await didJwtVcVerify(jwt, resolver, { proofPurpose: 'assertionMethod' } as never);

  // Each round measures all three back to back, so a busy machine weighs on each alike.
  const rounds = Number(process.argv[4] ?? 5);
  const warm: number[] = [];
  const native: number[] = [];
  const didJwt: number[] = [];
  for (let round = 0; round < rounds; round++) {
    started = performance.now();
    for (const { data, signature, key } of raw) if (!verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature)) throw new Error('raw verify failed');
    native.push(total / ((performance.now() - started) / 1000));
    started = performance.now();
    for (const { jwt } of credentials) {
      const report = await verifier.verifyCredential(jwt);
      if (!report.valid) throw new Error(`not valid warm: ${JSON.stringify(report.checks.at(-1))}`);
    }
    warm.push(total / ((performance.now() - started) / 1000));
    started = performance.now();
    for (const { jwt } of sample) await didJwtVcVerify(jwt, resolver, { proofPurpose: 'assertionMethod' } as never);
    didJwt.push(didJwtSample / ((performance.now() - started) / 1000));
  }

  const best = (xs: number[]) => Math.max(...xs);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const ours = median(warm);
  const floor = median(native);
  console.log(JSON.stringify({
    credentials: total,
    issuers: issuerCount,
    checkpoints,
    firstPassPerSecond: Math.round(total / (coldMs / 1000)),
    warmPerSecond: { median: Math.round(ours), best: Math.round(best(warm)), runs: warm.map(Math.round) },
    rawCryptoVerifyPerSecond: { median: Math.round(floor), best: Math.round(best(native)), runs: native.map(Math.round) },
    didJwtVcPerSecond: { median: Math.round(median(didJwt)), runs: didJwt.map(Math.round) },
    ratioVsRaw: +(ours / floor).toFixed(3),
    ratioVsRawPerRound: warm.map((w, i) => +(w / native[i]!).toFixed(3)),
    ratioVsDidJwtVc: +(ours / median(didJwt)).toFixed(1),
    ratioVsDidJwtVcPerRound: warm.map((w, i) => +(w / didJwt[i]!).toFixed(1)),
  }, null, 2));
} finally {
  await world.close();
}

function jwkXY(publicKey: string): { x: string; y: string } {
  const bytes = Buffer.from(publicKey.replace(/^0x/, ''), 'hex');
  return { x: bytes.subarray(1, 33).toString('base64url'), y: bytes.subarray(33, 65).toString('base64url') };
}
