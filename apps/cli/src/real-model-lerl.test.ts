/** `farsight run lerl` end to end on the real model (see test-real-model.ts for how the real-model tests skip). */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it, expect } from "vitest";
import { captureIO } from "./capture-io.js";
import { main } from "./main.js";
import { commands } from "./commands/index.js";
import { describeRealModel, SLOW } from "./test-real-model.js";

describeRealModel("run lerl", () => {
  it("`run lerl --planner llm --llm llama-cpp:` finishes end to end on synthetic with a small budget", async () => {
    const out = mkdtempSync(join(tmpdir(), "farsight-real-lerl-"));
    const io = captureIO();
    // A few model calls per role. Training runs whole chunks (PPO's rollout: 10 batched steps), so the smallest budget
    // is one chunk whatever --steps says; the 135M model's collapsed plans end sessions within 3 steps, so every
    // session is a new plan: with --batch 2 that chunk made 13 calls (9 plans, 3 reflections, the preflight), one
    // session at a time about half. --accept-collapse: a smoke test of the path; the 135M model's plans may well be
    // one plan (the guard's verdict is in results.json either way, and the collapse test against a fake server pins
    // the exit code).
    const argv = ["run", "lerl", "--planner", "llm", "--llm", "llama-cpp:", "--steps", "8", "--batch", "1", "--episodes", "1", "--plan-every", "10", "--out", out, "--json", "--accept-collapse"];
    expect(await main(argv, io, commands)).toBe(0);
    const rows = (JSON.parse(io.out) as { rows: { agent: string; len: number; llm_fallback_share: number }[] }).rows;
    // The row names what ran, with the planner's fallback share; exit 0 means it stayed under the default 20%.
    const lerl = rows.find((r) => /^LERL \(llm-category, .*fallback\)$/.test(r.agent));
    // Evaluation calls may all be cache hits (the prompts repeat those of training), so the row's calls/slate can be 0.
    expect(lerl?.len).toBeGreaterThanOrEqual(1);
    expect(lerl?.llm_fallback_share).toBeLessThanOrEqual(0.2);
    expect(JSON.parse(readFileSync(join(out, "config.json"), "utf8"))).toMatchObject({ llm: "llama-cpp:" });
  }, SLOW);
});
