import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readRunDir } from "@farsight/lab";
import { DEMO_ORACLE_Q, demoCommand } from "./demo.js";

// One chunk per method (the demo trains with 32 sessions, 320 transitions a chunk): the checks are about what the
// demo runs and writes, not how well it learns.
describe("farsight demo (small budget)", () => {
  const dir = mkdtempSync(join(tmpdir(), "farsight-demo-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("trains, evaluates LERL, flat PPO greedy and sampled and the baselines, labels the protocol, and writes a run directory the report reads", async () => {
    const out = join(dir, "run");
    let text = "";
    const code = await demoCommand.run(["--out", out, "--steps", "320", "--episodes", "12", "--with-oracle"], { stdout: (t) => (text += t), stderr: () => {}, isTTY: false });
    expect(code).toBe(0);
    const agents = ["LERL (reflection-guided)", `LERL (noisy-oracle:${DEMO_ORACLE_Q}: reads the quit rule)`, "LERL (oracle-saturation: reads the quit rule)", "PPO (flat)", "PPO (flat, sampled)", "random", "popularity"];
    for (const agent of agents) expect(text).toContain(agent);
    const data = readRunDir(out);
    expect(data.problems).toEqual([]);
    const rows = data.results!.rows;
    expect(rows.map((r) => r.agent)).toEqual(agents);
    expect(rows.map((r) => r.eval)).toEqual(["greedy", "greedy", "greedy", "greedy", "sampled", "baseline", "baseline"]);
    expect(rows.map((r) => r.oracle)).toEqual([false, true, true, false, false, false, false]);
    // Who won: one line per LERL row against flat PPO, with the interval's meaning spelled out under them.
    for (const agent of agents.slice(0, 3)) expect(text).toMatch(new RegExp(`${agent.replace(/[()]/g, "\\$&")} - PPO \\(flat\\): [+-][\\d.]+ \\[[-\\d.]+, [-\\d.]+\\] R_traj per session: (.+ wins|no difference shown)`));
    expect(text).toMatch(/95% bootstrap CI over the 12 \+ 12 evaluation sessions of training seed 0/);
    // The synthetic preset's test users are disjoint from its train users.
    expect(data.results!.note).toMatch(/held-out users/);
    expect(data.results!.note).toMatch(/never shows an item twice/);
    expect(data.results!.note).toMatch(/oracle/);
    expect(data.config).toMatchObject({ oracle: true, eval: { users: "held-out users", policies: { lerl: "greedy", flatPpo: ["greedy", "sampled"] } } });
    expect(data.episodes!.filter((e) => e.agent === "random")).toHaveLength(12);
    expect(data.curves!.some((c) => c.series === "LERL (reflection-guided)")).toBe(true);
    // The oracle cannot be quit under the synthetic rule at slate size 1: every session runs to the step limit.
    expect(data.episodes!.filter((e) => e.agent === agents[2]).every((e) => e.length === 30)).toBe(true);
    expect(existsSync(join(out, "report.html"))).toBe(true);
    expect(readFileSync(join(out, "report.html"), "utf8")).toContain("reads the quit rule");
  }, 180_000);
});
