import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OnPolicyAlgorithm } from "./algorithm.js";
import { createAlgorithm } from "./agent.js";
import { initBackend, tf } from "./backend.js";
import { loadCheckpoint, saveCheckpoint, type CheckpointManifest } from "./checkpoint.js";
import { tinyContext, trainOnBandit } from "./fixtures.js";

let dir: string;
beforeAll(async () => {
  await initBackend();
  dir = await mkdtemp(join(tmpdir(), "rl-policy-checkpoint-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Overwrites value `index` of the saved tensor `name` in `file` (weights.bin or optimizer.bin) with `value`. */
async function plant(ckpt: string, file: "weights.bin" | "optimizer.bin", pick: (e: CheckpointManifest["weights"][number]) => boolean, value: number): Promise<string> {
  const manifest = JSON.parse(await readFile(join(ckpt, "policy.json"), "utf8")) as CheckpointManifest;
  const entries = file === "weights.bin" ? manifest.weights : manifest.optimizer;
  const entry = entries.find((e) => e.dtype === "float32" && pick(e))!;
  const bytes = await readFile(join(ckpt, file));
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setFloat32(entry.offset + 4, value, true);
  await writeFile(join(ckpt, file), bytes);
  return entry.name;
}

describe("checkpoint files", () => {
  it("saving and loading leave tf.memory().numTensors where it was (no scalar per save)", async () => {
    const a = createAlgorithm({ algorithm: "ppo", context: tinyContext(), policy: { seed: 1 } }) as OnPolicyAlgorithm;
    trainOnBandit(a, 2, 16); // creates the optimiser's moments, so getWeights returns them and the step count
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) await saveCheckpoint(join(dir, "flat"), a);
    expect(tf.memory().numTensors).toBe(before);
    for (let i = 0; i < 3; i++) {
      const loaded = await loadCheckpoint(join(dir, "flat"));
      loaded.algorithm.dispose();
      loaded.policy.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    a.dispose();
    a.policy.dispose();
  });

  it("refuses NaN in the weights, naming the file and the tensor, and leaks nothing", async () => {
    const a = createAlgorithm({ algorithm: "a2c", context: tinyContext(), policy: { seed: 2 } }) as OnPolicyAlgorithm;
    trainOnBandit(a, 2, 16);
    const ckpt = join(dir, "nan-weights");
    await saveCheckpoint(ckpt, a);
    const name = await plant(ckpt, "weights.bin", (e) => !e.name.startsWith("context/"), NaN);
    const before = tf.memory().numTensors;
    const err = await loadCheckpoint(ckpt).then(() => undefined, (e: Error) => e);
    expect(err?.message).toContain(join(ckpt, "weights.bin"));
    expect(err?.message).toContain(`"${name}" holds 1 non-finite value(s)`);
    expect(tf.memory().numTensors).toBe(before);
    a.dispose();
    a.policy.dispose();
  });

  it("refuses Infinity in the optimiser's moments, naming optimizer.bin", async () => {
    const a = createAlgorithm({ algorithm: "ppo", context: tinyContext(), policy: { seed: 3 } }) as OnPolicyAlgorithm;
    trainOnBandit(a, 2, 16);
    const ckpt = join(dir, "inf-moments");
    await saveCheckpoint(ckpt, a);
    const name = await plant(ckpt, "optimizer.bin", (e) => e.shape.length > 0, Infinity);
    await expect(loadCheckpoint(ckpt)).rejects.toThrow(`${join(ckpt, "optimizer.bin")}: "${name}" holds 1 non-finite`);
    // The untouched checkpoint of the same policy still loads.
    await saveCheckpoint(ckpt, a);
    const ok = await loadCheckpoint(ckpt);
    expect(ok.algorithm.updates).toBe(a.updates);
    ok.algorithm.dispose();
    ok.policy.dispose();
    a.dispose();
    a.policy.dispose();
  });
});
