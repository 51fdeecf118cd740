/**
 * IL-Rec end to end: demonstrate -> learn reward -> train policy -> serve.
 *
 * 1. The teacher (./teacher.ts) plays `demos` sessions against the training-time world model; every step is
 *    written to `<outDir>/demonstrations.jsonl` and the file is read back (what trains is what was written).
 * 2. The IL-Rec learner (`@farsight/rl-policy`: discriminator, demo weights, mixed replay, A2C + imitation)
 *    trains a policy on the training-time world for `steps` transitions. Baselines on the same budget:
 *    A2C without demonstrations, behaviour cloning of the demonstrations (imitation term only).
 * 3. Serving: each policy alone (no LLM), greedy and/or sampled (`serve`), on the held-out ground truth, next to
 *    the teacher itself and random; plus the cost per recommendation (LLM calls, milliseconds at one session at
 *    a time). Every evaluation session is handed to `onEpisode` with its row's method name (for a run's
 *    `episodes.jsonl`: session lengths and category exposure per method).
 */
import { join } from "node:path";
import { mean, type Episode } from "@farsight/core";
import { makeSimulator, RandomAgent, Session, type Agent, type EnvSetup } from "@farsight/env";
import type { LlmStats } from "@farsight/llm";
import {
  type PolicyOptions,
  A2CPolicy,
  contextFromEnv,
  DemoBuffer,
  ilrecDefaults,
  IlrecLearner,
  PolicyAgent,
  resolveIlrecOptions,
  saveCheckpoint,
  trainBehaviourCloning,
  type IlrecOptions,
  type IlrecProgress,
  type IlrecTrainSummary,
} from "@farsight/rl-policy/tf";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { BillpTrajectory } from "../billp-session.js";
import { evaluateAgent } from "../evaluate.js";
import { defaultTrainWorld, policyDefaults, trainSimulator, type TrainWorld } from "../train.js";
import { TrainingRecorder, type IlrecHistory } from "./history.js";
import { episodesFromRecords, readDemonstrations, recordsFromTrajectory, writeDemonstrations } from "./schema.js";
import { buildTeacher, runTeacher, trainingSession, type TeacherKind } from "./teacher.js";

/** How learned policies choose slates at serving: the top-K (greedy) or a Plackett-Luce sample (IL-Rec's released evaluation). */
export type ServeMode = "greedy" | "sampled";

export interface IlrecPipelineOptions {
  readonly setup: EnvSetup;
  readonly teacher: TeacherKind;
  /** The `noisy-oracle` teacher's quality q in [0, 1] (required for that teacher, ignored by the others). */
  readonly teacherQ?: number;
  readonly model?: BaseChatModel | null;
  readonly stats?: LlmStats;
  /** Demonstration sessions. */
  readonly demos: number;
  /** Training budget of each learned policy, in env transitions. */
  readonly steps: number;
  readonly seed: number;
  /** Where demonstrations.jsonl, the policy checkpoint and results.json go; none: nothing is written. */
  readonly outDir?: string;
  /** Evaluation sessions on the held-out ground truth per method (default 100). */
  readonly episodes?: number;
  /** Teacher evaluation sessions (default: `episodes`; LLM teachers are slow). */
  readonly teacherEpisodes?: number;
  /** Default: the project's (ground truth of train users for simulated presets, predicted model otherwise). */
  readonly trainWorld?: TrainWorld;
  /** Concurrent training sessions (default 16). */
  readonly batchSize?: number;
  /** Overrides of the per-dataset IL-Rec defaults. */
  readonly ilrec?: Partial<IlrecOptions>;
  readonly policy?: Partial<PolicyOptions>;
  /** Serving modes of the learned policies, one table row each (default both: greedy, then sampled). */
  readonly serve?: readonly ServeMode[];
  /** Behaviour-cloning gradient steps (default: max(500, IL-Rec's imitation steps)). */
  readonly bcSteps?: number;
  /** BiLLP's -1000 on a quit for the teacher's micro level; default: the env's reward. */
  readonly quitReward?: number;
  /** How the LLM teacher's actor and critic answer: BiLLP's text (default) or JSON under the model's constraints. */
  readonly teacherOutput?: "text" | "structured";
  /** Cap the teacher's sessions (demonstrations and its evaluation) at this many steps; default: the preset's. */
  readonly teacherMaxSteps?: number;
  readonly log?: (line: string) => void;
  readonly onProgress?: (p: IlrecProgress) => void;
  /**
   * Every finished evaluation session of step 3, as it finishes: `method` is exactly the `method` of its row
   * in the result ("IL-Rec policy (greedy)", "teacher (billp-heuristic)", "random", ...), `seed` the seed it
   * ran under. Methods come in table order; each gets `episodes` sessions (the teacher `teacherEpisodes`).
   * The sessions that only time the policy's serving latency are not evaluation sessions and are not reported.
   */
  readonly onEpisode?: (method: string, episode: Episode, seed: number) => void;
}

