import { httpProofSource } from '../../credentials/verify/http-proof-source.ts';
import type { ProofSource } from '../../credentials/verify/trust.ts';
import type { DepartmentDirectory } from './department-directory.ts';

/**
 * The gateway's own verifier asks the issuing department for a credential's proof directly
 * (the department whose DID is the issuer, found through the directory), not through its own
 * public route. An issuer that is no department here has logged nothing here: UNKNOWN.
 */
export function directoryProofSource(directory: DepartmentDirectory): ProofSource {
  const sources = new Map<string, ProofSource>();
  return {
    async credentialProof(issuer, jti) {
      const owner = await directory.byDid(issuer);
      if (!owner) return { status: 'UNKNOWN' };
      let source = sources.get(owner.baseUrl);
      if (!source) sources.set(owner.baseUrl, (source = httpProofSource(owner.baseUrl)));
      return source.credentialProof(issuer, jti);
    },
  };
}
