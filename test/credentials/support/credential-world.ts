import { randomBytes } from 'node:crypto';
import { createJWT } from 'did-jwt';
import { createVerifiableCredentialJwt, type JwtCredentialPayload } from 'did-jwt-vc';
import { parseEther, Wallet, type HDNodeWallet } from 'ethers';
import { logIdFor, createAnchorClient, type AnchorClient, type AnchorReceipt } from '../../../anchor/ledger/anchor-client.ts';
import { createDidRegistryWriter, didForAddress, type DidRegistryWriter } from '../../../anchor/ledger/did.ts';
import { ensureFunded } from '../../../anchor/ledger/funding.ts';
import { createProvider } from '../../../anchor/ledger/rpc.ts';
import { createTrustedIssuersClient, type TrustedIssuersClient } from '../../../anchor/ledger/trusted-issuers.ts';
import { signCheckpoint } from '../../../anchor/log/checkpoint-signature.ts';
import { leafHash, MerkleTree } from '../../../anchor/merkle.ts';
import type { CredentialProof, CredentialProofAnswer } from '../../../credentials/proof/credential-proof.ts';
import { nodeES256KSigner } from '../../../credentials/sign/es256k-signer.ts';
import { allocateIndex, Bitstring, statusEntry, statusListCredentialPayload, type StatusPurpose } from '../../../credentials/status/index.ts';
import { signingInputDigest } from '../../../credentials/verify/check-inclusion.ts';
import { createLedgerTrust, type LedgerTrust } from '../../../credentials/verify/ledger-trust.ts';
import { memoryProofSource, memoryStatusListSource, type MemoryProofSource, type MemoryStatusListSource } from '../../../credentials/verify/memory-sources.ts';
import type { VerifierTrust } from '../../../credentials/verify/trust.ts';
import { startTestLedger, type TestLedger } from '../../anchor/ledger-fixture.ts';

/**
 * A small real world for verifier tests, on one embedded ledger per test file: issuers with
 * did:ethr keys (the keystore's departments, or fresh accredited ones), each with its own
 * RFC 9162 log of credential digests (SHA-256 of the signing input) whose checkpoints are signed
 * by the issuer (ES256K-R, as the departments sign them) and anchored in the Anchor contract,
 * proofs against the FIRST checkpoint containing each credential served from an in-memory
 * ProofSource, and revocation / suspension lists signed by the issuer in an in-memory
 * StatusListSource. Everything the verifier sees is made here the way the departments make it.
 */

export type Key = Wallet | HDNodeWallet;

export interface IssueOptions {
  type?: string | string[];
  subject?: string;
  /** Seconds; default now. */
  nbf?: number;
  exp?: number;
  claims?: Record<string, unknown>;
  /** Signs the credential (default the issuer's signing key). */
  key?: Key;
  /** Which status entries to add (default revocation and suspension); [] for none. */
  status?: StatusPurpose[];
  /** Log the digest (default true); false: the department never saw it. */
  log?: boolean;
  /** Extra members of `vc`. */
  vc?: Record<string, unknown>;
}

export interface Issued {
  jwt: string;
  jti: string;
  /** Status list index per purpose. */
  index: Partial<Record<StatusPurpose, number>>;
  leafIndex?: number;
}

interface LogEntry {
  jti: string;
  digest: string;
  leafIndex: number;
}

export interface Issuer {
  name: string;
  did: string;
  address: string;
  /** The key the DID's controller is (checkpoints and status lists are signed with it). */
  controller: Key;
  /** The key credentials are signed with (default the controller). */
  signingKey: Key;
  logName: string;
  tree: MerkleTree;
  anchoredSize: number;
  lists: Record<StatusPurpose, Bitstring>;
  listUrl(purpose: StatusPurpose): string;
  issue(options?: IssueOptions): Promise<Issued>;
  /** Signs and publishes both status lists (default with the controller key). */
  publishLists(options?: { key?: Key; ttlMs?: number; maxAgeSeconds?: number; as?: string }): Promise<void>;
  /** Anchors the log's current size; proofs for the new leaves go to the proof source. */
  anchor(options?: { checkpointKey?: Key }): Promise<AnchorReceipt | undefined>;
  /** A proof as the department would serve it for a leaf at a given (anchored) checkpoint. */
  proofAt(leafIndex: number, checkpoint: { treeSize: number; signed: string; receipt: AnchorReceipt }): CredentialProof;
  checkpoints: Array<{ treeSize: number; signed: string; receipt: AnchorReceipt }>;
  entries: LogEntry[];
}

export interface World {
  ledger: TestLedger;
  chainId: number;
  ledgerTrust: LedgerTrust;
  proofs: MemoryProofSource;
  statusLists: MemoryStatusListSource;
  trust: VerifierTrust;
  root: TrustedIssuersClient;
  /** A department of the keystore (education, finance, justice, gateway) as an issuer. */
  department(name: string): Promise<Issuer>;
  /** A fresh DID, funded, accredited for `types` from an hour ago (unless `accredit: false`). */
  freshIssuer(name: string, types: string[], options?: { accredit?: boolean }): Promise<Issuer>;
  fund(...addresses: string[]): Promise<void>;
  registry(key: Key): DidRegistryWriter;
  chainTime(): Promise<number>;
  close(): Promise<void>;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);
