import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeFixtureRunDir } from "../run-dir/fixtures.js";
import { buildReport } from "./html.js";
import { isIlrecRun } from "./ilrec-data.js";
import { baseMethod } from "./ilrec-sections.js";
import { readRunDir } from "../run-dir/read-run-dir.js";

const root = mkdtempSync(join(tmpdir(), "farsight-ilrec-report-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const EDGES = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];
/** A snapshot of `usable` = 10 demonstrated steps: `zero` of them at 0, the rest at weight 1 (the last bin). */
const snapshot = (seed: number, refresh: number, zero: number) => ({ seed, step: 100 * (refresh + 1), refresh, usable: 10, zero, counts: [0, 0, 0, 0, 0, 0, 0, 0, 0, 10 - zero], mean: (10 - zero) / 10 });

/**
 * `episodes.jsonl` of the hand-written run: per seed, IL-Rec's sessions last 2 and 4 steps (categories 0 then 1
 * alternating), the teacher's 3 and 3 (always category 2), A2C's 1 and 5; slates of two items.
 */
const EPISODES = [0, 1].flatMap((seed) => [
  ...[2, 4].map((length) => ({ agent: "IL-Rec policy (greedy)", length, return: length / 2, categories: Array.from({ length }, (_, t) => [t % 2, t % 2]), seed })),
  ...[3, 3].map((length) => ({ agent: "teacher (billp-heuristic)", length, return: 2, categories: Array.from({ length }, () => [2, 2]), seed })),
  ...[1, 5].map((length) => ({ agent: "A2C, no demonstrations (greedy)", length, return: 1, categories: Array.from({ length }, () => [3, 4]), seed })),
]);

/** An IL-Rec run directory written by hand: two seeds, three weight refreshes each; the evaluation sessions when given. */
function ilrecDir(name: string, weights: unknown, episodes?: readonly object[]): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "config.json"), JSON.stringify({ command: "run ilrec", flags: { env: "synthetic", seeds: "2" } }));
  writeFileSync(join(dir, "results.json"), JSON.stringify({
    columns: [{ key: "len", label: "Len", better: "higher" }, { key: "r_traj", label: "R_traj", better: "higher" }],
    rows: [{ agent: "IL-Rec policy (greedy)", len: 20, len_std: 1, r_traj: 9 }, { agent: "teacher (billp-heuristic)", len: 12, r_traj: 7 }, { agent: "A2C, no demonstrations (greedy)", len: 18, r_traj: 8 }],
  }));
  const curve = (series: string, metric: string, seed: number) => [100, 200, 300].map((step) => JSON.stringify({ series, step, metric, value: step / 100 + seed, seed }));
  writeFileSync(join(dir, "curves.jsonl"), [0, 1].flatMap((seed) => [...curve("IL-Rec policy", "return", seed), ...curve("A2C, no demonstrations", "return", seed), ...curve("IL-Rec policy", "demo_gated_share", seed).map((l) => l.replace(/"value":(\d)/, '"value":0.$1'))]).join("\n") + "\n");
  writeFileSync(join(dir, "demo-weights.json"), typeof weights === "string" ? weights : JSON.stringify(weights));
  if (episodes) writeFileSync(join(dir, "episodes.jsonl"), episodes.map((e) => JSON.stringify(e) + "\n").join(""));
  return dir;
}

/** The HTML of one section of a report. */
function section(html: string, id: string): string {
  const m = new RegExp(`<section id="${id}">([\\s\\S]*?)</section>`).exec(html);
  if (!m) throw new Error(`no section ${id}`);
  return m[1]!;
}

