import { createHash } from 'node:crypto';
import { decodeJWT } from 'did-jwt';
import { computeAddress, getAddress, recoverAddress, Signature } from 'ethers';
import type { AnchorClient } from '../ledger/anchor-client.ts';
import { logIdFor } from '../ledger/anchor-client.ts';
import { addressOfDid, type DidResolver } from '../ledger/did.ts';
import { leafHash, verifyInclusion } from '../merkle.ts';
import { recordDigest } from './record-digest.ts';
import type { RecordProof } from './proof.ts';

export interface BundleCheck {
  id: 'digest' | 'inclusion' | 'checkpoint-statement' | 'checkpoint-signature' | 'anchored' | 'signer-key-at-anchor';
  ok: boolean;
  code?: string;
  detail?: string;
}

export interface BundleVerification {
  valid: boolean;
  checks: BundleCheck[];
}

/** What the verifier is given besides the bundle; the ledger is optional. */
export interface BundleTrust {
  /** The record itself (as the department's API or the holder shows it): checks the digest. */
  record?: Record<string, unknown>;
  ledger?: { anchor: AnchorClient; resolver: DidResolver };
}

const unhex = (h: string) => Buffer.from(h.replace(/^0x/, ''), 'hex');

/**
 * Verifies a record's proof bundle with small named checks:
 * - digest: SHA-256(salt || JCS({record, table})) equals the bundle's digest (when the record is given);
 * - inclusion: RFC 9162 §2.1.3.2 proof of the leaf under the checkpoint root;
 * - checkpoint-statement: the signed statement names this log, size and root;
 * - checkpoint-signature: offline, the ES256K-R signature recovers to the signer DID's own address
 *   (true until the DID's key is rotated; after that only the ledger can tell);
 * - anchored: the Anchor contract holds this root for this log and size (with the ledger);
 * - signer-key-at-anchor: the DID document resolved AS OF the anchoring block (versionId) lists
 *   the recovered key, so rotation is honoured both ways (with the ledger).
 * Never throws on a malformed bundle: it reports.
 */
export async function verifyProofBundle(bundle: RecordProof, trust: BundleTrust = {}): Promise<BundleVerification> {
  const checks: BundleCheck[] = [];
  const cp = bundle.checkpoint;
  if (bundle.status !== 'ANCHORED' || !cp || bundle.leafIndex === null || bundle.treeSize === null || !bundle.auditPath) {
    return { valid: false, checks: [{ id: 'anchored', ok: false, code: 'ANCHOR_PENDING', detail: `record is ${bundle.status}` }] };
  }

  if (trust.record) {
    const ok = recordDigest(bundle.table, trust.record, Buffer.from(bundle.salt, 'base64url')).toString('hex') === bundle.digest;
    checks.push(ok ? { id: 'digest', ok } : { id: 'digest', ok, code: 'DIGEST_MISMATCH', detail: 'the record does not hash to the logged digest' });
  }

  const included = verifyInclusion(leafHash(unhex(bundle.digest)), bundle.leafIndex, bundle.treeSize, bundle.auditPath.map(unhex), unhex(cp.root));
  checks.push(included ? { id: 'inclusion', ok: true } : { id: 'inclusion', ok: false, code: 'INCLUSION_INVALID' });

  let recovered: string | undefined;
  try {
    const { payload, header, signature, data } = decodeJWT(cp.signed, false) as unknown as { payload: Record<string, unknown>; header: { alg?: string }; signature: string; data: string };
    const statementOk = payload.logId === bundle.logId && payload.treeSize === cp.treeSize && payload.root === cp.root && cp.treeSize === bundle.treeSize;
    checks.push(statementOk ? { id: 'checkpoint-statement', ok: true } : { id: 'checkpoint-statement', ok: false, code: 'CHECKPOINT_MISMATCH' });
    if (header.alg !== 'ES256K-R') throw new Error(`alg ${header.alg} is not ES256K-R`);
    recovered = recoverSigner(data, signature);
  } catch (error) {
    checks.push({ id: 'checkpoint-signature', ok: false, code: 'SIGNATURE_INVALID', detail: (error as Error).message });
  }
  if (recovered) {
    const own = safeAddress(cp.signer);
    if (own && own === recovered) checks.push({ id: 'checkpoint-signature', ok: true });
    else if (!trust.ledger) checks.push({ id: 'checkpoint-signature', ok: false, code: 'SIGNER_NEEDS_LEDGER', detail: 'signed by a key other than the DID\'s original one: only the ledger can say whether it was valid then' });
    else checks.push({ id: 'checkpoint-signature', ok: true, detail: 'signed by a rotated-in key; see signer-key-at-anchor' });
  }

  if (trust.ledger) {
    try {
      const onChain = await trust.ledger.anchor.readCheckpoint(logIdFor(bundle.logId), cp.treeSize);
      const anchoredOk = onChain !== null && onChain.root.replace(/^0x/, '').toLowerCase() === cp.root.toLowerCase();
      checks.push(anchoredOk ? { id: 'anchored', ok: true } : { id: 'anchored', ok: false, code: 'NOT_ANCHORED' });
      if (onChain && recovered) {
        const { document } = await trust.ledger.resolver.resolveDocument(cp.signer, { versionId: onChain.blockNumber });
        // The controller (blockchainAccountId) and any published secp256k1 key (publicKeyHex) count.
        const keys = (document.verificationMethod ?? []).flatMap((m) => {
          if (m.blockchainAccountId) return [getAddress(m.blockchainAccountId.split(':').at(-1)!)];
          if (m.publicKeyHex) return [computeAddress('0x' + m.publicKeyHex.replace(/^0x/, ''))];
          return [];
        });
        const ok = keys.includes(recovered);
        checks.push(ok ? { id: 'signer-key-at-anchor', ok } : { id: 'signer-key-at-anchor', ok, code: 'KEY_NOT_VALID_AT_ANCHOR_TIME' });
      }
    } catch (error) {
      checks.push({ id: 'anchored', ok: false, code: (error as { code?: string }).code ?? 'RESOLUTION_UNAVAILABLE', detail: (error as Error).message });
    }
  }
  return { valid: checks.every((c) => c.ok), checks };
}

/** ES256K-R: r || s || recovery id over SHA-256 of the JWS signing input (did-jwt's convention). */
function recoverSigner(signingInput: string, signatureB64: string): string {
  const raw = Buffer.from(signatureB64, 'base64url');
  if (raw.length !== 65) throw new Error('an ES256K-R signature is 65 bytes');
  const digest = '0x' + createHash('sha256').update(signingInput).digest('hex');
  const signature = Signature.from({ r: '0x' + raw.subarray(0, 32).toString('hex'), s: '0x' + raw.subarray(32, 64).toString('hex'), v: 27 + raw[64]! });
  return getAddress(recoverAddress(digest, signature));
}

function safeAddress(did: string): string | undefined {
  try {
    return addressOfDid(did).address;
  } catch {
    return undefined;
  }
}
