import { ConfigError } from '../../platform/errors.ts';

/**
 * How the gateway applies a decision:
 * - filter (default): denied fields are removed before planning and answered null with an
 *   UNAUTHORIZED_FIELD error each;
 * - reject: an operation with any denied field is refused whole (FORBIDDEN_FIELDS, 403);
 * - dry-run: decide, log and count what would be removed, run the operation unchanged (for
 *   rolling the policy out; never in production with real data).
 */
export const POLICY_MODES = ['filter', 'reject', 'dry-run'] as const;
export type PolicyMode = (typeof POLICY_MODES)[number];

/** GOVSHARE_POLICY_MODE; unset means filter. */
export function parsePolicyMode(raw: string | undefined, variable = 'GOVSHARE_POLICY_MODE'): PolicyMode {
  if (raw === undefined || raw === '') return 'filter';
  if ((POLICY_MODES as readonly string[]).includes(raw)) return raw as PolicyMode;
  throw new ConfigError(`${variable} must be one of ${POLICY_MODES.join(', ')}, got "${raw}"`);
}
