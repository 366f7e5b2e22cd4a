/**
 * The anchoring proof of one issued credential: the contract between the issuing department
 * (which serves it at `GET /credentials/<jti>/proof` on its subgraph server, and the gateway at
 * `GET /credentials/<jti>/proof?issuer=<did>`) and the verifier (which trusts none of it until
 * it has checked it against the ledger).
 *
 * The leaf's data is SHA-256 of the credential's JWS signing input (`header.payload` as ASCII),
 * never of the whole JWT: ES256K signatures are malleable (DESIGN.md, trust model). The random
 * `jti` (>= 128 bits) inside the payload makes that digest unguessable, so no salt is needed.
 *
 * The proof is against the FIRST anchored checkpoint whose tree contains the leaf: its block is
 * the credential's anchoring block, at which the issuer's DID document is resolved (versionId).
 * A proof against a later checkpoint would only make the verifier stricter, never laxer: a leaf
 * cannot be proven into a tree anchored before it existed.
 */
export interface CredentialProof {
  /** The department's log name (e.g. "education"); logIdFor(logId) is its id on the ledger. */
  logId: string;
  /** Hex SHA-256 of the signing input: the leaf's data. */
  digest: string;
  leafIndex: number;
  treeSize: number;
  /** RFC 9162 §2.1.3 inclusion proof, hex node hashes. */
  auditPath: string[];
  checkpoint: {
    logId: string;
    treeSize: number;
    /** Hex root. */
    root: string;
    /** ES256K-R JWS over { logId, treeSize, root } by the log owner's DID. */
    signed: string;
    /** The DID that signed the checkpoint (the issuing department's). */
    signer: string;
    anchor: { chainId: number; contract: string; txHash: string; blockNumber: number; blockTime: string };
  };
}

/**
 * What a proof endpoint answers: the proof once anchored; otherwise where the credential is on
 * its way (logged but not integrated, integrated but not anchored yet: ANCHOR_PENDING for a
 * verifier), or UNKNOWN when the department never logged a credential with that jti.
 */
export type CredentialProofAnswer =
  | { status: 'ANCHORED'; proof: CredentialProof }
  | { status: 'PENDING_INTEGRATION' | 'PENDING_ANCHOR' }
  | { status: 'UNKNOWN' };
