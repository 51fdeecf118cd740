import { describe, expect, it } from "vitest";
import { evaluate, loadPreset, LoggingAgent, makeSimulator } from "@farsight/env";
import { PolicyAgent } from "@farsight/rl-policy/tf";
import { trainFromLog } from "./train-from-log.js";

const tiny = () => loadPreset("synthetic", { synthetic: { numItems: 60, numCategories: 6, numUsers: 60 } });

describe("trainFromLog (offline RL from a preset's training log)", () => {
  it("trains every logged transition once per epoch, with no environment, and the policy plays every mode", async () => {
    const setup = await tiny();
    const { algorithm, transitions, epochs } = await trainFromLog(setup, { algorithm: "bcq", seed: 1, epochs: 2, batchSize: 64 });
    // Every row of the log is one logged transition.
    expect(transitions).toBe(setup.trainLog.user.length);
    expect(epochs).toHaveLength(2);
    expect(algorithm.updates).toBe(2 * Math.ceil(transitions / 64));
    const r = await evaluate(setup, () => new PolicyAgent({ policy: algorithm.policy }), { episodes: 8, seeds: [1], mode: "NX_10" });
    expect(r.metrics["len"]).toBe(10);
    algorithm.dispose();
    algorithm.policy.dispose();
  });

  it("terminals quit-rule (default): the preset's quit rule ends logged sessions (more, shorter sessions), except in NX_10", async () => {
    const setup = await tiny();
    const plain = await trainFromLog(setup, { algorithm: "bc", seed: 1, epochs: 1, terminals: "session-end" });
    // The default replays the rule (the mode defaults to FB, which quits as NX_0 does).
    const quit = await trainFromLog(setup, { algorithm: "bc", seed: 1, epochs: 1 });
    const nx10 = await trainFromLog(setup, { algorithm: "bc", seed: 1, epochs: 1, terminals: "quit-rule", mode: "NX_10" });
    expect(plain.quits).toBe(0);
    expect(quit.quits).toBeGreaterThan(0);
    // Every quit cuts a session in two, unless it fell on the session's last step anyway.
    expect(quit.sessions).toBeGreaterThan(plain.sessions);
    expect(quit.sessions).toBeLessThanOrEqual(plain.sessions + quit.quits);
    expect(quit.transitions).toBe(plain.transitions);
    expect([nx10.quits, nx10.sessions]).toEqual([0, plain.sessions]);
    for (const r of [plain, quit, nx10]) {
      r.algorithm.dispose();
      r.algorithm.policy.dispose();
    }
  });
});

describe("LoggingAgent (the logging policy replayed)", () => {
  it("shows a user their own logged items first, never repeats, then falls back to the log's items", async () => {
    const setup = await tiny();
    const logged = new Map<number, Set<number>>();
    for (let j = 0; j < setup.trainLog.user.length; j++) (logged.get(setup.trainLog.user[j]!) ?? logged.set(setup.trainLog.user[j]!, new Set()).get(setup.trainLog.user[j]!)!).add(setup.trainLog.item[j]!);
    const sim = await makeSimulator(setup, "train-gt", { batchSize: 8, mode: "NX_10", seed: 2 });
    const agent = new LoggingAgent({ numItems: setup.catalog.numItems, logs: [setup.trainLog], seed: 2 });
    const out = new Int32Array(8);
    sim.reset();
    const shown: number[][] = Array.from({ length: 8 }, () => []);
    for (let t = 0; t < 10; t++) {
      agent.act(sim, out);
      for (let b = 0; b < 8; b++) shown[b]!.push(out[b]!);
      sim.step(out);
    }
    for (let b = 0; b < 8; b++) {
      const own = logged.get(sim.users[b]!) ?? new Set<number>();
      const n = Math.min(own.size, 10);
      expect(shown[b]!.slice(0, n).every((i) => own.has(i))).toBe(true);
      expect(new Set(shown[b]).size).toBe(10);
    }
    expect(() => new LoggingAgent({ numItems: 5, logs: [{ user: Int32Array.of(), item: Int32Array.of() }] })).toThrow(/log is empty/);
  });
});
