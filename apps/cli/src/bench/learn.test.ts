import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataDirCandidates, loadPreset, makeSimulator, RandomAgent, type Agent } from "@farsight/env";
import { captureIO } from "../capture-io.js";
import { UsageError } from "../command.js";
import { benchCommand } from "../commands/bench.js";
import { ci95, learnerPolicyOptions, resolveAgent } from "@farsight/lab";
import { parseLearnArgs, parseSeeds, parseSteps, userSplit, type LearnResults } from "./learn.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "farsight-bench-learn-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const TINY = ["--env", "synthetic", "--methods", "ppo,random", "--seeds", "0,1", "--steps", "320", "--batch", "16", "--episodes", "20"];

async function runTiny(out: string, extra: string[] = []) {
  const io = captureIO();
  expect(await benchCommand.run(["learn", ...TINY, "--out", out, ...extra], io)).toBe(0);
  return { io, results: JSON.parse(await readFile(join(out, "results.json"), "utf8")) as LearnResults };
}

describe("farsight bench learn: flags", () => {
  it("reads --seeds as a count or a list, --steps globally and per preset", () => {
    expect(parseSeeds("3")).toEqual([0, 1, 2]);
    expect(parseSeeds("4,7")).toEqual([4, 7]);
    // A trailing comma names one seed (without it 14 is a count); only one trailing comma, never an empty seed.
    expect(parseSeeds("14,")).toEqual([14]);
    expect(() => parseSeeds("4,,7")).toThrow(/--seeds/);
    expect(() => parseSeeds(",")).toThrow(/--seeds/);
    expect(() => parseSeeds("4,7,")).toThrow(/--seeds/);
    expect(parseSeeds(undefined)).toEqual([0, 1, 2, 3, 4]);
    expect(() => parseSeeds("0")).toThrow(UsageError);
    expect(() => parseSeeds("1,1")).toThrow(/twice/);
    expect(() => parseSeeds("1,-2")).toThrow(/--seeds/);
    expect(parseSteps(undefined, ["synthetic", "coat", "kuairec"])).toEqual({ synthetic: 8000, coat: 15000, kuairec: 8000 });
    expect(parseSteps("500", ["synthetic", "coat"])).toEqual({ synthetic: 500, coat: 500 });
    expect(parseSteps("synthetic=800,coat=1500", ["synthetic", "coat"])).toEqual({ synthetic: 800, coat: 1500 });
    expect(parseSteps("900,coat=1500", ["synthetic", "coat"])).toEqual({ synthetic: 900, coat: 1500 });
    expect(() => parseSteps("netflix=10", ["synthetic"])).toThrow(/unknown preset "netflix"/);
    expect(() => parseSteps("synthetic=0", ["synthetic"])).toThrow(/--steps/);
  });

  it("rejects unknown methods and presets, and always runs random (the ratio needs it)", () => {
    expect(() => parseLearnArgs(["--methods", "ppo,sac"])).toThrow(/unknown method\(s\) sac/);
    expect(() => parseLearnArgs(["--env", "netflix"])).toThrow(/unknown preset\(s\) netflix/);
    expect(() => parseLearnArgs(["--methods", "policy"])).toThrow(UsageError);
    expect(parseLearnArgs(["--methods", "ppo,popularity"]).methods).toEqual(["ppo", "popularity", "random"]);
  });

  it("tells held-out, shared and partly shared users apart from the actual split", async () => {
    const s = (train: number[], test: number[]) => userSplit({ trainUsers: Int32Array.from(train), testUsers: Int32Array.from(test) });
    expect(s([0, 1, 2], [3, 4]).evalUsers).toBe("held-out");
    expect(s([0, 1, 2], [0, 1, 2]).evalUsers).toBe("same users as training");
    expect(s([0, 1, 2], [2, 3])).toMatchObject({ evalUsers: "partly overlapping", overlap: 1 });
    expect(userSplit(await loadPreset("synthetic")).evalUsers).toBe("held-out");
  });

  it.runIf(dataDirCandidates("coat").some((d) => existsSync(d)))("says Coat holds users out by default and evaluates on its training users with --same-users", async () => {
    expect(userSplit(await loadPreset("coat")).evalUsers).toBe("held-out");
    expect(parseLearnArgs(["--same-users"]).preset).toEqual({ sameUsers: true });
    expect(userSplit(await loadPreset("coat", parseLearnArgs(["--same-users"]).preset)).evalUsers).toBe("same users as training");
    expect(parseLearnArgs(["--test-fraction", "0.3"]).testFraction).toBe(0.3);
    expect(userSplit(await loadPreset("coat", { testFraction: 0.3 })).evalUsers).toBe("held-out");
    expect(() => parseLearnArgs(["--test-fraction", "1"])).toThrow(/--test-fraction/);
    expect(() => parseLearnArgs(["--test-fraction", "0.3", "--same-users"])).toThrow(/--test-fraction and --same-users cannot be used together/);
  });
});

