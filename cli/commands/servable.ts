/** What `govshare serve <component>` can run. Its own module so that parsing the command line does not load the servers. */
export const SERVABLE = ['ledger', 'education', 'finance', 'justice', 'gateway'] as const;
export type Servable = (typeof SERVABLE)[number];
