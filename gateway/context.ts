import type { Logger } from '../platform/log.ts';
import type { AgencyIdentity } from './auth/authenticate-agency.ts';

/** What every gateway plugin and data source sees of one request. */
export interface GatewayContext {
  requestId: string;
  logger: Logger;
  /** The authenticated agency; undefined for an anonymous caller. */
  agency?: AgencyIdentity;
}
