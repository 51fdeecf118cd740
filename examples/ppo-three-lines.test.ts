import { describe, expect, it } from "vitest";
import { ppoInThreeLines } from "./ppo-three-lines.ts";

describe("example: PPO.learn in three lines", () => {
  it("trains a PPO policy (no initBackend call anywhere) and evaluates it on held-out users", async () => {
    const { agent, metrics } = await ppoInThreeLines(320, 20);
    expect(agent.policy.kind).toBe("ppo");
    expect(agent.training!.envSteps).toBeGreaterThanOrEqual(320);
    expect(metrics.episodes).toBe(20);
    expect(metrics.len).toBeGreaterThan(0);
    expect(Number.isFinite(metrics.r_traj)).toBe(true);
    agent.dispose();
  });
});
