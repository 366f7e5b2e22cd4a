import { identityOf } from '../../../credentials/consent/identity-of.ts';
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
  const who = identityOf(caller);
  if (who === identityOf(department.did) || department.officers.some((officer) => identityOf(officer) === who)) return 'officer';
  if (who === identityOf(subject)) return 'subject';
  return undefined;
}

export function notAuthorized(message: string): InputError {
  return new InputError(ErrorCode.NOT_AUTHORIZED, message);
}
