import { defineConfig } from "vitest/config";
import { CostliestFirstSequencer } from "./tooling/test-order/sequencer.ts";

// One test runner for the whole repository. Tests import workspace packages by name, which resolves to
// their built `dist/` (the root `test` script builds first through turbo, fully cached when nothing changed).
export default defineConfig({
  test: {
    include: ["packages/*/src/**/*.test.ts", "apps/*/src/**/*.test.ts", "examples/**/*.test.ts", "tooling/consumer/*.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**"],
    pool: "forks",
    // Two cores on CI machines: more workers only thrash.
    maxWorkers: 2,
    // Longest files first (from the last CI run's durations), so the two workers finish together.
    sequence: { sequencer: CostliestFirstSequencer },
    testTimeout: 120_000,
    // .ci/run asks for a JSON report to print its own `N passed, N failed` line.
    reporters: process.env.FARSIGHT_VITEST_JSON
      ? ["default", ["json", { outputFile: process.env.FARSIGHT_VITEST_JSON }]]
      : ["default"],
    hookTimeout: 120_000,
    // Workspace packages resolve (through pnpm's links) to their built dist/ outside node_modules, which vitest
    // would otherwise transform and evaluate in its module runner again in every test file's fresh process.
    // Loaded by Node itself, as a user's program loads them: 0.3-0.5 CPU-s less per test file (197 files).
    server: { deps: { external: [/\/(packages|apps)\/[^/]+\/dist\//] } },
  },
});
