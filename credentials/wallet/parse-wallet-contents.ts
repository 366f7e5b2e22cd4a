import { computeAddress, SigningKey } from 'ethers';
import { GovshareError } from '../../platform/errors.ts';
import { addressOfDid } from '../../anchor/ledger/did.ts';
import type { StoredCredential, WalletContents } from './format.ts';

/**
 * Checks decrypted contents before anything uses them: the shape, and that the private key is
 * the DID's controller. The ciphertext is authenticated, so a mismatch here means a writer bug
 * or a file sealed by someone who knew the passphrase — either way not a wallet to sign with.
 */
export function parseWalletContents(value: unknown, file: string): WalletContents {
  const fail = (why: string) => new GovshareError('WALLET_CORRUPT', `the wallet ${file} is inconsistent: ${why}`, { detail: { file } });
  if (typeof value !== 'object' || value === null) throw fail('its contents are not an object');
  const v = value as Record<string, unknown>;
  if (typeof v.did !== 'string' || typeof v.privateKey !== 'string' || !/^0x[0-9a-f]{64}$/i.test(v.privateKey)) throw fail('no DID or private key');
  if (typeof v.chainId !== 'number' || !Number.isSafeInteger(v.chainId) || v.chainId <= 0) throw fail('no chain id');
  if (typeof v.createdAt !== 'string') throw fail('no creation time');
  if (!Array.isArray(v.credentials) || !v.credentials.every(isStoredCredential)) throw fail('its credential list is malformed');
  let controller: string;
  let address: string;
  try {
    controller = computeAddress(new SigningKey(v.privateKey).publicKey);
    address = addressOfDid(v.did).address;
  } catch (error) {
    throw fail(`bad key or DID (${(error as Error).message})`);
  }
  if (controller !== address) throw fail(`its key controls ${controller}, not ${v.did}`);
  return { did: v.did, privateKey: v.privateKey, chainId: v.chainId, createdAt: v.createdAt, credentials: v.credentials };
}

function isStoredCredential(value: unknown): value is StoredCredential {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  const nullableString = (x: unknown) => x === null || typeof x === 'string';
  return (
    typeof c.jwt === 'string' &&
    typeof c.receivedAt === 'string' &&
    typeof c.type === 'string' &&
    Array.isArray(c.types) &&
    c.types.every((t) => typeof t === 'string') &&
    typeof c.issuer === 'string' &&
    typeof c.subject === 'string' &&
    typeof c.jti === 'string' &&
    nullableString(c.issuedAt) &&
    nullableString(c.expiresAt)
  );
}
