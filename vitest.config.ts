import { defineConfig } from 'vitest/config';

// One runner for the whole repository: unit tests sit beside their source,
// cross-module tests live under test/. Real components (DuckDB, MCP clients,
// child processes) make some tests slow, so timeouts are generous: tests must
// pass on a slow, noisy machine.
export default defineConfig({
  test: {
    include: ['worker/**/*.test.ts', 'operator/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
