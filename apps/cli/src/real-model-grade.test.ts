/** `farsight llm grade` on the real model (see test-real-model.ts for how the real-model tests skip). */
import { it, expect } from "vitest";
import { captureIO } from "./capture-io.js";
import { main } from "./main.js";
import { commands } from "./commands/index.js";
import { describeRealModel, SLOW } from "./test-real-model.js";

describeRealModel("llm grade", () => {
  it("`llm grade llama-cpp: --calls 2`: every role answers its probe requests, the planner is placed on the q scale", async () => {
    const io = captureIO();
    // Exit 1 when a role is flagged (the 135M model may collapse on 2 probes); the figures are what is checked.
    const code = await main(["llm", "grade", "llama-cpp:", "--calls", "2", "--json"], io, commands);
    const g = JSON.parse(io.out) as { roles: { role: string; answers: number; validShare: number; distinctShare: number; flag?: string; planQuality?: { score: number; q: number } }[] };
    expect(code).toBe(g.roles.some((r) => r.flag) ? 1 : 0);
    expect(g.roles.map((r) => [r.role, r.answers])).toEqual([["planner", 2], ["reflector", 2], ["critic", 2], ["actor", 2]]);
    for (const r of g.roles) expect(r.validShare).toBeGreaterThanOrEqual(0);
    const planner = g.roles[0]!;
    expect(planner.planQuality!.score).toBeGreaterThanOrEqual(0);
    expect(planner.planQuality!.q).toBeGreaterThanOrEqual(0);
    expect(planner.planQuality!.q).toBeLessThanOrEqual(1);
  }, SLOW);
});
