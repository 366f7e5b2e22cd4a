/**
 * W3C Bitstring Status List v1.0 (https://www.w3.org/TR/vc-bitstring-status-list/) for govshare:
 * revocation and suspension of VC Data Model 1.1 JWT credentials, checked fail-closed.
 * Pure library: no I/O, no globals.
 */
export { StatusListError, isStatusListError, STATUS_ERROR_CODES, SPEC_ERROR_OF, type StatusErrorCode } from './errors.ts';
export { MULTIBASE_BASE64URL_PREFIX, encodeMultibaseBase64url, decodeMultibaseBase64url } from './multibase.ts';
export {
  Bitstring,
  MIN_STATUS_LIST_LENGTH,
  DEFAULT_MAX_STATUS_LIST_LENGTH,
  type DecodeOptions,
  type ReadonlyBitstring,
} from './bitstring.ts';
export { allocateIndex, type RandomBelow } from './allocate-index.ts';
export { STATUS_PURPOSES, isStatusPurpose, type StatusPurpose } from './purpose.ts';
export {
  statusEntry,
  parseStatusEntry,
  parseStatusListIndex,
  STATUS_ENTRY_TYPE,
  type BitstringStatusListEntry,
  type ParsedStatusEntry,
} from './entry.ts';
export {
  statusListCredentialPayload,
  VC_V1_CONTEXT,
  STATUS_LIST_V1_CONTEXT,
  STATUS_LIST_CREDENTIAL_TYPE,
  STATUS_LIST_SUBJECT_TYPE,
  type BitstringStatusListSubject,
  type StatusListVc,
  type StatusListCredentialPayload,
  type StatusListCredentialOptions,
} from './list-credential.ts';
export {
  readStatus,
  readParsedStatus,
  parseStatusList,
  statusListSubjectOf,
  type ParsedStatusList,
  type StatusResult,
  type ReadStatusOptions,
} from './read-status.ts';
