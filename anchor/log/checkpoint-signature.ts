import { createJWS, ES256KSigner, verifyJWS } from 'did-jwt';
import canonicalizeModule from 'canonicalize';
import { addressOfDid } from '../ledger/did.ts';

const canonicalize = canonicalizeModule as unknown as (value: unknown) => string | undefined;

/** What a log owner signs: the state of its log at one size. */
export interface CheckpointStatement {
  /** The log's name (a department, or "gateway-audit"). */
  logId: string;
  treeSize: number;
  /** RFC 9162 root of the first treeSize leaves, hex. */
  root: string;
}

/**
 * A signed checkpoint is a compact JWS over JCS(statement), alg ES256K-R:
 * the signature recovers the signer's key, so a verifier holding only the
 * bundle can tell the checkpoint was signed by the key that controls the
 * owner's did:ethr (its address is in the DID), without reaching the ledger.
 * With the ledger, the verifier also resolves the DID at the anchoring block,
 * which honours key rotation.
 */
export async function signCheckpoint(statement: CheckpointStatement, privateKey: string, did: string): Promise<string> {
  const key = Buffer.from(privateKey.replace(/^0x/, ''), 'hex');
  // did-jwt takes a string payload as already base64url-encoded: encode the JCS text ourselves.
  const payload = Buffer.from(canonicalize(statement)!, 'utf8').toString('base64url');
  return createJWS(payload, ES256KSigner(key, true), { alg: 'ES256K-R', kid: `${did}#controller` });
}

/**
 * Checks a signed checkpoint offline: it states exactly `statement` and its
 * signature recovers to the Ethereum address in `did` (its original
 * controller). Returns false, never throws.
 */
export function verifyCheckpointSignature(signed: string, statement: CheckpointStatement, did: string): boolean {
  try {
    const [, payload] = signed.split('.');
    if (Buffer.from(payload ?? '', 'base64url').toString('utf8') !== canonicalize(statement)) return false;
    const { address, network } = addressOfDid(did);
    const chainId = network && /^0x[0-9a-f]+$/i.test(network) ? Number.parseInt(network, 16) : 1;
    verifyJWS(signed, {
      id: `${did}#controller`,
      type: 'EcdsaSecp256k1RecoveryMethod2020',
      controller: did,
      blockchainAccountId: `eip155:${chainId}:${address}`,
    });
    return true;
  } catch {
    return false;
  }
}
