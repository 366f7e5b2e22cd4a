import fs from 'node:fs';
import { isPresentationJwt } from '../../credentials/verify/is-presentation.ts';
import { contractAddresses, ledgerEndpoint } from '../../anchor/ledger/endpoint.ts';
import { memoryReplayGuard, redisReplayGuard } from '../../gateway/auth/replay-guard.ts';
import { createRemoteVerifier } from '../../credentials/verify/remote-verifier.ts';
import type { VerificationReport } from '../../credentials/verify/report.ts';
import { loadConfig } from '../../platform/config.ts';
import { InputError } from '../../platform/errors.ts';

/**
 * `govshare verify <file|-> [--challenge C] [--domain D] [--json] [--gateway URL]`: the verifier
 * pipeline on a credential or presentation JWT. Exit 0 valid, 1 invalid (the report says why).
 */
export async function verifyCommand(source: string, options: { challenge?: string; domain?: string; json?: boolean; gateway?: string }): Promise<void> {
  const config = loadConfig();
  const jwt = (source === '-' ? fs.readFileSync(0, 'utf8') : readFile(source)).trim();
  const endpoint = ledgerEndpoint(config);
  const { verifier, close } = createRemoteVerifier({ ...endpoint, contracts: contractAddresses(endpoint, config.dataDir), gatewayUrl: options.gateway ?? process.env.GOVSHARE_GATEWAY_URL ?? config.publicUrl });
  // Presentation nonces: shared with the gateways through Redis when configured, so a
  // presentation accepted here cannot be replayed there.
  const replay = config.redisUrl ? redisReplayGuard(config.redisUrl) : memoryReplayGuard();
  try {
    const presentation = isPresentationJwt(jwt);
    const report = presentation
      ? await verifier.verifyPresentation(jwt, {
          challenge: options.challenge ?? '',
          domain: options.domain ?? '',
          nonces: { consume: (nonce, ttl) => replay.claim(`vp|${nonce}`, Date.now() + ttl * 1000) },
        })
      : await verifier.verifyCredential(jwt);
    process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : describe(report, presentation));
    process.exitCode = report.valid ? 0 : 1;
  } finally {
    close();
    await replay.close();
  }
}

function readFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError('INVALID_ARGUMENT', `cannot read ${file}: ${(error as Error).message}`);
  }
}


function describe(report: VerificationReport, presentation: boolean): string {
  const lines = report.checks.map((c) => `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.id}${c.ok ? '' : ` ${c.code}`}${c.detail ? ` (${c.detail})` : ''}`);
  return `${presentation ? 'presentation' : 'credential'} ${report.valid ? 'VALID' : 'INVALID'}\n${lines.join('\n')}\n`;
}