describe("farsight bench learn: baselines under the no-repeat rule", () => {
  /** Counts items shown again in the same session over 64 FB-mode sessions on the synthetic test world. */
  async function repeats(agent: Agent): Promise<number> {
    const setup = await loadPreset("synthetic");
    const sim = await makeSimulator(setup, "test", { batchSize: 16, autoReset: true, sessionLimit: 64, seed: 3 });
    expect(sim.mode).toBe("FB");
    const slates = new Int32Array(sim.batchSize * sim.slateSize);
    let count = 0;
    agent.begin?.(sim);
    sim.reset();
    while (sim.numActive() > 0) {
      agent.act(sim, slates);
      for (let b = 0; b < sim.batchSize; b++) {
        if (!sim.active[b]) continue;
        for (let k = 0; k < sim.slateSize; k++) if (sim.wasRecommended(b, slates[b * sim.slateSize + k]!)) count++;
      }
      sim.step(slates);
    }
    return count;
  }

  it("random repeats items in FB mode on its own and when the caller names FB, never otherwise; logging never", async () => {
    const setup = await loadPreset("synthetic");
    expect(await repeats(new RandomAgent({ seed: 5 }))).toBeGreaterThan(0);
    expect(await repeats(await resolveAgent("random", setup, 5))).toBe(0);
    expect(await repeats(await resolveAgent("random", setup, 5, "NX_0"))).toBe(0);
    expect(await repeats(await resolveAgent("random", setup, 5, "FB"))).toBeGreaterThan(0);
    expect(await repeats(await resolveAgent("logging", setup, 5, "FB"))).toBe(0);
  });
});

