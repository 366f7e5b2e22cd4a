import type { KeyObject } from 'node:crypto';
import { DEMO_PASSPHRASE, openKeystore } from '../anchor/keys/keystore.ts';
import { didForAddress } from '../anchor/ledger/did.ts';
import { EMBEDDED_CHAIN_ID } from '../anchor/ledger/seed.ts';
import { agencyKeyName, DEMO_AGENCIES } from '../demo/agencies.ts';
import { createAgencyToken } from '../gateway/auth/agency-token.ts';
import { GATEWAY_KEY } from '../gateway/auth/connect.ts';
import { es256kPrivateKeyObject } from '../credentials/sign/es256k-signer.ts';

/**
 * Who the bench asks as: the demo `audit-office` agency, whose statutory
 * agreements cover every data category for purpose `audit` (DESIGN.md, demo
 * identities), so an authenticated request sees every field and its answer
 * can be compared with the bare gateway's. Everything here is plain data so
 * that it can be sent to the load generator over IPC.
 */
export const BENCH_AGENCY = 'audit-office';

export interface AgencyCredentials {
  agencyDid: string;
  /** The agency's secp256k1 key, hex (the demo keystore's, nothing secret). */
  privateKey: string;
  /** The audience: our gateway's DID. */
  gatewayDid: string;
  purpose: string;
}

/**
 * Reads the agency's key and the gateway's address from the keystore under
 * the bench's data dir. The servers run with the embedded defaults (the bench
 * drops GOVSHARE_KEYSTORE_PASSPHRASE), so the keystore uses the demo passphrase.
 */
export async function benchAgencyCredentials(dataDir: string): Promise<AgencyCredentials> {
  const keystore = openKeystore({ dataDir, passphrase: DEMO_PASSPHRASE });
  const key = await keystore.ensureKey(agencyKeyName(BENCH_AGENCY));
  const gateway = await keystore.ensureAddress(GATEWAY_KEY);
  return {
    agencyDid: didForAddress(key.address, EMBEDDED_CHAIN_ID),
    privateKey: key.privateKey,
    gatewayDid: didForAddress(gateway, EMBEDDED_CHAIN_ID),
    purpose: DEMO_AGENCIES[BENCH_AGENCY].purpose,
  };
}

/**
 * A fresh bearer token per call, as an agency makes it (`createAgencyToken`:
 * new random jti, 120 s lifetime). The key is turned into a KeyObject once:
 * `createAgencyToken` types it as a hex string but hands it to
 * `nodeES256KSigner`, which takes a KeyObject too, and building one from hex
 * costs more than the signature itself (about 0.4 ms against 0.03 ms here).
 */
export function tokenMinter(credentials: AgencyCredentials): () => Promise<string> {
  const key: KeyObject = es256kPrivateKeyObject(credentials.privateKey);
  const { agencyDid, gatewayDid, purpose } = credentials;
  return () => createAgencyToken({ agencyDid, gatewayDid, purpose, privateKey: key as unknown as string });
}