export const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
export const randomJti = () => `urn:uuid:${randomBytes(16).toString('hex')}`;

export async function createWorld(): Promise<World> {
  const ledger = await startTestLedger();
  const endpoint = () => ({ rpcUrl: ledger.current.url, chainId: ledger.current.chainId });
  const contracts = ledger.current.contracts;
  const ledgerTrust = createLedgerTrust({
    ...endpoint(),
    contracts: { EthereumDIDRegistry: contracts.EthereumDIDRegistry.address, Anchor: contracts.Anchor.address, TrustedIssuers: contracts.TrustedIssuers.address },
  });
  const proofs = memoryProofSource();
  const statusLists = memoryStatusListSource();
  const trust: VerifierTrust = { ...ledgerTrust, proofs, statusLists };
  const root = createTrustedIssuersClient({ ...endpoint(), contract: contracts.TrustedIssuers.address, signer: ledger.deployer });
  const closers: Array<() => void> = [() => root.close(), () => ledgerTrust.close()];
  // One sender for anchoring every test log (a consortium member); the log owner on chain is
  // not what a verifier checks: the checkpoint's signature by the issuer is.
  const anchorer = await ledger.keystore.loadKey('gateway');
  const anchorClient: AnchorClient = createAnchorClient({ ...endpoint(), contract: contracts.Anchor.address, signer: anchorer });
  closers.push(() => anchorClient.close());
  const chainId = ledger.current.chainId;

  const fund = async (...addresses: string[]) => {
    const provider = createProvider(endpoint());
    try {
      await ensureFunded({ provider, endpoint: endpoint(), funder: ledger.deployer, accounts: addresses, topUp: parseEther('1'), minBalance: parseEther('1') });
    } finally {
      provider.destroy();
    }
  };

  const makeIssuer = (name: string, controller: Key): Issuer => {
    const did = didForAddress(controller.address, chainId);
    const tree = new MerkleTree();
    const taken: Record<StatusPurpose, Set<number>> = { revocation: new Set(), suspension: new Set(), message: new Set() };
    const issuer: Issuer = {
      name,
      did,
      address: controller.address,
      controller,
      signingKey: controller,
      logName: `t-${name}`.slice(0, 31),
      tree,
      anchoredSize: 0,
      lists: { revocation: new Bitstring(), suspension: new Bitstring(), message: new Bitstring() },
      checkpoints: [],
      entries: [],
      listUrl: (purpose) => `https://status.test/${name}/${purpose}`,

      async issue(options = {}) {
        const jti = randomJti();
        const index: Partial<Record<StatusPurpose, number>> = {};
        const purposes = options.status ?? ['revocation', 'suspension'];
        const credentialStatus = purposes.map((purpose) => {
          const i = allocateIndex((n) => taken[purpose].has(n), issuer.lists[purpose].length);
          taken[purpose].add(i);
          index[purpose] = i;
          return statusEntry({ listUrl: issuer.listUrl(purpose), index: i, purpose });
        });
        const types = options.type === undefined ? ['DegreeCredential'] : Array.isArray(options.type) ? options.type : [options.type];
        const payload: JwtCredentialPayload = {
          sub: options.subject ?? didForAddress(Wallet.createRandom().address, chainId),
          jti,
          nbf: options.nbf ?? nowSeconds(),
          vc: {
            '@context': ['https://www.w3.org/2018/credentials/v1'],
            type: ['VerifiableCredential', ...types],
            credentialSubject: options.claims ?? { degree: { type: 'BachelorDegree', name: 'Bachelor of Science' } },
            ...(credentialStatus.length === 1 ? { credentialStatus: credentialStatus[0] } : credentialStatus.length > 1 ? { credentialStatus } : {}),
            ...options.vc,
          } as unknown as JwtCredentialPayload['vc'],
        };
        if (options.exp !== undefined) payload.exp = options.exp;
        const key = options.key ?? issuer.signingKey;
        const jwt = await createVerifiableCredentialJwt(payload, { did, signer: nodeES256KSigner(key.privateKey), alg: 'ES256K' });
        const issued: Issued = { jwt, jti, index };
        if (options.log !== false) {
          const [h, p] = jwt.split('.');
          const digest = signingInputDigest(`${h}.${p}`);
          const leafIndex = tree.size;
          tree.appendLeaves([leafHash(Buffer.from(digest, 'hex'))]);
          issuer.entries.push({ jti, digest, leafIndex });
          proofs.set(did, jti, { status: 'PENDING_ANCHOR' });
          issued.leafIndex = leafIndex;
        }
        return issued;
      },

      async publishLists(options = {}) {
        const key = options.key ?? issuer.controller;
        for (const purpose of ['revocation', 'suspension'] as const) {
          const payload = statusListCredentialPayload({
            issuerDid: options.as ?? did,
            listUrl: issuer.listUrl(purpose),
            purpose,
            bitstring: issuer.lists[purpose],
            validFrom: new Date(Date.now() - 60_000),
            ...(options.ttlMs !== undefined && { ttlMs: options.ttlMs }),
          });
          const jwt = await createJWT(payload as unknown as Record<string, unknown>, { issuer: options.as ?? did, signer: nodeES256KSigner(key.privateKey), alg: 'ES256K' });
          statusLists.set(issuer.listUrl(purpose), jwt, options.maxAgeSeconds);
        }
      },

      async anchor(options = {}) {
        const size = tree.size;
        if (size === issuer.anchoredSize) return undefined;
        const root = hex(tree.root());
        const signed = await signCheckpoint({ logId: issuer.logName, treeSize: size, root }, (options.checkpointKey ?? issuer.controller).privateKey, did);
        const receipt = await anchorClient.anchorCheckpoint({ logId: logIdFor(issuer.logName), treeSize: size, root: tree.root() });
        const checkpoint = { treeSize: size, signed, receipt };
        issuer.checkpoints.push(checkpoint);
        for (const entry of issuer.entries) {
          if (entry.leafIndex < issuer.anchoredSize || entry.leafIndex >= size) continue;
          proofs.set(did, entry.jti, { status: 'ANCHORED', proof: issuer.proofAt(entry.leafIndex, checkpoint) });
        }
        issuer.anchoredSize = size;
        return receipt;
      },

      proofAt(leafIndex, checkpoint) {
        const entry = issuer.entries.find((e) => e.leafIndex === leafIndex)!;
        const { receipt } = checkpoint;
        return {
          logId: issuer.logName,
          digest: entry.digest,
          leafIndex,
          treeSize: checkpoint.treeSize,
          auditPath: tree.inclusionProof(leafIndex, checkpoint.treeSize).map(hex),
          checkpoint: {
            logId: issuer.logName,
            treeSize: checkpoint.treeSize,
            root: hex(tree.rootAt(checkpoint.treeSize)),
            signed: checkpoint.signed,
            signer: did,
            anchor: { chainId, contract: receipt.contract, txHash: receipt.txHash, blockNumber: receipt.blockNumber, blockTime: new Date(receipt.blockTimestamp * 1000).toISOString() },
          },
        };
      },
    };
    return issuer;
  };

  const departments = new Map<string, Issuer>();
  const world: World = {
    ledger,
    chainId,
    ledgerTrust,
    proofs,
    statusLists,
    trust,
    root,
    async department(name) {
      let issuer = departments.get(name);
      if (!issuer) {
        issuer = makeIssuer(name, await ledger.keystore.loadKey(name));
        await issuer.publishLists();
        departments.set(name, issuer);
      }
      return issuer;
    },
    async freshIssuer(name, types, options = {}) {
      const key = Wallet.createRandom();
      await fund(key.address);
      const issuer = makeIssuer(name, key);
      if (options.accredit !== false) {
        const from = (await world.chainTime()) - 3600;
        for (const credentialType of types) await root.accredit({ issuer: issuer.did, credentialType, validFrom: from });
      }
      await issuer.publishLists();
      return issuer;
    },
    fund,
    registry(key) {
      const writer = createDidRegistryWriter({ ...endpoint(), registry: contracts.EthereumDIDRegistry.address, signer: key });
      closers.push(() => writer.close());
      return writer;
    },
    async chainTime() {
      const provider = createProvider(endpoint());
      try {
        return (await provider.getBlock('latest'))!.timestamp;
      } finally {
        provider.destroy();
      }
    },
    async close() {
      for (const close of closers) {
        try {
          close();
        } catch {
          // already closed
        }
      }
      await ledger.cleanup();
    },
  };
  return world;
}

