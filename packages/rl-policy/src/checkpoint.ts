/**
 * Save and load a policy with its algorithm's optimiser state to a directory, without tfjs-node or
 * tfjs-layers: `policy.json` (kind, options, context, a manifest) plus `weights.bin` (parameters, item
 * categories and features) and `optimizer.bin` (Adam moments and step count), little-endian binary.
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { FarsightError } from "@farsight/core";
import { truncateProfiles, type UserPastSource, type UserProfiles } from "@farsight/env";
import { tf } from "./backend.js";
import type { Algorithm } from "./algorithm.js";
import { A2CAlgorithm, DEFAULT_A2C_OPTIONS, type A2COptions } from "./a2c.js";
import { DqnAlgorithm, DqnPolicy, type DqnOptions } from "./dqn.js";
import { createPpoPolicy, PpoAlgorithm, type PpoOptions } from "./ppo.js";
import { ReinforceAlgorithm, type ReinforceOptions } from "./reinforce.js";
import { createOfflineAlgorithm, OFFLINE_ALGORITHMS, type BcOptions, type BcqOptions, type CqlOptions, type CrrOptions } from "./offline/index.js";
import type { OfflineAlgorithm } from "./offline/offline-algorithm.js";
import type { OfflineKind } from "./offline/offline-policy.js";
import { SlatePolicy } from "./slate-policy.js";
import type { NeuralPolicy, PolicyContext } from "./policy.js";
import { type CheckpointManifest, type CheckpointEntry, CHECKPOINT_FORMAT } from "./plain-types.js";
export type { CheckpointManifest, CheckpointEntry } from "./plain-types.js";

// 2: PPO and A2C share the softmax slate policy with a return-normalised critic; the hyper-action lost its bias.
const VERSION = 2;


/** Writes `policy.json`, `weights.bin`, `optimizer.bin` into `dir` (created if needed). */
export async function saveCheckpoint(dir: string, algorithm: Algorithm | OfflineAlgorithm, meta: Record<string, unknown> = {}): Promise<CheckpointManifest> {
  const policy = algorithm.policy;
  const c = policy.context;
  const weights = new BinaryWriter();
  for (const name of policy.params.names()) weights.add(name, policy.params.require(name));
  weights.addRaw("context/itemCategory", "int32", [c.numItems], c.itemCategory);
  if (c.itemFeatures) weights.addRaw("context/itemFeatures", "float32", [c.numItems, c.featureDim], c.itemFeatures);
  const us = policy.options.userState, profiles = policy.boundProfiles;
  const userContext: Partial<CheckpointManifest["context"]> = {};
  if (us && profiles) {
    const top = truncateProfiles(profiles, us.topK);
    weights.addRaw("context/userOffsets", "int32", [top.numUsers + 1], top.offsets);
    weights.addRaw("context/userItems", "int32", [top.items.length], top.items);
    weights.addRaw("context/userRatings", "float32", [top.ratings.length], top.ratings);
    if (profiles.features) weights.addRaw("context/userFeatures", "float32", [profiles.numUsers, profiles.featureDim], profiles.features);
    // Computed from the whole logged past, which the checkpoint does not keep.
    const affinity = policy.boundAffinity;
    if (affinity) weights.addRaw("context/userAffinity", "float32", [profiles.numUsers, c.numCategories], affinity);
    Object.assign(userContext, { numUsers: profiles.numUsers, userFeatureDim: profiles.featureDim, userFeatureNames: profiles.featureNames });
  }
  const optimizer = new BinaryWriter();
  for (const { name, tensor } of await algorithm.optimizer.getWeights()) {
    // Moments are keyed by the engine-wide variable name; store the policy-local name.
    const slash = name.lastIndexOf("/");
    const local = slash > 0 ? policy.params.localName(name.slice(0, slash)) : undefined;
    optimizer.add(local !== undefined ? `${local}${name.slice(slash)}` : name, tensor);
    // getWeights makes a fresh scalar for the step count ("iter") on every call; the moments are the
    // optimiser's own variables and stay.
    if (!(tensor instanceof tf.Variable)) tensor.dispose();
  }
  const { auxiliaryLosses: _aux, ...algorithmOptions } = algorithm.options as Record<string, unknown>;
  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT,
    version: VERSION,
    kind: algorithm.kind,
    policyOptions: policy.options,
    algorithmOptions,
    context: { numItems: c.numItems, numCategories: c.numCategories, slateSize: c.slateSize, featureDim: c.itemFeatures ? c.featureDim : 0, ...userContext },
    updates: algorithm.updates,
    weights: weights.entries,
    optimizer: optimizer.entries,
    savedAt: new Date().toISOString(),
    meta,
  };
  await mkdir(dir, { recursive: true });
  // Write to temporary names and rename, so an interrupted save never leaves a half-written checkpoint.
  await writeFile(join(dir, "weights.bin.tmp"), weights.bytes());
  await writeFile(join(dir, "optimizer.bin.tmp"), optimizer.bytes());
  await writeFile(join(dir, "policy.json.tmp"), JSON.stringify(manifest, null, 2));
  for (const f of ["weights.bin", "optimizer.bin", "policy.json"]) await rename(join(dir, `${f}.tmp`), join(dir, f));
  return manifest;
}

