import { configDefaults, defineConfig } from 'vitest/config';

// One runner for the whole repository: unit tests sit beside their source,
// cross-module tests live under test/. Real components (DuckDB, MCP clients,
// child processes, a Kubernetes control plane) make some tests slow, so timeouts
// are generous: tests must pass on a slow, noisy machine.
//
// The globalSetup hands out one real Kubernetes control plane per run, started on
// the first test that asks for it (test/cluster/namespace.ts), so runs without such
// tests start nothing.
//
// Tests that run worker pods through the test kubelet (test/cluster/kubelet) start many
// processes each; they form a second phase (MXCP_TEST_PHASE=pods, `make test` runs it after
// the first), one file at a time, so they never compete with each other or with the rest
// of the suite for a small machine's cores.
export const POD_TESTS = [
  'test/cluster/kubelet/kubelet.test.ts',
  'test/cluster/dev-cluster.test.ts',
  'test/e2e/hot-reload.test.ts',
  'test/e2e/hot-reload-replace.test.ts',
  'test/install/install-doc.test.ts',
  'test/bench/reload-smoke.test.ts',
];
const podsPhase = process.env.MXCP_TEST_PHASE === 'pods';

export default defineConfig({
  test: {
    include: podsPhase ? POD_TESTS : ['worker/**/*.test.ts', 'operator/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: podsPhase ? configDefaults.exclude : [...configDefaults.exclude, ...POD_TESTS],
    fileParallelism: !podsPhase,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    globalSetup: ['./test/cluster/global-setup.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