/** One line of the results table. */
export interface IlrecRow {
  readonly method: string;
  /** greedy / sampled for learned policies; undefined for the teacher and random (they act as they act). */
  readonly serve?: ServeMode;
  readonly len: number;
  readonly r_traj: number;
  readonly r_each: number;
  readonly episodes: number;
  /** Model calls per recommendation (NaN where not measured). */
  readonly llmCallsPerRec: number;
  /** Wall milliseconds per recommendation, one session at a time (NaN where not measured). */
  readonly msPerRec: number;
}

export interface IlrecPipelineResult {
  readonly rows: IlrecRow[];
  readonly demonstrations: { readonly sessions: number; readonly steps: number; readonly meanReturn: number; readonly file?: string; readonly replacementRate: number };
  readonly training: IlrecTrainSummary;
  readonly options: IlrecOptions;
  readonly trainWorld: TrainWorld;
  /** Teacher ms per recommendation / IL-Rec policy ms per recommendation. */
  readonly latencyRatio: number;
  /** Learning curves of IL-Rec and the baselines, and the demonstration weights at every refresh. */
  readonly history: IlrecHistory;
}

/** Milliseconds per recommendation of an env agent serving one session at a time on the test users. */
export async function servingLatency(setup: EnvSetup, agent: Agent, episodes: number, seed: number): Promise<number> {
  const sim = await makeSimulator(setup, "test", { batchSize: 1, autoReset: true, sessionLimit: episodes, seed });
  const slate = new Int32Array(sim.slateSize);
  agent.begin?.(sim);
  sim.reset();
  let ms = 0, n = 0;
  while (sim.numActive() > 0) {
    const t0 = performance.now();
    agent.act(sim, slate);
    ms += performance.now() - t0;
    n++;
    sim.step(slate);
  }
  return n > 0 ? ms / n : NaN;
}