describe("the IL-Rec report", () => {
  const weights = { form: "filter", edges: EDGES, snapshots: [0, 1].flatMap((seed) => [snapshot(seed, 0, 1), snapshot(seed, 1, 3), snapshot(seed, 2, 4 + 2 * seed)]) };
  const SECTIONS = ["comparison", "lengths", "exposure", "curves", "weights", "config"];

  it("is chosen by the run's command and shows teacher vs policy, the sessions, curves and the weight histogram", () => {
    const data = readRunDir(ilrecDir("ok", weights, EPISODES));
    expect(data.problems).toEqual([]);
    expect(isIlrecRun(data)).toBe(true);
    const report = buildReport(data, { generatedAt: "fixed" });
    expect(report.sections.map((s) => s.id)).toEqual(SECTIONS);
    expect(report.html).toContain("Farsight IL-Rec run: ok");
    // The histogram's 0 bin at the last refresh: 40% (seed 0) and 60% (seed 1) gated, so 50% on average.
    expect(report.html).toContain("<title>last refresh (step 300), 0: 50%</title>");
    expect(report.html).toContain("<title>first refresh (step 100), 0: 10%</title>");
    expect(report.html).toContain("At the last refresh 50% of the demonstrated steps weigh 0 (mean over 2 seeds");
    // A learning curve keeps its method's colour from the table: IL-Rec the first row's, A2C the third's.
    expect(report.html).toMatch(/data-series="IL-Rec policy"[^>]*stroke="#0072B2"/);
    expect(report.html).toMatch(/data-series="A2C, no demos"[^>]*stroke="#009E73"/);
    expect(report.html).not.toContain("Not recorded");

    // The session lengths, per method in table order, each in its table row's colour (A2C under its legend name).
    const lengths = section(report.html, "lengths");
    expect([...lengths.matchAll(/<g class="series" data-series="([^"]+)" fill="([^"]+)"/g)].map((m) => [m[1], m[2]])).toEqual([
      ["IL-Rec policy (greedy)", "#0072B2"], ["teacher (billp-heuristic)", "#E69F00"], ["A2C, no demos (greedy)", "#009E73"],
    ]);
    expect(lengths).toContain("Sessions per agent: IL-Rec policy (greedy): 4, teacher (billp-heuristic): 4, A2C, no demonstrations (greedy): 4.");
    // One length per bin (1..5): the teacher's sessions all in bin 3, IL-Rec's split over 2 and 4.
    expect(lengths).toContain("<title>teacher (billp-heuristic), 3: 100%</title>");
    expect(lengths).toContain("<title>IL-Rec policy (greedy), 2: 50%</title>");
    // Exposure: one line per method and chart, one small multiple per method (full names outside legends).
    const exposure = section(report.html, "exposure");
    // With fewer than 5 sessions a step is drawn while all of an agent's sessions run: IL-Rec 2 steps, the
    // teacher 3, A2C 1 (a single point), in the majority-share chart and again in the entropy chart.
    const lines = [...exposure.matchAll(/<(path|circle) class="series" data-series="([^"]+)"(?: data-points="(\d+)")?/g)].map((m) => `${m[2]}: ${m[3] ?? "1 point"}`);
    const once = ["IL-Rec policy (greedy): 2", "teacher (billp-heuristic): 3", "A2C, no demos (greedy): 1 point"];
    expect(lines).toEqual([...once, ...once]);
    expect(exposure).toContain("Steps drawn per agent: IL-Rec policy (greedy): 2 steps (≥ 4 of 4 sessions running); teacher (billp-heuristic): 3 steps (≥ 4 of 4 sessions running); A2C, no demonstrations (greedy): 1 step (≥ 4 of 4 sessions running).");
    expect([...exposure.matchAll(/<div class="multiple"><h4>([^<]+)<\/h4>/g)].map((m) => m[1])).toEqual(["IL-Rec policy (greedy)", "teacher (billp-heuristic)", "A2C, no demonstrations (greedy)"]);
  });

  it("says the sessions were not recorded in a directory without episodes.jsonl, and still renders the rest", () => {
    const data = readRunDir(ilrecDir("no-episodes", weights));
    expect(data.problems).toEqual([]);
    expect(data.present.episodes).toBe(false);
    const report = buildReport(data, { generatedAt: "fixed" });
    expect(report.sections.map((s) => s.id)).toEqual(SECTIONS);
    for (const id of ["lengths", "exposure"]) {
      expect(section(report.html, id)).toContain(`<p class="missing">Not recorded: this run directory has no <code>episodes.jsonl</code>.</p>`);
      expect(section(report.html, id)).not.toContain("<svg");
    }
    expect(report.html.match(/Not recorded/g)).toHaveLength(2);
    expect(report.html).toContain("<title>last refresh (step 300), 0: 50%</title>");
  });

  it("lists a malformed weights file or snapshot as a problem and still renders the rest", () => {
    const broken = readRunDir(ilrecDir("broken", "{ not json", EPISODES));
    expect(broken.problems.map((p) => p.file)).toEqual(["demo-weights.json"]);
    const html = buildReport(broken).html;
    expect(html).toContain("Could not read <code>demo-weights.json</code>");
    expect(html).toContain("Teacher vs policy");

    const bad = { ...snapshot(0, 1, 2), counts: [1] };
    const partial = readRunDir(ilrecDir("partial", { form: "filter", edges: EDGES, snapshots: [snapshot(0, 0, 2), bad] }));
    expect(partial.problems).toEqual([{ file: "demo-weights.json", message: "snapshots[1] must have seed, step, refresh, usable, zero and 10 counts that add up to usable (with zero); skipped" }]);
    expect(partial.demoWeights!.snapshots).toHaveLength(1);
    expect(buildReport(partial).html).toContain("<title>the only refresh (step 100), 0: 20%</title>");
  });

  it("leaves LERL run directories to the LERL report", () => {
    const data = readRunDir(writeFixtureRunDir(join(root, "lerl"), { episodesPerAgent: 10 }));
    expect(isIlrecRun(data)).toBe(false);
    expect(buildReport(data).sections.map((s) => s.id)).toEqual(["comparison", "curves", "lengths", "exposure", "config"]);
  });

  it("names a served row's learning curve without its serving mode", () => {
    expect(baseMethod("IL-Rec policy (sampled)")).toBe("IL-Rec policy");
    expect(baseMethod("teacher (billp-heuristic)")).toBe("teacher (billp-heuristic)");
  });
});