/** The proof answer the world serves for a credential (to copy or alter in forgery tests). */
export async function servedProof(world: World, issuer: Issuer, jti: string): Promise<CredentialProofAnswer> {
  return world.proofs.credentialProof(issuer.did, jti);
}

/** Flips one bit of a JWT segment's decoded bytes and re-encodes it canonically. */
export function flipBit(jwt: string, segment: 0 | 1 | 2, byteIndex: number, bit = 0): string {
  const parts = jwt.split('.');
  const bytes = Buffer.from(parts[segment]!, 'base64url');
  bytes[byteIndex] = bytes[byteIndex]! ^ (1 << bit);
  parts[segment] = bytes.toString('base64url');
  return parts.join('.');
}

/** Replaces the decoded JSON of the header (0) or payload (1), keeping the rest as is. */
export function withSegment(jwt: string, segment: 0 | 1, value: unknown): string {
  const parts = jwt.split('.');
  parts[segment] = Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8').toString('base64url');
  return parts.join('.');
}

export function decodeSegment(jwt: string, segment: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[segment]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** The code of the first failed check (undefined when valid). */
export function firstFailure(report: { valid: boolean; checks: Array<{ id: string; ok: boolean; code?: string }> }): { id: string; code?: string } | undefined {
  return report.checks.find((c) => !c.ok);
}
