/**
 * The served session's components from an environment preset: the preset's catalogue and users, a planner
 * (the saturation-aware planner unless the caller brings one, e.g. an LLM planner), a recommender (a trained
 * policy directory, or else the preset's predicted world model as a scorer: learned from the training log, not
 * the ground truth), and a reflector (the template reflector unless the caller brings one).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { FarsightError } from "@farsight/core";
import { loadPreset, type EnvSetup, type PresetName } from "@farsight/env";
import { SaturationAwarePlanner, type Planner } from "@farsight/planner";
import { TemplateReflector, type Reflector } from "@farsight/reflector";
import { initBackend, type CheckpointManifest, loadCheckpoint, type Policy } from "@farsight/rl-policy/tf";
import type { Catalog } from "@farsight/core";
import type { SessionComponents } from "./session-assistant.js";

export interface PresetSessionOptions {
  readonly preset: PresetName;
  /** Where dataset presets (coat, ...) are read from. */
  readonly dataDir?: string;
  /** A directory written by `farsight train --out` (or `farsight run ilrec --out`, whose `policy/` is used). */
  readonly policyDir?: string;
  /** Default: `SaturationAwarePlanner` judging saturation over 5 slates, as the CLI's runs do. */
  readonly planner?: Planner;
  /** Default: `TemplateReflector`. */
  readonly reflector?: Reflector;
  /** Slate size when a scorer recommends (a policy brings its own). Default: the preset's. */
  readonly slateSize?: number;
  /** Default: the preset's session limit. */
  readonly maxSteps?: number;
  readonly seed?: number;
}

/** Session components, plus what to free when the server stops. */
export interface PresetSession extends SessionComponents {
  /** The loaded preset (for the other graphs served beside the session). */
  readonly setup: EnvSetup;
  /** The loaded policy's manifest, when a policy recommends. */
  readonly manifest?: CheckpointManifest;
  dispose(): void;
}

export async function presetSession(o: PresetSessionOptions): Promise<PresetSession> {
  const setup = await loadPreset(o.preset, o.dataDir ? { dataDir: o.dataDir } : {});
  const seed = o.seed ?? 0;
  const planner = o.planner ?? new SaturationAwarePlanner({ seed, windowSlates: 5, saturationShare: 0.15 });
  const reflector = o.reflector ?? new TemplateReflector();
  const maxSteps = o.maxSteps ?? setup.simulator.maxSteps ?? 30;
  // Clicks (0/1) or ratings (up to 5), as the preset's logs hold them and a policy's feedbackScale reads them.
  const feedbackRange = [0, setup.positiveThreshold > 1 ? 5 : 1] as const;
  const base = { setup, catalog: setup.catalog, numUsers: setup.numUsers, planner, reflector, maxSteps, feedbackRange };
  const describe = { preset: setup.name, planner: planner.name, reflector: reflector.name, maxSteps };
  if (o.policyDir) {
    const { policy, manifest } = await loadServedPolicy(o.policyDir, setup.catalog, setup.name);
    const recommender = `policy:${manifest.kind} (${o.policyDir})`;
    return { ...base, policy, manifest, slateSize: manifest.context.slateSize, describe: { ...describe, recommender }, dispose: () => policy.dispose() };
  }
  const { world } = await setup.predicted();
  const slateSize = o.slateSize ?? setup.simulator.slateSize ?? 1;
  return { ...base, scorer: world.scorer, slateSize, describe: { ...describe, recommender: "scorer:predicted-world-model", slateSize }, dispose: () => {} };
}

/**
 * Loads a trained policy for serving and checks that it was trained for this catalogue (item and category
 * counts, and the preset when the checkpoint names one). The optimiser state is freed: serving never learns.
 */
export async function loadServedPolicy(dir: string, catalog: Catalog, preset?: string): Promise<{ policy: Policy & { dispose(): void }; manifest: CheckpointManifest }> {
  const at = existsSync(join(dir, "policy.json")) ? dir : existsSync(join(dir, "policy", "policy.json")) ? join(dir, "policy") : undefined;
  if (!at) {
    throw new FarsightError("server/no-policy", `${dir} holds no policy: expected ${join(dir, "policy.json")} (farsight train --out) or ${join(dir, "policy", "policy.json")} (farsight run ilrec --out)`, { dir });
  }
  await initBackend();
  const { policy, manifest, algorithm } = await loadCheckpoint(at);
  algorithm.dispose();
  const saved = (manifest.meta["env"] ?? manifest.meta["preset"]) as string | undefined;
  const problems = [
    manifest.context.numItems !== catalog.numItems ? `${manifest.context.numItems} items (the catalogue has ${catalog.numItems})` : "",
    manifest.context.numCategories !== catalog.numCategories ? `${manifest.context.numCategories} categories (the catalogue has ${catalog.numCategories})` : "",
    preset && saved && saved !== preset ? `preset ${saved} (serving ${preset})` : "",
  ].filter(Boolean);
  if (problems.length) {
    policy.dispose();
    throw new FarsightError("server/policy-mismatch", `the policy in ${at} was trained for ${problems.join(", ")}; serve it with --env ${saved ?? "<its preset>"}`, { dir: at, saved, preset });
  }
  return { policy, manifest };
}
