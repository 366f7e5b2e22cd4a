import { identityOf } from '../../../credentials/consent/identity-of.ts';
import { verifyRequest } from '../../../credentials/request/verify-request.ts';
import { notAuthorized } from '../credentials/authorize.ts';
import { consumeRequest } from '../credentials/consume-request.ts';
import { CONSENT_ANSWER_COLUMNS, consentAnswer, type ConsentAnswer, type ConsentAnswerRow, type ConsentContext } from './context.ts';

export interface ListConsentsInput {
  /** The citizen's signed request: purpose list-consents, aud = this department's DID, sub = the citizen (the signer). */
  authorization: string;
}

/**
 * The consents registered here about the citizen who signed the request, every status, newest
 * registration first: what a citizen needs to see what they allowed and revoke what they no
 * longer want. A consent names the citizen, the agencies they deal with and why, so only that
 * citizen may list them: the signer must be the request's subject (an officer or an agency
 * gets NOT_AUTHORIZED, as a stranger does), and the rows are chosen by the signer's identity
 * (credentials/consent/identity-of.ts), never by anything the caller names. The request is
 * single use like every signed request (a leaked one cannot be replayed to read the list
 * again), marked used in the transaction that reads.
 */
export async function listConsents(ctx: ConsentContext, input: ListConsentsInput, now = new Date()): Promise<ConsentAnswer[]> {
  const issuer = ctx.issuer.require();
  const request = await verifyRequest(input.authorization, {
    resolver: issuer.resolver,
    audience: issuer.did,
    expect: { purpose: 'list-consents' },
    now,
  });
  const citizenKey = identityOf(request.caller);
  if (identityOf(request.subject) !== citizenKey) throw notAuthorized('a citizen lists only their own consents: sign the request with sub = your own DID');
  return ctx.db.transaction(async (tx) => {
    await consumeRequest(tx, request, now);
    const rows = await tx.query<ConsentAnswerRow>(`SELECT ${CONSENT_ANSWER_COLUMNS} FROM consents WHERE citizen_key = $1 ORDER BY registered_at DESC, id`, [citizenKey]);
    return rows.map((row) => consentAnswer(row, now));
  });
}
