/**
 * Do the dataset presets pose a sequential problem? For each: a random agent's sessions last between 3 and 25
 * steps, and an agent that knows the world and reads the quit rule gets at least 1.3x random's Len or R_traj
 * (what is shown decides how long users stay). Real data where it is here (Coat), generated fixtures in the
 * datasets' own layouts otherwise (MovieLens may not be redistributed; fixtures are written to a temp dir).
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeKuaiRandPureFixture, writeKuaiRecFixture, writeMovieLens100k, writeMovieLens1m } from "@farsight/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OracleAgent, QuitAwareOracleAgent, RandomAgent } from "./agents.js";
import { calibrateTheta, COAT_WINDOW_QUIT_CHANCE, windowQuitChance } from "./calibrate.js";
import { repoRoot } from "./datadir.js";
import { loadPreset, type EnvSetup } from "./presets.js";
import { evaluate } from "./protocol.js";
import type { DistanceWindowRule } from "./quit.js";
import type { Agent, VecEnv } from "./types.js";

const dataDir = process.env.FARSIGHT_DATA_DIR ?? join(repoRoot() ?? ".", "..", "shared", "data");
const hasCoat = existsSync(join(dataDir, "coat", "train.ascii"));
if (!hasCoat) console.log(`[env] Coat world tests skipped: no ${join(dataDir, "coat")} (set FARSIGHT_DATA_DIR)`);

/** An agent reading the simulator's own (live) world, bound when it starts. */
function live(make: (expected: (slot: number, user: number, item: number) => number) => Agent): () => Agent {
  return () => {
    let world: { expected(s: number, u: number, i: number): number } | undefined;
    const inner = make((s, u, i) => world!.expected(s, u, i));
    return {
      name: inner.name,
      begin(env: VecEnv) {
        world = (env as unknown as { world: typeof world }).world;
        inner.begin?.(env);
      },
      act: (env, out) => inner.act(env, out),
    };
  };
}

interface WorldFigures {
  random: { len: number; rTraj: number };
  oracle: { len: number; rTraj: number };
  quitAware: { len: number; rTraj: number };
}

async function figures(setup: EnvSetup, episodes: number): Promise<WorldFigures> {
  // The oracles are deterministic given the users drawn: fewer sessions measure them as well.
  const run = async (make: (seed: number) => Agent, n = episodes) => {
    const { metrics } = await evaluate(setup, make, { episodes: n, seeds: [1] });
    return { len: metrics.len!, rTraj: metrics.r_traj! };
  };
  const f = {
    random: await run((s) => new RandomAgent({ seed: s, noRepeat: true })),
    oracle: await run(live((e) => new OracleAgent({ expected: e })), Math.ceil(episodes / 3)),
    quitAware: await run(live((e) => new QuitAwareOracleAgent({ expected: e, makeRules: setup.makeRules })), Math.ceil(episodes / 3)),
  };
  const fmt = (x: { len: number; rTraj: number }) => `Len ${x.len.toFixed(2)}, R_traj ${x.rTraj.toFixed(2)}`;
  const d = setup.describe;
  const rule = d.initialTemper !== undefined ? `T0 ${String(d.initialTemper)}` : `window ${String(d.window)}, ${d.theta !== undefined ? `theta ${Number(d.theta).toFixed(3)} ${String(d.thetaSource)}` : `threshold ${String(d.threshold)}`}`;
  console.log(`[env] ${setup.name} (${String(d.rule)}, ${rule}): random ${fmt(f.random)}; myopic oracle ${fmt(f.oracle)}; quit-aware oracle ${fmt(f.quitAware)}`);
  return f;
}

function expectSequential(f: WorldFigures): void {
  expect(f.random.len).toBeGreaterThanOrEqual(3);
  expect(f.random.len).toBeLessThanOrEqual(25);
  expect(Math.max(f.quitAware.len / f.random.len, f.quitAware.rTraj / f.random.rTraj)).toBeGreaterThanOrEqual(1.3);
}

describe("MovieLens presets on generated fixtures of the datasets' layouts", () => {
  let root = "";
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), "farsight-ml-"));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("movielens-100k (ML-100k's size: 943 x 1,682, 100,000 ratings, 19 genres): a calibrated theta makes it sequential; theta 30 ended every session at step 2", async () => {
    const facts = writeMovieLens100k(join(root, "movielens-100k"));
    expect(facts).toMatchObject({ users: 943, items: 1682, ratings: 100_000, genres: 19 });
    expect(facts.minRatingsPerUser).toBeGreaterThanOrEqual(20);
    const setup = await loadPreset("movielens-100k", { dataDir: root });
    expect(setup.describe).toMatchObject({ thetaSource: "calibrated", window: 7, evalUsers: "held-out" });
    expectSequential(await figures(setup, 300));
    // The earlier fixed threshold, scaled from ML-1M by sqrt(users): nearly every pair of columns is within it.
    const dist = (setup.makeRules()[0] as DistanceWindowRule).distance;
    expect(windowQuitChance(dist, 1, 30, 20_000)).toBeGreaterThan(0.9);
  });

  it("movielens-1m (a smaller fixture in ML-1M's :: layout, 2,000 x 1,500, 150,000 ratings: the full size takes minutes to complete)", async () => {
    const facts = writeMovieLens1m(join(root, "movielens-1m"), { users: 2000, items: 1500, ratings: 150_000 });
    expect(facts).toMatchObject({ users: 2000, items: 1500, ratings: 150_000, genres: 18 });
    const setup = await loadPreset("movielens-1m", { dataDir: root });
    expect(setup.describe).toMatchObject({ thetaSource: "calibrated", window: 7 });
    expectSequential(await figures(setup, 300));
  });
});

