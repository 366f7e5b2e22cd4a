import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql 16 has no "exports" map: Node (tsx, production) resolves `import 'graphql'` to its
    // CommonJS main, the same instance Apollo's packages load; Vite would pick the ESM "module"
    // build for our sources, and graphql's instanceof checks then fail across the two copies.
    // Resolve it the way Node does, so tests run what production runs.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // Two cores: each file starts its own servers (and PGlite instances), so run two files at a time.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    env: {
      GOVSHARE_LOG_LEVEL: 'silent',
      APOLLO_TELEMETRY_DISABLED: '1',
      // Every test database (and every one a spawned `govshare` makes) is copied from one
      // initialised cluster instead of running PGlite's initdb, which takes seconds each time.
      GOVSHARE_PGLITE_TEMPLATE: fileURLToPath(new URL('./node_modules/.cache/govshare/pglite-template', import.meta.url)),
    },
  },
});
