import { loadConfig } from '../../platform/config.ts';

/**
 * Where a citizen's command reaches the gateway: `--gateway`, else GOVSHARE_GATEWAY_URL, else
 * GOVSHARE_PUBLIC_URL (whose default is the local gateway, http://127.0.0.1:<GATEWAY_PORT>).
 * The base URL, where `/graphql` and `/departments` live: a URL given with `/graphql` is taken
 * as its gateway, so either form works.
 */
export function gatewayBaseUrl(option?: string): string {
  const url = option || process.env.GOVSHARE_GATEWAY_URL || loadConfig().publicUrl;
  return url.replace(/\/+$/, '').replace(/\/graphql$/, '');
}