/** A loaded checkpoint: the policy, and an algorithm ready to continue training it. */
export interface LoadedCheckpoint {
  readonly manifest: CheckpointManifest;
  readonly policy: NeuralPolicy;
  readonly algorithm: Algorithm;
}

/**
 * Reads a directory written by {@link saveCheckpoint} for an online algorithm (PPO, A2C, DQN, REINFORCE), ready to
 * continue training. Offline policies load with {@link loadOfflineCheckpoint}; {@link loadPolicy} loads any kind to
 * act. Errors name the directory and what is wrong.
 */
export async function loadCheckpoint(dir: string, overrides: { a2c?: Partial<A2COptions> } = {}): Promise<LoadedCheckpoint> {
  const { manifest, algorithm } = await readCheckpoint(dir, overrides);
  if ("offline" in algorithm) {
    algorithm.dispose();
    algorithm.policy.dispose();
    throw new FarsightError("rl-policy/bad-checkpoint", `${join(dir, "policy.json")} holds an offline ${manifest.kind} policy (trained from a log): load it with loadOfflineCheckpoint, or loadPolicy to act with it`, { dir, kind: manifest.kind });
  }
  return { manifest, policy: algorithm.policy, algorithm };
}

/** A loaded offline checkpoint: the policy, and the algorithm ready to continue `trainOffline`. */
export interface LoadedOfflineCheckpoint {
  readonly manifest: CheckpointManifest;
  readonly policy: NeuralPolicy;
  readonly algorithm: OfflineAlgorithm;
}

/** Reads a directory written by {@link saveCheckpoint} for an offline algorithm (BC, BCQ, CQL, CRR). */
export async function loadOfflineCheckpoint(dir: string): Promise<LoadedOfflineCheckpoint> {
  const { manifest, algorithm } = await readCheckpoint(dir, {});
  if (!("offline" in algorithm)) {
    algorithm.dispose();
    algorithm.policy.dispose();
    throw new FarsightError("rl-policy/bad-checkpoint", `${join(dir, "policy.json")} holds an online ${manifest.kind} policy: load it with loadCheckpoint`, { dir, kind: manifest.kind });
  }
  return { manifest, policy: algorithm.policy, algorithm };
}

/** The policy of any checkpoint (online or offline), to act with (`new PolicyAgent({ policy })`); the optimiser is freed. */
export async function loadPolicy(dir: string): Promise<{ manifest: CheckpointManifest; policy: NeuralPolicy }> {
  const { manifest, algorithm } = await readCheckpoint(dir, {});
  algorithm.dispose();
  return { manifest, policy: algorithm.policy };
}

