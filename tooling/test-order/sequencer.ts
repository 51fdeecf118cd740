import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Starts the costliest test files first, so that on two workers no long file starts last and runs alone at the
 * end. Vitest's own order needs its cache of an earlier run's durations, which a fresh clone (CI) lacks: it then
 * starts the largest files first by bytes, and the consumer check (a short file that runs for minutes) started
 * after 480 s of a 710 s run and finished alone.
 *
 * The costs are per-file seconds of a CI run (tooling/test-order/costs.json, refreshed from .ci/out/vitest.json by
 * `node tooling/test-order/costs.mjs .ci/out/vitest.json --write`). Files not listed (under a second, or new) come
 * after the listed ones, in vitest's own order.
 */
const costs = JSON.parse(readFileSync(new URL("./costs.json", import.meta.url), "utf8")) as Record<string, number>;

export class CostliestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const base = await super.sort(files);
    const cost = (f: TestSpecification) => costs[relative(this.ctx.config.root, f.moduleId).split("\\").join("/")] ?? 0;
    // Array.prototype.sort is stable: unlisted files keep vitest's order among themselves.
    return base.sort((a, b) => cost(b) - cost(a));
  }
}
