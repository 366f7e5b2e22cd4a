import type { CredentialProofAnswer } from '../proof/credential-proof.ts';
import { SourceError } from './errors.ts';
import { boundedGet, DEFAULT_HTTP_TIMEOUT_MS, type HttpGetOptions } from './http-get.ts';
import type { ProofSource } from './trust.ts';

/**
 * Anchoring proofs over HTTP from the gateway (credentials/proof/credential-proof.ts):
 * `GET ${baseUrl}/credentials/<jti>/proof?issuer=<did>` answering CredentialProofAnswer JSON
 * (200; a 404 counts only when its body says `{ "status": "UNKNOWN" }`: a missing route is an
 * outage, not "never issued"). The answer is returned as parsed, unchecked: the pipeline trusts
 * none of it (check-anchor-proof.ts). A proof is a few KiB (an audit path is at most 64 hashes);
 * the cap is 64 KiB.
 */
export const DEFAULT_PROOF_BYTES = 64 * 1024;

export function httpProofSource(baseUrl: string, options: HttpGetOptions = {}): ProofSource {
  const base = baseUrl.replace(/\/+$/, '');
  const maxBytes = options.maxBytes ?? DEFAULT_PROOF_BYTES;
  const timeoutMs = options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
  return {
    async credentialProof(issuer: string, jti: string): Promise<CredentialProofAnswer> {
      const url = `${base}/credentials/${encodeURIComponent(jti)}/proof?issuer=${encodeURIComponent(issuer)}`;
      const answer = await boundedGet(url, { ...options, maxBytes, timeoutMs, accept: 'application/json' });
      if (answer.status !== 200 && answer.status !== 404) {
        throw new SourceError(answer.status >= 500 ? 'SOURCE_UNAVAILABLE' : 'SOURCE_REFUSED', `the proof endpoint answered ${answer.status}`);
      }
      let body: unknown;
      try {
        body = JSON.parse(answer.body.toString('utf8'));
      } catch {
        throw new SourceError('SOURCE_REFUSED', `the proof endpoint answered ${answer.status} without JSON`);
      }
      const status = (body as { status?: unknown } | null)?.status;
      if (answer.status === 404 && status !== 'UNKNOWN') throw new SourceError('SOURCE_REFUSED', 'the proof endpoint answered 404 without { status: "UNKNOWN" }');
      if (typeof status !== 'string') throw new SourceError('SOURCE_REFUSED', 'the proof endpoint answered no status');
      return body as CredentialProofAnswer;
    },
  };
}