async function readCheckpoint(dir: string, overrides: { a2c?: Partial<A2COptions> }): Promise<{ manifest: CheckpointManifest; algorithm: Algorithm | OfflineAlgorithm }> {
  let manifest: CheckpointManifest;
  try {
    manifest = JSON.parse(await readFile(join(dir, "policy.json"), "utf8")) as CheckpointManifest;
  } catch (err) {
    throw new FarsightError("rl-policy/bad-checkpoint", `Cannot read ${join(dir, "policy.json")}: ${err instanceof Error ? err.message : String(err)}`, { dir }, { cause: err });
  }
  if (manifest.format !== CHECKPOINT_FORMAT || manifest.version !== VERSION) {
    throw new FarsightError("rl-policy/bad-checkpoint", `${join(dir, "policy.json")} is not a ${CHECKPOINT_FORMAT} v${VERSION} checkpoint (format ${String(manifest.format)}, version ${String(manifest.version)})`, { dir });
  }
  const weights = new BinaryReader(await readFile(join(dir, "weights.bin")), manifest.weights, join(dir, "weights.bin"));
  const context: PolicyContext = {
    numItems: manifest.context.numItems,
    numCategories: manifest.context.numCategories,
    slateSize: manifest.context.slateSize,
    itemCategory: weights.int32("context/itemCategory"),
    itemFeatures: manifest.context.featureDim > 0 ? weights.float32("context/itemFeatures") : undefined,
    featureDim: manifest.context.featureDim,
    ...(manifest.context.numUsers !== undefined ? { profiles: savedProfiles(manifest.context, weights) } : {}),
    ...(manifest.policyOptions.userState?.categories ? { userAffinity: weights.float32("context/userAffinity") } : {}),
  };
  const algorithm = makeAlgorithm(manifest, context, overrides);
  try {
    await restore(algorithm, manifest, weights, dir);
  } catch (err) {
    // A refused checkpoint leaves no tensors behind.
    algorithm.dispose();
    algorithm.policy.dispose();
    throw err;
  }
  return { manifest, algorithm };
}

/** The users' top-k logged items and features a user-aware checkpoint keeps (see `CheckpointManifest.context`). */
function savedProfiles(c: CheckpointManifest["context"], weights: BinaryReader): UserProfiles {
  const numUsers = c.numUsers!, featureDim = c.userFeatureDim ?? 0;
  const offsets = weights.int32("context/userOffsets");
  if (offsets.length !== numUsers + 1) throw new FarsightError("rl-policy/bad-checkpoint", `context/userOffsets has ${offsets.length} entries for ${numUsers} users`, { numUsers });
  return {
    numUsers,
    offsets,
    items: weights.int32("context/userItems"),
    ratings: weights.float32("context/userRatings"),
    featureDim,
    features: featureDim > 0 ? weights.float32("context/userFeatures") : undefined,
    featureNames: c.userFeatureNames ?? [],
    source: Array.from({ length: numUsers }, (): UserPastSource => "training log"),
  };
}

/** Copies the saved weights and optimiser state into a freshly made algorithm, refusing non-finite values. */
async function restore(algorithm: Algorithm | OfflineAlgorithm, manifest: CheckpointManifest, weights: BinaryReader, dir: string): Promise<void> {
  const policy = algorithm.policy;
  for (const name of policy.params.names()) {
    const v = policy.params.require(name);
    const values = weights.float32(name);
    if (values.length !== v.size) throw new FarsightError("rl-policy/bad-checkpoint", `Parameter ${name} in ${dir} has ${values.length} values, the architecture needs ${v.size}`, { dir, name });
    checkFinite(values, name, join(dir, "weights.bin"));
    const t = tf.tensor(values, v.shape);
    v.assign(t);
    t.dispose();
  }
  policy.invalidate();
  if (algorithm instanceof DqnAlgorithm) {
    algorithm.target.params.copyFrom(policy.params);
    algorithm.target.invalidate();
  }
  // Offline learners with a target network (BCQ, CQL, CRR) start it from the loaded weights.
  if ("offline" in algorithm && "target" in algorithm) (algorithm as { target: { sync(): void } }).target.sync();
  (algorithm as { updates: number }).updates = manifest.updates;
  if (manifest.optimizer.length === 0) return;
  const opt = new BinaryReader(await readFile(join(dir, "optimizer.bin")), manifest.optimizer, join(dir, "optimizer.bin"));
  // Every value is read and checked before the first tensor is made, so a refusal leaks nothing.
  const saved = manifest.optimizer.map((e) => {
    const slash = e.name.lastIndexOf("/");
    const local = e.name.slice(0, slash);
    const engine = slash > 0 && policy.params.names().includes(local) ? `${policy.params.engineName(local)}${e.name.slice(slash)}` : e.name;
    // The step count is stored as int32 ("iter"); moments as float32.
    const values = e.dtype === "int32" ? opt.int32(e.name) : opt.float32(e.name);
    if (e.dtype !== "int32") checkFinite(values as Float32Array, e.name, join(dir, "optimizer.bin"));
    return { engine, e, values };
  });
  const named = saved.map(({ engine, e, values }) => ({ name: engine, tensor: e.dtype === "int32" ? tf.tensor(values, e.shape, "int32") : tf.tensor(values, e.shape) }));
  await algorithm.optimizer.setWeights(named);
  tf.dispose(named.map((n) => n.tensor));
}

