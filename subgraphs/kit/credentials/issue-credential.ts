import { logRecord } from '../../../anchor/log/log-record.ts';
import { credentialPayload } from '../../../credentials/issue/credential-payload.ts';
import { newCredentialId } from '../../../credentials/issue/credential-id.ts';
import { logCredential } from '../../../credentials/issue/log-credential.ts';
import { signCredential } from '../../../credentials/issue/sign-credential.ts';
import { statusListUrl } from '../../../credentials/issue/status-list-url.ts';
import { verifyRequest } from '../../../credentials/request/verify-request.ts';
import { statusEntry } from '../../../credentials/status/index.ts';
import { InputError } from '../../../platform/errors.ts';
import { ErrorCode } from '../errors.ts';
import { parseDid } from '../scalars.ts';
import { allocateStatusIndex } from './allocate-status-index.ts';
import { callerRole, notAuthorized } from './authorize.ts';
import { consumeRequest } from './consume-request.ts';
import { statusOf, type CredentialContext, type CredentialStatus, type IssuedCredentialRow } from './context.ts';
import { validateClaims } from './validate-claims.ts';

export interface IssueCredentialInput {
  type: string;
  subject: string;
  recordId?: string | null;
  claims?: unknown;
  /** The signed request (credentials/request/signed-request.ts), purpose issue-credential. */
  authorization: string;
}

export interface IssuedCredential {
  jwt: string;
  jti: string;
  type: string;
  subject: string;
  /** Hex SHA-256 of the signing input: the credential's leaf in the department's log. */
  digest: string;
  status: CredentialStatus;
  issuedAt: string;
  expiresAt: string | null;
  statusListIndex: number;
}

const DAY_MS = 24 * 3600_000;

/**
 * Issues one credential (issue 5, "Issuance"): checks the signed request (signature by the
 * caller's DID, audience = this department, purpose, subject and type bound), who may ask
 * (authorize.ts), then in ONE transaction: marks the request used, reads the claims from the
 * department's records (or takes an officer's where it has none), allocates a random status
 * index, signs a VC Data Model 1.1 JWT, records the issuance (a recorded table: logged with a
 * salted digest, audited) and logs the credential's own digest (SHA-256 of its signing input)
 * as a leaf of the department's Merkle log. The credential exists for the department if and
 * only if all of that committed.
 */
export async function issueCredential(ctx: CredentialContext, input: IssueCredentialInput, now = new Date()): Promise<IssuedCredential> {
  const spec = Object.hasOwn(ctx.types, input.type) ? ctx.types[input.type] : undefined;
  if (!spec) {
    throw new InputError(ErrorCode.CREDENTIAL_TYPE_UNKNOWN, `${ctx.settings.department} does not issue ${String(input.type).slice(0, 64)} (it issues ${Object.keys(ctx.types).join(', ')})`, {
      detail: { field: 'input.type' },
    });
  }
  const subject = parseDid(input.subject);
  const recordId = input.recordId === null || input.recordId === undefined ? null : String(input.recordId);
  const given = input.claims === null || input.claims === undefined ? undefined : validateClaims(input.claims);
  const issuer = ctx.issuer.require();

  const request = await verifyRequest(input.authorization, {
    resolver: issuer.resolver,
    audience: issuer.did,
    expect: { purpose: 'issue-credential', subject, type: input.type },
    now,
  });
  const role = callerRole(request.caller, subject, { did: issuer.did, officers: ctx.settings.officers });
  if (!role) throw notAuthorized('a citizen may ask only for credentials about themselves; issuing for others is for the department\'s officers');
  if (given && role === 'subject') {
    throw new InputError(ErrorCode.CLAIMS_NOT_ALLOWED, 'a citizen\'s credential states what the department\'s records say: leave claims out', { detail: { field: 'input.claims' } });
  }

  // NumericDate is whole seconds: the stored issuance time is exactly the credential's nbf.
  const issuedAt = new Date(Math.floor(now.getTime() / 1000) * 1000);
  return ctx.db.transaction(async (tx) => {
    await consumeRequest(tx, request, now);
    const fromRecords = await spec.claims(tx, { subject, recordId, now: issuedAt });
    if (fromRecords && given) {
      throw new InputError(ErrorCode.CLAIMS_NOT_ALLOWED, `${ctx.settings.department} has records about this subject: the credential states them, not given claims`, {
        detail: { field: 'input.claims' },
      });
    }
    if (!fromRecords && (!given || recordId !== null)) {
      throw new InputError(ErrorCode.NO_RECORDS, `${ctx.settings.department} has no record ${recordId === null ? 'about this subject' : recordId + ' of this subject'} for a ${input.type}`);
    }
    const claims = fromRecords?.claims ?? given!;
    const expiresAt = fromRecords?.expiresAt ?? (spec.validForDays === undefined ? undefined : new Date(issuedAt.getTime() + spec.validForDays * DAY_MS));
    if (expiresAt && expiresAt <= issuedAt) throw new InputError(ErrorCode.NOT_ELIGIBLE, 'by the department\'s records this credential would already have expired');

    const allocation = await allocateStatusIndex(tx, ctx.settings);
    const jti = newCredentialId();
    const listUrl = (listId: string) => statusListUrl(ctx.settings.publicUrl, ctx.settings.department, listId);
    const payload = credentialPayload({
      id: jti,
      type: input.type,
      subject,
      claims,
      issuedAt,
      ...(expiresAt && { expiresAt }),
      status: [
        statusEntry({ listUrl: listUrl(allocation.lists.revocation), index: allocation.index, purpose: 'revocation' }),
        statusEntry({ listUrl: listUrl(allocation.lists.suspension), index: allocation.index, purpose: 'suspension' }),
      ],
    });
    // CPU only (one ES256K signature): nothing slow is awaited inside the transaction.
    const { jwt, digest } = await signCredential(payload, issuer);
    const [row] = await tx.query<IssuedCredentialRow>(
      `INSERT INTO issued_credentials (id, type, subject_did, issuer_did, requested_by, claims_source, record_id, issued_at, expires_at, digest, status_series, status_index)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING *`,
      [
        jti,
        input.type,
        subject,
        issuer.did,
        request.caller,
        fromRecords ? 'RECORDS' : 'OFFICER',
        fromRecords?.recordId ?? null,
        issuedAt.toISOString(),
        expiresAt?.toISOString() ?? null,
        digest.toString('hex'),
        allocation.series,
        allocation.index,
      ],
    );
    await logRecord(tx, 'issued_credentials', row as unknown as Record<string, unknown> & { id: unknown });
    await logCredential(tx, jti, digest);
    return {
      jwt,
      jti,
      type: input.type,
      subject,
      digest: digest.toString('hex'),
      status: statusOf(row!),
      issuedAt: issuedAt.toISOString(),
      expiresAt: expiresAt?.toISOString() ?? null,
      statusListIndex: allocation.index,
    };
  });
}