export async function runIlrecPipeline(o: IlrecPipelineOptions): Promise<IlrecPipelineResult> {
  const log = o.log ?? (() => {});
  const { setup, seed } = o;
  const episodes = o.episodes ?? 100;
  const world = o.trainWorld ?? defaultTrainWorld(setup);

  // 1. Demonstrations on the training-time world.
  const trainSession = await trainingSession(setup, world, seed, o.teacherMaxSteps);
  const teacher = buildTeacher({
    kind: o.teacher, catalog: setup.catalog, scorer: trainSession.sim.scorer, model: o.model ?? null, ...(o.stats ? { stats: o.stats } : {}), seed,
    ...(o.teacherOutput ? { output: o.teacherOutput } : {}), ...(o.teacher === "noisy-oracle" ? { setup, ...(o.teacherQ !== undefined ? { q: o.teacherQ } : {}) } : {}),
  });
  log(`demonstrating: ${o.demos} sessions of ${teacher.name} on the ${world === "predicted" ? "predicted world model" : "ground truth of the training users"}`);
  const demoRun = await runTeacher(teacher, trainSession, o.demos, { ...(o.stats ? { stats: o.stats } : {}), ...(o.quitReward !== undefined ? { quitReward: o.quitReward } : {}) });
  let records = demoRun.trajectories.flatMap((t) => recordsFromTrajectory(t, teacher.name, setup.catalog));
  const file = o.outDir ? join(o.outDir, "demonstrations.jsonl") : undefined;
  if (file) {
    writeDemonstrations(file, records);
    records = readDemonstrations(file);
  }
  const demoEpisodes = episodesFromRecords(records, setup.catalog);
  const slots = demoRun.trajectories.reduce((n, t) => n + t.steps.reduce((m, s) => m + s.slate.length, 0), 0);
  const demonstrations = {
    sessions: demoEpisodes.length, steps: records.length, meanReturn: mean(demoEpisodes.map((e) => e.return)),
    replacementRate: slots ? demoRun.trajectories.reduce((n, t) => n + t.replacements, 0) / slots : 0, ...(file ? { file } : {}),
  };
  log(`demonstrations: ${demonstrations.sessions} sessions, ${demonstrations.steps} steps, mean return ${demonstrations.meanReturn.toFixed(2)}${file ? ` -> ${file}` : ""}`);

  // 2. Reward learning + policy training (IL-Rec), and the baselines on the same budget.
  const options = resolveIlrecOptions(ilrecDefaults(setup.name), { seed }, o.ilrec ?? {});
  const policyOptions = { ...policyDefaults(setup, seed), ...o.policy };
  const batchSize = o.batchSize ?? 16;
  const newPolicy = async () => {
    const env = await trainSimulator(setup, world, batchSize, seed);
    return { env, policy: new A2CPolicy(contextFromEnv(env), policyOptions) };
  };
  const ilrec = await newPolicy();
  const demos = DemoBuffer.fromEpisodes(demoEpisodes, {
    historyLength: ilrec.policy.options.historyLength, slateSize: ilrec.env.slateSize, numItems: ilrec.env.numItems,
    feedbackScale: ilrec.policy.options.feedbackScale, gamma: options.demoGamma,
  });
  log(`training IL-Rec for ${o.steps} steps (lambda_imit ${options.imitationCoef} annealed over ${options.imitationAnneal} of the budget, ${options.imitationSteps} imitation step(s) per rollout, advantage ${options.advantage}, weights ${options.weights.form ?? "filter"} beta ${options.weights.beta} alpha ${options.weights.alpha}, reward ${options.rewardMode}; ${demos.unusableRows} demonstrated repeats ignored)`);
  const learner = new IlrecLearner(ilrec.policy, demos, options);
  const recorder = new TrainingRecorder(o.steps, options.weights.form ?? "filter");
  const ilrecCurve = recorder.progress("IL-Rec policy", options.imitationCoef);
  let seenWeights = demos.weights;
  const training = await learner.train(ilrec.env, o.steps, (p) => {
    ilrecCurve(p);
    // The learner replaces the weight array at each refresh: a new array is a new snapshot.
    if (demos.weights !== seenWeights) {
      seenWeights = demos.weights;
      recorder.snapshot(p.envSteps, seenWeights, demos.usable);
    }
    o.onProgress?.(p);
  });
  log(`IL-Rec: ${training.updates} updates, discriminator accuracy ${training.discriminatorAccuracy.toFixed(2)}, demonstrations accepted at the end ${(100 * training.acceptedShare).toFixed(0)}% (mean weight ${training.meanWeight.toFixed(2)}), ${(training.elapsedMs / 1000).toFixed(1)} s`);
  if (o.outDir) await saveCheckpoint(join(o.outDir, "policy"), learner.algorithm, { method: "ilrec", preset: setup.name, seed, teacher: teacher.name });

  const plain = await newPolicy();
  const a2c = new IlrecLearner(plain.policy, null, options);
  await a2c.train(plain.env, o.steps, recorder.progress("A2C, no demonstrations"));
  log("A2C without demonstrations trained");
  const bc = await newPolicy();
  // BC is a baseline: give it enough steps to fit the demonstrations (500 = about 20 epochs of 100 Coat sessions),
  // even where IL-Rec's annealed imitation took fewer.
  const bcSteps = o.bcSteps ?? Math.max(500, training.updates * options.imitationSteps);
  trainBehaviourCloning(bc.policy, demos, { steps: bcSteps, batchSize: options.replayBatch, seed, learningRate: options.a2c.learningRate ?? 1e-3 }, recorder.bcStep("behaviour cloning", bcSteps));
  log(`behaviour cloning: ${bcSteps} steps`);

  // 3. Serving on the held-out ground truth.
  const evalOptions = { episodes, seeds: [seed] };
  const serve = o.serve ?? ["greedy", "sampled"];
  if (serve.length === 0) throw new RangeError("runIlrecPipeline: serve needs at least one mode (greedy, sampled)");
  const onEpisode = o.onEpisode;
  const row = async (base: string, agent: () => Agent, mode?: ServeMode, cost?: { calls: number; ms: number }): Promise<IlrecRow> => {
    const method = mode ? `${base} (${mode})` : base;
    const r = await evaluateAgent(setup, agent, { ...evalOptions, ...(onEpisode ? { onEpisode: (e: Episode, s: number) => onEpisode(method, e, s) } : {}) });
    return { method, ...(mode ? { serve: mode } : {}), len: r.metrics.len!, r_traj: r.metrics.r_traj!, r_each: r.metrics.r_each!, episodes: r.metrics.episodes!, llmCallsPerRec: cost?.calls ?? NaN, msPerRec: cost?.ms ?? NaN };
  };
  const learned = (method: string, policy: A2CPolicy, name: string, cost?: { calls: number; ms: number }) =>
    serve.map((mode) => () => row(method, () => new PolicyAgent({ policy, name: `${name}-${mode}`, deterministic: mode === "greedy" }), mode, cost));
  const policyMs = await servingLatency(setup, new PolicyAgent({ policy: ilrec.policy }), Math.min(episodes, 30), seed);
  const rows: IlrecRow[] = [];
  for (const r of learned("IL-Rec policy", ilrec.policy, "ilrec", { calls: 0, ms: policyMs })) rows.push(await r());

  const testSession = new Session(await makeSimulator(setup, "test", { batchSize: 1, seed, ...(o.teacherMaxSteps ? { maxSteps: o.teacherMaxSteps } : {}) }));
  const teacherMethod = `teacher (${teacher.name})`;
  const teacherRun = await runTeacher(teacher, testSession, o.teacherEpisodes ?? episodes, {
    ...(o.stats ? { stats: o.stats } : {}), ...(o.quitReward !== undefined ? { quitReward: o.quitReward } : {}),
    ...(onEpisode ? { onSession: (t: BillpTrajectory) => onEpisode(teacherMethod, t.episode, seed) } : {}),
  });
  const te = teacherRun.trajectories.map((t) => t.episode);
  const teacherMs = teacherRun.elapsedMs / Math.max(1, teacherRun.recommendations);
  rows.push({
    method: teacherMethod, len: mean(te.map((e) => e.length)), r_traj: mean(te.map((e) => e.return)), r_each: mean(te.map((e) => (e.length ? e.return / e.length : NaN))),
    episodes: te.length, llmCallsPerRec: teacherRun.llmCalls / Math.max(1, teacherRun.recommendations), msPerRec: teacherMs,
  });
  for (const r of learned("A2C, no demonstrations", plain.policy, "a2c")) rows.push(await r());
  for (const r of learned("behaviour cloning", bc.policy, "bc")) rows.push(await r());
  rows.push(await row("random", () => new RandomAgent({ seed })));
  learner.dispose();
  a2c.dispose();
  for (const p of [ilrec.policy, plain.policy, bc.policy]) p.dispose();
  return { rows, demonstrations, training, options, trainWorld: world, latencyRatio: teacherMs / policyMs, history: recorder.history() };
}
