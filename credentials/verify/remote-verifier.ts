import { createLedgerTrust, type LedgerTrustOptions } from './ledger-trust.ts';
import { httpProofSource } from './http-proof-source.ts';
import { httpStatusListSource } from './http-status-list-source.ts';
import { createVerifier, type Verifier } from './verifier.ts';

/**
 * A verifier as a relying party runs it on its own machine (`govshare verify`): the ledger read
 * directly (DID history, anchors, accreditations), proofs from a gateway's public
 * `/credentials/<jti>/proof`, status lists from the URLs the credentials name. Nothing from the
 * gateway is trusted: proofs are checked against the ledger, lists against the issuer's key.
 */
export function createRemoteVerifier(options: LedgerTrustOptions & { gatewayUrl: string }): { verifier: Verifier; close(): void } {
  const ledger = createLedgerTrust(options);
  const verifier = createVerifier({ ...ledger, proofs: httpProofSource(options.gatewayUrl), statusLists: httpStatusListSource() });
  return { verifier, close: () => ledger.close() };
}
