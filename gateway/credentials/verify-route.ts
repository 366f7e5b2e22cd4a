import type { IncomingMessage, ServerResponse } from 'node:http';
import { isPresentationJwt } from '../../credentials/verify/is-presentation.ts';
import { BodyTooLargeError, readBody } from '../../platform/http/body.ts';
import { sendJson, type RouteHandler } from '../../platform/http/server.ts';
import type { NonceStore } from '../../credentials/verify/trust.ts';
import type { Verifier } from '../../credentials/verify/verifier.ts';
import type { VerificationReport } from '../../credentials/verify/report.ts';

/** A presentation with a handful of credentials fits easily; anything bigger is not a credential. */
export const VERIFY_BODY_LIMIT = 256 * 1024;

interface VerifyRequest {
  jwt: string;
  challenge?: string;
  domain?: string;
}

/**
 * `POST /verify` (DESIGN.md, "Gateway HTTP"): body `{ "jwt": "<credential or presentation
 * JWT>", "challenge"?: string, "domain"?: string }`; answer 200 with the verification report,
 * valid or not, and 400 only when the body is not that shape. A JWT whose payload has a `vp`
 * claim is a presentation (its challenge and domain are then required by the checks); anything
 * else is verified as a credential. Until the ledger has answered once there is no verifier:
 * the report then says RESOLUTION_UNAVAILABLE (never valid, never "unknown").
 */
export function verifyRoute(options: { verifier: () => Verifier | undefined; nonces: () => NonceStore | undefined }): RouteHandler {
  return async (req, res) => {
    const body = await readRequest(req, res);
    if (!body) return;
    const verifier = options.verifier();
    const nonces = options.nonces();
    if (!verifier || !nonces) return sendJson(res, 200, unavailable('the gateway is waiting for the ledger; nothing can be verified yet'));
    const report: VerificationReport = isPresentationJwt(body.jwt)
      ? await verifier.verifyPresentation(body.jwt, { challenge: body.challenge ?? '', domain: body.domain ?? '', nonces })
      : await verifier.verifyCredential(body.jwt);
    sendJson(res, 200, report);
  };
}

async function readRequest(req: IncomingMessage, res: ServerResponse): Promise<VerifyRequest | undefined> {
  const refuse = (message: string, status = 400, code = 'BAD_REQUEST') => (sendJson(res, status, { error: { code, message } }), undefined);
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return refuse('send the body as application/json');
  let raw: Buffer;
  try {
    raw = await readBody(req, VERIFY_BODY_LIMIT);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      res.setHeader('connection', 'close');
      return refuse(error.message, 413, error.code);
    }
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    return refuse('the body is not JSON');
  }
  const { jwt, challenge, domain, ...rest } = (parsed ?? {}) as Record<string, unknown>;
  if (typeof parsed !== 'object' || Array.isArray(parsed) || typeof jwt !== 'string' || Object.keys(rest).length > 0 ||
      (challenge !== undefined && typeof challenge !== 'string') || (domain !== undefined && typeof domain !== 'string')) {
    return refuse('expected { "jwt": string, "challenge"?: string, "domain"?: string }');
  }
  return { jwt, ...(challenge !== undefined && { challenge: challenge as string }), ...(domain !== undefined && { domain: domain as string }) };
}


function unavailable(detail: string): VerificationReport {
  return { valid: false, checks: [{ id: 'ledger', ok: false, code: 'RESOLUTION_UNAVAILABLE', detail }] };
}
