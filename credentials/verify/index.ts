/**
 * The govshare verifier (issue 5): credentials and presentations checked by small named checks,
 * each a line of the verification report (DESIGN.md "Verification report"), against trust
 * material passed in (trust.ts) with caches owned by a verifier instance (caches.ts).
 *
 *   const ledger = createLedgerTrust({ rpcUrl, chainId, contracts });
 *   const verifier = createVerifier({ ...ledger, proofs: httpProofSource(gatewayUrl), statusLists: httpStatusListSource() });
 *   const report = await verifier.verifyCredential(jwt);
 *   const vpReport = await verifier.verifyPresentation(vpJwt, { challenge, domain, nonces });
 */
export { VerificationCodes, isVerificationCode, toReport, type CheckResult, type VerificationCode, type VerificationReport } from './report.ts';
export type { AccreditationEntry, AccreditationSource, CheckpointSource, DidSource, DidVersionSource, FetchedStatusList, NonceStore, OnChainCheckpoint, ProofSource, StatusListSource, VerifierTrust } from './trust.ts';
export { createVerifierCaches, type CacheOptions, type VerifierCaches } from './caches.ts';
export { verifyCredential, credentialSettings, type VerifyCredentialOptions } from './verify-credential.ts';
export { verifyPresentation, DEFAULT_MAX_CREDENTIALS, DEFAULT_MAX_PRESENTATION_AGE_SECONDS, type VerifyPresentationOptions } from './verify-presentation.ts';
export { createVerifier, type Verifier, type VerifierOptions } from './verifier.ts';
export { createLedgerTrust, type LedgerTrust, type LedgerTrustOptions } from './ledger-trust.ts';
export { httpProofSource } from './http-proof-source.ts';
export { httpStatusListSource, maxAgeOf } from './http-status-list-source.ts';
export { memoryNonceStore, memoryProofSource, memoryStatusListSource, type MemoryNonceStore, type MemoryProofSource, type MemoryStatusListSource } from './memory-sources.ts';
export { SourceError, type SourceErrorCode } from './errors.ts';
export { typeIdOf } from './check-accreditation.ts';
