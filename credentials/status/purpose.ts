/**
 * Status purposes (W3C Bitstring Status List v1.0 §2.1 BitstringStatusListEntry, `statusPurpose`):
 * 'revocation' (permanent), 'suspension' (reversible), 'message' (status messages). 'refresh' is
 * not used by govshare and is refused, as is anything else.
 */
export const STATUS_PURPOSES = ['revocation', 'suspension', 'message'] as const;
export type StatusPurpose = (typeof STATUS_PURPOSES)[number];

export function isStatusPurpose(value: unknown): value is StatusPurpose {
  return typeof value === 'string' && (STATUS_PURPOSES as readonly string[]).includes(value);
}
