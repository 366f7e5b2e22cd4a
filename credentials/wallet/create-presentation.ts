import { randomUUID } from 'node:crypto';
import { createVerifiablePresentationJwt, type JwtPresentationPayload } from 'did-jwt-vc';
import { InputError } from '../../platform/errors.ts';
import { selectCredentials } from './select-credentials.ts';
import { walletSigner } from './wallet-signer.ts';
import type { Wallet } from './wallet.ts';

export const DEFAULT_PRESENTATION_SECONDS = 300;
export const MAX_PRESENTATION_SECONDS = 3600;
const MAX_BINDING_LENGTH = 1024;

export interface CreatePresentationOptions {
  /** The verifier's one-time challenge; becomes the JWT's `nonce`. */
  challenge: string;
  /** Who the presentation is for; becomes the JWT's `aud`. */
  domain: string;
  /** jtis or types of the credentials to include (see selectCredentials). */
  select: readonly string[];
  /** Lifetime; default DEFAULT_PRESENTATION_SECONDS, at most MAX_PRESENTATION_SECONDS. */
  expiresInSeconds?: number;
  now?: Date;
}

export interface Presentation {
  jwt: string;
  /** The jtis of the credentials inside, in order. */
  credentials: string[];
  expiresAt: string;
}

/**
 * A VP JWT (VC Data Model 1.1 §6.3.1) signed by the holder, carrying exactly the chosen
 * credentials (their JWTs as received).
 *
 * `nonce` = the verifier's challenge and `aud` = its domain bind the presentation to one
 * verifier's one request, so a verifier cannot replay it to another and an eavesdropper cannot
 * replay it at all; a short `exp` bounds what a leaked presentation is worth.
 */
export async function createPresentation(wallet: Wallet, options: CreatePresentationOptions): Promise<Presentation> {
  const challenge = binding('challenge', options.challenge);
  const domain = binding('domain', options.domain);
  const seconds = options.expiresInSeconds ?? DEFAULT_PRESENTATION_SECONDS;
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_PRESENTATION_SECONDS) {
    throw new InputError('PRESENTATION_INVALID', `a presentation lives from 1 to ${MAX_PRESENTATION_SECONDS} seconds, not ${String(seconds)}`);
  }
  const now = options.now ?? new Date();
  const chosen = selectCredentials(wallet, options.select, now);
  const iat = Math.floor(now.getTime() / 1000);
  const payload: JwtPresentationPayload = {
    vp: {
      '@context': ['https://www.w3.org/2018/credentials/v1'],
      type: ['VerifiablePresentation'],
      verifiableCredential: chosen.map((c) => c.jwt),
    },
    // A single string, not did-jwt-vc's `domain` option (which makes an array): one audience.
    aud: domain,
    nonce: challenge,
    iat,
    nbf: iat,
    exp: iat + seconds,
    jti: `urn:uuid:${randomUUID()}`,
  };
  const jwt = await createVerifiablePresentationJwt(payload, walletSigner(wallet));
  return { jwt, credentials: chosen.map((c) => c.jti), expiresAt: new Date((iat + seconds) * 1000).toISOString() };
}

function binding(name: 'challenge' | 'domain', value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InputError('PRESENTATION_INVALID', `a presentation needs the verifier's ${name}`);
  }
  if (value.length > MAX_BINDING_LENGTH) throw new InputError('PRESENTATION_INVALID', `the ${name} is longer than ${MAX_BINDING_LENGTH} characters`);
  return value;
}