describe("farsight bench learn: a tiny run", () => {
  it("writes results.json with greedy and sampled rows, per-seed values, intervals and ratios that add up", async () => {
    const out = join(dir, "tiny");
    const { io, results } = await runTiny(out);
    expect(results.rows.map((r) => r.label)).toEqual(["ppo (greedy)", "ppo (sampled)", "random"]);
    expect(results.rows.map((r) => r.evaluation)).toEqual(["greedy", "sampled", "baseline"]);
    const random = results.rows.find((r) => r.method === "random")!;
    for (const row of results.rows) {
      expect(row.agent).toBe(`synthetic NX_0: ${row.label}`);
      expect(row.mode).toBe("NX_0");
      expect(row.perSeed.map((s) => s.seed)).toEqual([0, 1]);
      for (const s of row.perSeed) {
        expect(s.metrics.episodes).toBe(20);
        expect(s.r_traj).toBe(s.metrics.r_traj);
        const rnd = random.perSeed.find((x) => x.seed === s.seed)!;
        expect(s.r_traj_vs_random).toBeCloseTo(s.r_traj / rnd.r_traj, 12);
      }
      for (const k of ["len", "r_traj", "r_each", "r_traj_vs_random", "item_coverage"] as const) {
        const c = ci95(row.perSeed.map((s) => s[k]));
        expect(row[k]).toBeCloseTo(c.mean, 12);
        expect(row[`${k}_ci95`]).toBeCloseTo(c.halfWidth, 12);
      }
      expect(row.r_traj_vs_random_min).toBe(Math.min(...row.perSeed.map((s) => s.r_traj_vs_random)));
    }
    expect(random.r_traj_vs_random).toBe(1);
    // The greedy and sampled rows evaluate one trained policy two ways: they are not the same numbers.
    const [g, s] = results.rows;
    expect(g!.perSeed.map((x) => x.metrics.r_traj)).not.toEqual(s!.perSeed.map((x) => x.metrics.r_traj));
    expect(results.bench).toMatchObject({ seeds: [0, 1], episodes: 20, methods: ["ppo", "random"], skipped: [] });
    expect(results.bench.presets).toEqual([expect.objectContaining({ name: "synthetic", steps: 320, trainWorld: "truth", users: expect.objectContaining({ evalUsers: "held-out", overlap: 0 }) })]);

    // The printed table says what produced it.
    expect(io.out).toContain("command: farsight bench learn --env synthetic");
    expect(io.out).toMatch(/training: 320 env transitions per online method and seed/);
    expect(io.out).toContain("== synthetic · mode NX_0 ==");
    expect(io.out).toMatch(/method \(NX_0\)\s+Len/);
    expect(io.out).toMatch(/held-out users \(\d+ test users, none of the \d+ training users\)/);
    expect(io.out).toMatch(/greedy and sampled/);
    expect(io.out).toMatch(/ppo \(sampled\)\s+\d+\.\d\d ± \d+\.\d\d/);
    expect(io.err).toMatch(/\[synthetic NX_0\] ppo seed 1: step 320\/320 .*ETA/);

    // Learning curves per seed in the run-dir format, the update statistics beside the return.
    const curves = (await readFile(join(out, "curves.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l));
    expect(new Set(curves.map((c) => c.series))).toEqual(new Set(["synthetic/NX_0/ppo"]));
    expect(new Set(curves.map((c) => c.seed))).toEqual(new Set([0, 1]));
    expect(curves.some((c) => c.metric === "return" && Number.isFinite(c.value))).toBe(true);
    expect(curves.some((c) => c.metric === "loss")).toBe(true);
    const html = await readFile(join(out, "report.html"), "utf8");
    expect(html).toContain("ppo (greedy)");
    expect(html).toContain("R_traj per seed");
    expect(html).toMatch(/<svg[^>]*class="chart/);
    const md = await readFile(join(out, "results.md"), "utf8");
    expect(md).toContain("`farsight bench learn --env synthetic");
    expect(md).toMatch(/\| ppo \(greedy\) \| \d+\.\d\d ± \d+\.\d\d \|/);
    expect(md).toContain("| synthetic, NX_0 |");
  });

  it("runs each --mode as its own table, names it in every header, row and markdown table, and lets FB repeat", async () => {
    const out = join(dir, "modes");
    const io = captureIO();
    const argv = ["learn", "--env", "synthetic", "--methods", "reinforce,logging,random", "--mode", "FB,NX_10", "--seeds", "3", "--steps", "160", "--batch", "16", "--episodes", "12", "--offline-epochs", "1", "--out", out];
    expect(await benchCommand.run(argv, io)).toBe(0);
    const results = JSON.parse(await readFile(join(out, "results.json"), "utf8")) as LearnResults;
    const labels = ["reinforce (greedy)", "reinforce (sampled)", "logging", "random"];
    for (const mode of ["FB", "NX_10"] as const) {
      expect(results.rows.filter((r) => r.mode === mode).map((r) => r.label)).toEqual(labels);
      expect(io.out).toContain(`== synthetic · mode ${mode} ==`);
      expect(io.out).toMatch(new RegExp(`method \\(${mode}\\)\\s+Len`));
    }
    // NX_10: no quitting, every session exactly 10 steps, for the logging baseline too.
    for (const r of results.rows.filter((x) => x.mode === "NX_10")) expect(r.len).toBe(10);
    expect(results.rows.every((r) => r.item_coverage > 0 && r.item_coverage <= 1)).toBe(true);
    const md = await readFile(join(out, "results.md"), "utf8");
    expect(md).toContain("| synthetic, FB |");
    expect(md).toContain("| synthetic, NX_10 |");
  });

  it("is deterministic per seed, and --json prints the results with nothing else on stdout", async () => {
    const a = await runTiny(join(dir, "again"), ["--json"]);
    const b = await runTiny(join(dir, "tiny2"));
    expect(a.results.rows).toEqual(b.results.rows);
    expect(a.io.err).toBe("");
    expect(JSON.parse(a.io.out).rows).toEqual(a.results.rows);
  });
});

// A dataset preset whose data is in none of the searched directories here (with --data-dir pointing at an
// empty directory); machines that hold every dataset skip this test.
const DATASETS = ["kuairand-pure", "kuairec", "movielens-1m", "movielens-100k"];
const missing = DATASETS.find((name) => dataDirCandidates(name, join(tmpdir(), "farsight-no-data")).every((d) => !existsSync(d)));

describe("farsight bench learn: missing data", () => {
  it.runIf(missing)("skips a preset whose dataset is absent, says so, and runs the others", async () => {
    const out = join(dir, "missing");
    const io = captureIO();
    await benchCommand.run(["learn", "--env", `synthetic,${missing}`, "--methods", "popularity", "--seeds", "1", "--episodes", "5", "--data-dir", join(tmpdir(), "farsight-no-data"), "--out", out], io);
    expect(io.err).toMatch(new RegExp(`skipping preset ${missing}: dataset "${missing}" not found`));
    expect(io.out).toMatch(new RegExp(`${missing}: skipped \\(dataset`));
    const results = JSON.parse(await readFile(join(out, "results.json"), "utf8")) as LearnResults;
    expect(results.bench.skipped.map((s) => s.preset)).toEqual([missing]);
    expect(new Set(results.rows.map((r) => r.preset))).toEqual(new Set(["synthetic"]));
    expect(results.rows.map((r) => r.label)).toEqual(["popularity", "random"]);
  });
});

describe("farsight bench learn --user-state (issue 27)", () => {
  it("both: a session-only and a user-aware row per evaluation, with item coverage and distinct sequences", async () => {
    expect(parseLearnArgs([]).userState).toBeUndefined();
    expect(parseLearnArgs(["--user-state", "on"]).userState).toBe("on");
    expect(() => parseLearnArgs(["--user-state", "maybe"])).toThrow(/--user-state/);
    const { io, results } = await runTiny(join(dir, "user-state"), ["--user-state", "both"]);
    expect(results.rows.map((r) => r.label)).toEqual(["ppo (greedy)", "ppo (sampled)", "ppo +user (greedy)", "ppo +user (sampled)", "random"]);
    const seeds = results.rows.flatMap((row) => row.perSeed.map((s) => ({ baseline: row.evaluation === "baseline", s })));
    expect(seeds.every(({ s }) => s.item_coverage === s.metrics.item_coverage)).toBe(true);
    // A sequence per finished session at most (20 sessions per seed); baselines are not counted (NaN, null in JSON).
    expect(seeds.filter((x) => x.baseline).map((x) => x.s.distinct_sequences)).toEqual([null, null]);
    expect(seeds.filter((x) => !x.baseline).every(({ s }) => s.distinct_sequences >= 1 && s.distinct_sequences <= 20)).toBe(true);
    expect(io.out).toMatch(/items %\s+distinct seq\./);
    // The per-seed progress line carries the same values, so a run stopped for time keeps its finished seeds.
    for (const row of results.rows.filter((r) => r.evaluation === "greedy")) {
      for (const s of row.perSeed) {
        const method = row.label.replace(" (greedy)", "");
        const line = `${method} seed ${s.seed}: greedy Len ${s.len.toFixed(2)} R_traj ${s.r_traj.toFixed(2)} items ${(100 * s.item_coverage).toFixed(1)}% seq ${s.distinct_sequences} |`;
        expect(io.err).toContain(line);
      }
    }
    expect(results.bench).toMatchObject({ userState: "both" });
  });

  it("--category-logit on gives the softmax learners the category logit, and nothing else", async () => {
    expect(parseLearnArgs([]).learner).toBeUndefined();
    expect(parseLearnArgs(["--category-logit", "on"]).learner).toEqual({ categoryLogit: true });
    expect(() => parseLearnArgs(["--category-logit", "yes"])).toThrow(/--category-logit/);
    const setup = await loadPreset("synthetic");
    const on = { categoryLogit: true };
    for (const m of ["ppo", "a2c", "reinforce"]) expect(learnerPolicyOptions(setup, m, 0, on).categoryLogit).toEqual({});
    expect(learnerPolicyOptions(setup, "dqn", 0, on).categoryLogit).toBeUndefined();
    expect(learnerPolicyOptions(setup, "ppo", 0, {}).categoryLogit).toBeUndefined();
  });
});
