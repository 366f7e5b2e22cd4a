import path from 'node:path';
import type { Figures } from './figures.ts';
import { cleanEnv, ROOT, startChild, stopChild } from './processes.ts';
import { median, round } from './stats.ts';
import type { VerifyJob, VerifyMessage, VerifyResult } from './verify-worker.ts';

/**
 * P2-verify and P2-verify-native (issue 5): credentials verified per second by
 * our full pipeline, warm, every check on (signature, key at the anchoring
 * block, accreditation, status, anchor inclusion), against did-jwt-vc and
 * against raw signature verification, on the same credentials in one run.
 * The work runs in bench/verify-worker.ts, a process of its own, so that
 * nothing of the rest of the bench (its heap, its JIT state) weighs on it.
 */
const WORKER = path.join(ROOT, 'bench', 'verify-worker.ts');

export async function measureVerify(options: { quick: boolean; logDir: string; log: (line: string) => void }): Promise<Figures> {
  const job: VerifyJob = options.quick
    ? { credentials: 500, issuers: 10, rounds: 3, minSeconds: 0.5, didJwtVcSample: 150 }
    : { credentials: 2_000, issuers: 20, rounds: 7, minSeconds: 1, didJwtVcSample: 400 };
  options.log(`P2: ${job.credentials} credentials from ${job.issuers} issuers on an embedded ledger; ${job.rounds} rounds of ours, did-jwt-vc (${job.didJwtVcSample} of them), raw crypto.verify, raw checks through our signature backend`);
  const child = startChild('verifier measurement', WORKER, [], { env: cleanEnv({}), logFile: path.join(options.logDir, 'verify.log'), ipc: true });
  try {
    const result = await new Promise<VerifyResult>((resolve, reject) => {
      child.process.once('message', (message: VerifyMessage) => (message.type === 'done' ? resolve(message.result) : reject(new Error(`verifier measurement failed: ${message.error}`))));
      void child.exited.then(({ code, signal }) => reject(new Error(`verifier measurement exited (${signal ?? code}) before answering:\n${child.tail()}`)));
      child.process.send(job);
    });
    return verifyFigures(result);
  } finally {
    await stopChild(child);
  }
}

const list = (values: number[]) => values.map((v) => Math.round(v)).join(', ');
const ratios = (a: number[], b: number[]) => a.map((v, i) => (v / b[i]!).toFixed(2)).join(', ');

function verifyFigures(r: VerifyResult): Figures {
  const ours = median(r.ours);
  const didJwtVc = median(r.didJwtVc);
  const raw = median(r.raw);
  const what =
    `${r.credentials} genuine VC-JWTs (ES256K) from ${r.issuers} accredited did:ethr issuers, logged and anchored in ${r.checkpoints} checkpoints, with signed status lists, on a real embedded ledger. ` +
    `Ours: the full pipeline with caches warm and every check on (signature, key valid at the anchoring block, accreditation, revocation and suspension status, inclusion in an anchored checkpoint); ` +
    `its first pass with cold caches (ledger reads included) ran ${Math.round(r.coldPerSecond)}/s. Median of ${r.ours.length} rounds of at least ${r.minSeconds} s per side (whole passes over the set); each round runs ours, did-jwt-vc, raw crypto.verify and raw checks through our signature backend back to back, so machine noise weighs on all of them alike. Ours per round: ${list(r.ours)}.`;
  return {
    'P2-verify': {
      value: Math.round(ours),
      unit: 'credentials/s',
      baseline: Math.round(didJwtVc),
      ratio: round(ours / didJwtVc, 3),
      note:
        `${what} Baseline: did-jwt-vc verifyCredential (proofPurpose assertionMethod) at its best: a caching did-resolver Resolver over ethr-did-resolver on a tuned ethers provider, documents resolved before timing; ` +
        `it checks the signature, the key and the dates only. Per round: ${list(r.didJwtVc)} (on the first ${r.didJwtVcSample} credentials of the set, every issuer among them); ratio per round ${ratios(r.ours, r.didJwtVc)}. Goal: ratio >= 8.`,
    },
    'P2-verify-native': {
      value: Math.round(ours),
      unit: 'credentials/s',
      baseline: Math.round(raw),
      ratio: round(ours / raw, 3),
      note:
        `${what} Baseline: raw crypto.verify (OpenSSL, ieee-p1363) of the same signatures with ready KeyObjects and inputs decoded beforehand: no decoding, no checks. Per round: ${list(r.raw)}; ratio per round ${ratios(r.ours, r.raw)}. Goal: ratio >= 0.8. ` +
        (r.backend === 'openssl'
          ? 'Our verifier checks signatures with the same OpenSSL here (no libsecp256k1 prebuild for this platform), so 1 would mean every other check is free.'
          : `Our verifier checks signatures with ${r.backend} (credentials/verify/es256k.ts), faster than OpenSSL on this curve, so a ratio above 1 is possible; against raw ${r.backend} on the same signatures (${Math.round(median(r.rawBackend))}/s, per round ${list(r.rawBackend)}) ours is ${round(ours / median(r.rawBackend), 3)}: that ratio is what every check besides the signature costs.`),
    },
  };
}
