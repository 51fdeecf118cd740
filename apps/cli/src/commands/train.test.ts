import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadPreset, makeSimulator, type Agent, type EvalMode } from "@farsight/env";
import { resolveAgent } from "@farsight/lab";
import { UsageError } from "../command.js";
import { evalCommand } from "./eval.js";
import { trainCommand } from "./train.js";
import { captureIO } from "../capture-io.js";


let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "farsight-train-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("farsight train / eval --agent policy:DIR", () => {
  it("trains, prints the backend, progress and a final evaluation, and saves a policy that eval can load", async () => {
    const out = join(dir, "a2c");
    const io = captureIO();
    const code = await trainCommand.run(["--env", "synthetic", "--algo", "a2c", "--steps", "320", "--batch", "16", "--seed", "2", "--out", out, "--eval-episodes", "20"], io);
    expect(code).toBe(0);
    expect(io.out).toMatch(/^TF\.js backend: (wasm|cpu|tensorflow)/);
    expect(io.out).toMatch(/step\s+\d+\/320\s+episodes/);
    expect(io.out).toMatch(/eval on synthetic test users .* r_traj \d/);
    const manifest = JSON.parse(await readFile(join(out, "policy.json"), "utf8"));
    expect(manifest).toMatchObject({ kind: "a2c", meta: { env: "synthetic", seed: 2 } });

    const evalIo = captureIO();
    expect(await evalCommand.run(["--env", "synthetic", "--agent", `policy:${out}`, "--episodes", "20", "--json"], evalIo)).toBe(0);
    const result = JSON.parse(evalIo.out);
    expect(result.metrics.episodes).toBe(20);
    expect(result.metrics.r_traj).toBeGreaterThanOrEqual(0);
  });

  it("lets a saved policy repeat in FB, and only there", async () => {
    // A repeat logit of +50 makes the greedy choice an item of the history whenever one is allowed.
    const out = join(dir, "repeater");
    expect(await trainCommand.run(["--env", "synthetic", "--algo", "a2c", "--steps", "160", "--batch", "16", "--mode", "FB", "--repeat-logit", "50", "--out", out, "--eval-episodes", "0"], captureIO())).toBe(0);
    const setup = await loadPreset("synthetic");
    /** Items shown again within a session over 32 FB-simulator sessions. */
    const repeats = async (agent: Agent) => {
      const sim = await makeSimulator(setup, "test", { batchSize: 16, autoReset: true, sessionLimit: 32, seed: 3, mode: "FB" });
      const slates = new Int32Array(sim.batchSize * sim.slateSize);
      let count = 0;
      agent.begin?.(sim);
      sim.reset();
      while (sim.numActive() > 0) {
        agent.act(sim, slates);
        for (let b = 0; b < sim.batchSize; b++) if (sim.active[b] && sim.wasRecommended(b, slates[b * sim.slateSize]!)) count++;
        sim.step(slates);
      }
      return count;
    };
    const agentIn = (mode: EvalMode | undefined) => resolveAgent(`policy:${out}`, setup, 0, mode);
    expect(await repeats(await agentIn("FB"))).toBeGreaterThan(0);
    expect(await repeats(await agentIn("NX_0"))).toBe(0);
    expect(await repeats(await agentIn(undefined))).toBe(0);
  });

  it("rejects bad flags with a usage error", async () => {
    await expect(trainCommand.run(["--algo", "sac", "--out", dir], captureIO())).rejects.toBeInstanceOf(UsageError);
    await expect(trainCommand.run(["--env", "synthetic"], captureIO())).rejects.toThrow(/--out DIR is required/);
    await expect(trainCommand.run(["--steps", "0", "--out", dir], captureIO())).rejects.toThrow(/--steps/);
    await expect(trainCommand.run(["--algo", "bc", "--repeat-logit=-10", "--out", dir], captureIO())).rejects.toThrow(/--repeat-logit .* bc has none/);
  });
});
