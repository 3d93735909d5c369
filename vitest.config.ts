import { defineConfig } from 'vitest/config';

// One runner for the whole repository: unit tests sit beside their source,
// cross-module tests live under test/. Real components (DuckDB, MCP clients,
// child processes, a Kubernetes control plane) make some tests slow, so timeouts
// are generous: tests must pass on a slow, noisy machine.
//
// The globalSetup hands out one real Kubernetes control plane per run, started on
// the first test that asks for it (test/cluster/namespace.ts), so runs without such
// tests start nothing.
export default defineConfig({
  test: {
    include: ['worker/**/*.test.ts', 'operator/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    globalSetup: ['./test/cluster/global-setup.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