describe("Kuai presets on generated fixtures of the published layouts (@farsight/testing; 60 users x 90 videos, far smaller than the data)", () => {
  let root = "";
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), "farsight-kuai-worlds-"));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("kuairec: EasyRL4Rec's category window (9, threshold 1) is sequential on the small-matrix ground truth", async () => {
    writeKuaiRecFixture(join(root, "kuairec"), { seed: 7 });
    const setup = await loadPreset("kuairec", { dataDir: root });
    expect(setup.describe).toMatchObject({ rule: "category-window", window: 9, threshold: 1, thresholdSource: "EasyRL4Rec", evalUsers: "held-out" });
    expectSequential(await figures(setup, 300));
  });

  it("kuairand-pure: EasyRL4Rec's category window (10, threshold 0) is sequential on the MF-completed is_click matrix", async () => {
    const facts = writeKuaiRandPureFixture(join(root, "kuairand-pure"), { seed: 7 });
    const setup = await loadPreset("kuairand-pure", { dataDir: root });
    // The random-exposure log is held out of training, for scoring user models on it.
    expect(setup.testLog?.user.length).toBe(facts.randomRows);
    expect(Array.from(setup.testLog!.rating)).toEqual(facts.randomClicks);
    expect(setup.describe).toMatchObject({ rule: "category-window", window: 10, threshold: 0, thresholdSource: "EasyRL4Rec", evalUsers: "held-out" });
    expectSequential(await figures(setup, 300));
  });

  // KuaiSim's own leave model: a slate costs 2 minus its click rate, so clicks keep users. A larger fixture:
  // sessions of up to 20 slates of 6 would show nearly all of 90 videos, whatever the order.
  it("kuairand-pure-kuaisim-rules (150 users x 600 videos): KuaiSim's click-driven temper is sequential on the MF click model", async () => {
    writeKuaiRandPureFixture(join(root, "large", "kuairand-pure"), { seed: 7, users: 150, items: 600 });
    const setup = await loadPreset("kuairand-pure-kuaisim-rules", { dataDir: join(root, "large") });
    expect(setup.describe).toMatchObject({ rule: "response-temper", temper: "kuaisim", initialTemper: 20, slateSize: 6, evalUsers: "held-out" });
    expectSequential(await figures(setup, 300));
    // LERL's click-blind temper on the same data: sessions last 11..20 slates whatever is clicked, so the
    // oracle's edge is its click rate (R_traj), hardly its length.
    const lerl = await loadPreset("kuairand-pure-kuaisim-rules", { dataDir: join(root, "large"), temper: "lerl" });
    expect(lerl.describe).toMatchObject({ rule: "temper", temper: "lerl" });
    expectSequential(await figures(lerl, 300));
  });
});

describe.skipIf(!hasCoat)("Coat (real data)", () => {
  it("keeps EasyRL4Rec's theta 6; on held-out users it is sequential", async () => {
    const setup = await loadPreset("coat", { dataDir });
    expect(setup.describe).toMatchObject({ theta: 6, thetaSource: "EasyRL4Rec", evalUsers: "held-out", testUsers: 58, trainUsers: 232 });
    expectSequential(await figures(setup, 300));
  });

  it("conformance: EasyRL4Rec's random agent and window on the same users gives Len 12.70, R_traj 28.35 within 4 standard errors", async () => {
    const setup = await loadPreset("coat", { dataDir, sameUsers: true, compat: "easyrl4rec" });
    const episodes = 20_000;
    const { metrics } = await evaluate(setup, (s) => new RandomAgent({ seed: s }), { episodes, seeds: [1] });
    const se = (k: string) => metrics[`${k}_std`]! / Math.sqrt(episodes);
    console.log(`[env] Coat conformance: Len ${metrics.len!.toFixed(3)} ± ${se("len").toFixed(3)}, R_traj ${metrics.r_traj!.toFixed(3)} ± ${se("r_traj").toFixed(3)} (SE)`);
    expect(Math.abs(metrics.len! - 12.7)).toBeLessThan(4 * se("len"));
    expect(Math.abs(metrics.r_traj! - 28.35)).toBeLessThan(4 * se("r_traj"));
  });

  it("the calibration constant is Coat's within-window quit chance, and calibrating Coat gives back theta 6", async () => {
    const setup = await loadPreset("coat", { dataDir });
    const dist = (setup.makeRules()[0] as DistanceWindowRule).distance;
    const chance = windowQuitChance(dist, 7, 6, 100_000, 3);
    // Binomial standard error of the chance over 100,000 draws is about 0.001.
    expect(Math.abs(chance - COAT_WINDOW_QUIT_CHANCE)).toBeLessThan(0.004);
    // Coat's distances are square roots of integers: the quantile lands on 6 or the value just below it (sqrt 35).
    expect(calibrateTheta(dist, 7, { seed: 3 }).theta).toBeGreaterThanOrEqual(Math.sqrt(35) - 1e-6);
    expect(calibrateTheta(dist, 7, { seed: 3 }).theta).toBeLessThanOrEqual(6 + 1e-6);
  });
});
