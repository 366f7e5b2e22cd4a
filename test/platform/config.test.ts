import { describe, expect, it } from 'vitest';
import { loadConfig, subgraphUrls } from '../../platform/config.ts';

describe('configuration', () => {
  it('defaults to the embedded system under ./data', () => {
    const config = loadConfig({}, '/srv/govshare');
    expect(config).toMatchObject({ dataDir: '/srv/govshare/data', gatewayPort: 4000, ledgerPort: 8545, subgraphs: 'up', development: false });
    expect(config.dbUrl).toBeUndefined();
    expect(subgraphUrls(config)).toEqual({
      education: 'http://127.0.0.1:4101/graphql',
      finance: 'http://127.0.0.1:4102/graphql',
      justice: 'http://127.0.0.1:4103/graphql',
    });
  });

  it('merges department fetches unless GOVSHARE_MERGE_FETCHES is off, and refuses anything but on or off', () => {
    expect(loadConfig({}).mergeFetches).toBe(true);
    expect(loadConfig({ GOVSHARE_MERGE_FETCHES: 'off' }).mergeFetches).toBe(false);
    expect(loadConfig({ GOVSHARE_MERGE_FETCHES: 'on' }).mergeFetches).toBe(true);
    expect(() => loadConfig({ GOVSHARE_MERGE_FETCHES: 'no' })).toThrow(/GOVSHARE_MERGE_FETCHES must be on or off/);
  });

  it('reads production settings', () => {
    const config = loadConfig({
      GOVSHARE_DATA_DIR: '/var/lib/govshare',
      GOVSHARE_DB_URL: 'postgres://gov@db:5432/gov',
      GOVSHARE_DB_SCHEMA_PREFIX: 'prod_',
      REDIS_URL: 'redis://cache:6379',
      GATEWAY_PORT: '8080',
      PORT: '9000',
      GOVSHARE_SUBGRAPHS: 'education=http://edu:4101/graphql, finance=http://fin:4102/graphql,justice=https://jus/graphql',
    });
    expect(config).toMatchObject({ dataDir: '/var/lib/govshare', dbUrl: 'postgres://gov@db:5432/gov', schemaPrefix: 'prod_', gatewayPort: 8080, port: 9000 });
    expect(subgraphUrls(config).justice).toBe('https://jus/graphql');
  });

  it.each([
    [{ GATEWAY_PORT: 'eighty' }, /GATEWAY_PORT must be a TCP port/],
    [{ GATEWAY_PORT: '70000' }, /GATEWAY_PORT/],
    [{ GOVSHARE_DB_URL: 'mysql://db/x' }, /GOVSHARE_DB_URL must use postgres:/],
    [{ GOVSHARE_DB_URL: 'not a url' }, /GOVSHARE_DB_URL is not a URL/],
    [{ GOVSHARE_SUBGRAPHS: 'education=http://a/graphql' }, /missing finance, justice/],
    [{ GOVSHARE_SUBGRAPHS: 'police=http://a/graphql' }, /expected "education=URL/],
    [{ GOVSHARE_DB_SCHEMA_PREFIX: 'Robert"; DROP' }, /GOVSHARE_DB_SCHEMA_PREFIX/],
    [{ LEDGER_CHAIN_ID: '-1' }, /LEDGER_CHAIN_ID/],
  ])('refuses %o with a message naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});
