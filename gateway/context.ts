import type { Logger } from '../platform/log.ts';

/** What every gateway plugin and data source sees of one request. */
export interface GatewayContext {
  requestId: string;
  logger: Logger;
}
