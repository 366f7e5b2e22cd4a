import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // Two cores: each file starts its own servers (and PGlite instances), so run two files at a time.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    env: { GOVSHARE_LOG_LEVEL: 'silent', APOLLO_TELEMETRY_DISABLED: '1' },
  },
});
