/**
 * Where a department's status list is published: under the gateway's public URL
 * (config.publicUrl), which proxies `/status/<department>/<list>` to the department's own
 * `GET /status/<list>`. Credentials carry this URL, so it must be where verifiers can reach.
 */
export function statusListUrl(publicUrl: string, department: string, listId: string): string {
  if (!/^[a-z][a-z0-9-]{0,39}$/.test(department) || !/^[a-z0-9-]{1,64}$/.test(listId)) throw new TypeError(`not a status list name: ${department}/${listId}`);
  return `${publicUrl.replace(/\/+$/, '')}/status/${department}/${listId}`;
}
