import { InputError } from '../../../platform/errors.ts';
import { ErrorCode } from '../errors.ts';

/**
 * Who may ask (issue 5): the subject, for credentials about themselves, with claims from the
 * department's records only; or an officer of the department: its own DID (the key in its
 * keystore, the demo officer) and the DIDs it was configured with (GOVSHARE_<DEPT>_OFFICERS),
 * for anyone, with claims of their own where the department has no records, and for status
 * changes. Officer wins when both hold (an officer asking about themselves).
 */
export type CallerRole = 'officer' | 'subject';

export function callerRole(caller: string, subject: string, department: { did: string; officers: readonly string[] }): CallerRole | undefined {
  const who = sameIdentity(caller);
  if (who === sameIdentity(department.did) || department.officers.some((officer) => sameIdentity(officer) === who)) return 'officer';
  if (who === sameIdentity(subject)) return 'subject';
  return undefined;
}

/**
 * A did:ethr names an Ethereum address, which is case-insensitive (EIP-55 case is only a
 * checksum): 0xAbC… and 0xabc… are one identity, whose key the request's signature was
 * already checked against. Other methods compare as written.
 */
function sameIdentity(did: string): string {
  return did.startsWith('did:ethr:') ? did.toLowerCase() : did;
}

export function notAuthorized(message: string): InputError {
  return new InputError(ErrorCode.NOT_AUTHORIZED, message);
}