/**
 * NaN or Infinity in saved weights means training had diverged (or the file is damaged): resuming from it
 * would train on garbage without a word, so loading refuses and names the file and the tensor.
 */
function checkFinite(values: Float32Array, name: string, file: string): void {
  let bad = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) bad++;
  if (bad > 0) {
    throw new FarsightError(
      "rl-policy/non-finite-checkpoint",
      `${file}: "${name}" holds ${bad} non-finite value(s) (NaN or Infinity) of ${values.length}; the run had diverged or the file is damaged. Load an earlier checkpoint or train again.`,
      { file, name, nonFinite: bad },
    );
  }
}

function makeAlgorithm(m: CheckpointManifest, context: PolicyContext, overrides: { a2c?: Partial<A2COptions> }): Algorithm | OfflineAlgorithm {
  const o = m.policyOptions;
  if ((OFFLINE_ALGORITHMS as readonly string[]).includes(m.kind)) {
    const a = m.algorithmOptions;
    return createOfflineAlgorithm({ algorithm: m.kind as OfflineKind, context, policy: o, bc: a as Partial<BcOptions>, bcq: a as Partial<BcqOptions>, cql: a as Partial<CqlOptions>, crr: a as Partial<CrrOptions> });
  }
  switch (m.kind) {
    case "ppo": {
      const a = m.algorithmOptions as unknown as PpoOptions;
      return new PpoAlgorithm(createPpoPolicy(context, o, a), a);
    }
    case "a2c":
      return new A2CAlgorithm(new SlatePolicy(context, o, "a2c", (m.algorithmOptions as Partial<A2COptions>).criticGradient), { ...(m.algorithmOptions as Partial<A2COptions>), auxiliaryLosses: DEFAULT_A2C_OPTIONS.auxiliaryLosses, ...overrides.a2c });
    case "dqn":
      return new DqnAlgorithm(new DqnPolicy(context, o), m.algorithmOptions as unknown as DqnOptions);
    case "reinforce":
      return new ReinforceAlgorithm(new SlatePolicy(context, o, "reinforce"), m.algorithmOptions as Partial<ReinforceOptions>);
    default:
      throw new FarsightError("rl-policy/bad-checkpoint", `Unknown policy kind "${String(m.kind)}"`, { kind: m.kind });
  }
}

class BinaryWriter {
  readonly entries: CheckpointEntry[] = [];
  private readonly chunks: Uint8Array[] = [];
  private offset = 0;

  add(name: string, t: tf.Tensor): void {
    const data = t.dataSync();
    this.addRaw(name, t.dtype === "int32" ? "int32" : "float32", t.shape, t.dtype === "int32" ? Int32Array.from(data) : Float32Array.from(data));
  }

  addRaw(name: string, dtype: "float32" | "int32", shape: number[], data: Float32Array | Int32Array): void {
    const bytes = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    this.entries.push({ name, dtype, shape, offset: this.offset });
    this.chunks.push(bytes);
    this.offset += bytes.byteLength;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.offset);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.byteLength;
    }
    return out;
  }
}

class BinaryReader {
  private readonly byName: Map<string, CheckpointEntry>;
  constructor(
    private readonly buf: Uint8Array,
    entries: CheckpointEntry[],
    private readonly file: string,
  ) {
    this.byName = new Map(entries.map((e) => [e.name, e]));
  }

  private slice(name: string): { entry: CheckpointEntry; bytes: ArrayBuffer } {
    const entry = this.byName.get(name);
    if (!entry) throw new FarsightError("rl-policy/bad-checkpoint", `${this.file} has no entry "${name}"`, { file: this.file, name });
    const size = entry.shape.reduce((p, n) => p * n, 1) * 4;
    if (entry.offset + size > this.buf.byteLength) throw new FarsightError("rl-policy/bad-checkpoint", `${this.file} is truncated: "${name}" needs bytes ${entry.offset}..${entry.offset + size}, the file has ${this.buf.byteLength}`, { file: this.file, name });
    return { entry, bytes: this.buf.buffer.slice(this.buf.byteOffset + entry.offset, this.buf.byteOffset + entry.offset + size) as ArrayBuffer };
  }

  float32(name: string): Float32Array {
    return new Float32Array(this.slice(name).bytes);
  }

  int32(name: string): Int32Array {
    return new Int32Array(this.slice(name).bytes);
  }
}
