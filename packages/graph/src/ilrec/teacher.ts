/**
 * IL-Rec's teacher: a BiLLP-style agent (planner -> actor -> env -> critic with actor/critic memories; a
 * reflection after each session) that plays sessions one by one through the BiLLP graph ({@link createBillpGraph}),
 * one graph invocation per session.
 * - `llm`: LLM thought planner, LLM actor (candidates ranked by the training-time world model), LLM critic,
 *   LLM failure reflector: the real BiLLP-style agent.
 * - `heuristic`: saturation-aware planner, catalogue-greedy actor and scorer critic, both on the
 *   training-time world model's scores, template reflector: the offline stand-in.
 * - `noisy-oracle`: the heuristic teacher whose planner is `noisy-oracle(q)`: the quit-aware oracle's plan
 *   (it reads the preset's quit rule, and for item rules the teacher's world) with probability q, a random plan
 *   otherwise. A teacher of known quality, for sweeps of IL-Rec against teacher quality; an oracle when q > 0.
 * The components only ever see the training-time world model's scores; where they are evaluated (the held-out
 * ground truth) they are the same agent with the same memories.
 */
import { FarsightError, type Catalog, type ItemScorer } from "@farsight/core";
import { ScorerCritic } from "@farsight/critic";
import { LlmCritic } from "@farsight/critic/llm";
import { makeSimulator, Session, type EnvSetup } from "@farsight/env";
import type { LlmStats } from "@farsight/llm";
import { CatalogGreedyActor } from "@farsight/llm-actor";
import { LlmActor } from "@farsight/llm-actor/llm";
import { checkPlannerQuality, SaturationAwarePlanner, type Planner } from "@farsight/planner";
import { LlmThoughtPlanner } from "@farsight/planner/llm";
import { ReflectionPool, TemplateReflector } from "@farsight/reflector";
import { LlmFailureReflector } from "@farsight/reflector/llm";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { createBillpGraph } from "../billp-graph.js";
import type { BillpComponents, BillpTrajectory } from "../billp-session.js";
import { noisyOraclePlanner } from "../oracle-planners.js";
import type { TrainWorld } from "../train.js";

export const TEACHER_KINDS = ["llm", "heuristic", "noisy-oracle"] as const;
export type TeacherKind = (typeof TEACHER_KINDS)[number];

export interface TeacherOptions {
  readonly kind: TeacherKind;
  readonly catalog: Catalog;
  /** The training-time world model's scores (the only knowledge of users the teacher gets). */
  readonly scorer: ItemScorer;
  /** Required for `llm`. */
  readonly model?: BaseChatModel | null;
  readonly stats?: LlmStats;
  readonly seed: number;
  /** How the LLM actor and critic answer: "text" (BiLLP's lines, default) or "structured" (JSON, constrained where the model can). */
  readonly output?: "text" | "structured";
  /** `noisy-oracle` only (required there): the planner's quality, the probability of the oracle's plan, in [0, 1]. */
  readonly q?: number;
  /** `noisy-oracle` only (required there): the preset whose quit rule the oracle reads. */
  readonly setup?: EnvSetup;
}

/** A teacher: its components (memories included) and a name for the demonstration file. */
export interface Teacher {
  readonly name: string;
  readonly components: BillpComponents;
}

export function buildTeacher(o: TeacherOptions): Teacher {
  const reflections = new ReflectionPool({ seed: o.seed });
  if (o.kind === "llm") {
    if (!o.model) throw new FarsightError("graph/ilrec-no-model", "the llm teacher needs a chat model: pass --llm <spec> (or use --teacher heuristic)", {});
    const stats = o.stats ? { stats: o.stats } : {};
    return {
      name: "billp-llm",
      components: {
        planner: new LlmThoughtPlanner({ model: o.model, seed: o.seed, ...stats }),
        actor: new LlmActor({ model: o.model, catalog: o.catalog, seed: o.seed, candidateScorer: o.scorer, ...stats, ...(o.output ? { output: o.output } : {}) }),
        critic: new LlmCritic({ model: o.model, catalog: o.catalog, ...stats, ...(o.output ? { output: o.output } : {}) }),
        reflector: new LlmFailureReflector({ model: o.model, ...stats }),
        reflections,
      },
    };
  }
  let planner: Planner = new SaturationAwarePlanner({ seed: o.seed });
  let name = "billp-heuristic";
  if (o.kind === "noisy-oracle") {
    if (o.q === undefined || !o.setup) throw new FarsightError("graph/ilrec-bad-teacher", `the noisy-oracle teacher needs its quality q (in [0, 1]) and the preset whose quit rule its oracle reads; got q ${String(o.q)}${o.setup ? "" : " and no preset"}`, { q: o.q });
    checkPlannerQuality(o.q);
    // The oracle ranks items by the same training-time scores the actor and critic see: the teacher's world.
    planner = noisyOraclePlanner(o.setup, o.q, { seed: o.seed, scorer: o.scorer, worldName: "the teacher's training-time world" });
    name = `billp-${planner.name}`;
  }
  return {
    name,
    components: {
      planner,
      actor: new CatalogGreedyActor({ catalog: o.catalog, scorer: o.scorer }),
      critic: new ScorerCritic({ scorer: o.scorer }),
      reflector: new TemplateReflector(),
      reflections,
    },
  };
}

/** A one-slot simulator (no auto-reset) on the training users of the training-time world. */
export async function trainingSession(setup: EnvSetup, world: TrainWorld, seed: number, maxSteps?: number): Promise<Session> {
  return new Session(await makeSimulator(setup, world === "predicted" ? "train" : "train-gt", { batchSize: 1, seed, ...(maxSteps ? { maxSteps } : {}) }));
}

/** Cost and outcome of running a teacher for some sessions. */
export interface TeacherRun {
  readonly trajectories: BillpTrajectory[];
  /** Recommendations (slates) made. */
  readonly recommendations: number;
  readonly elapsedMs: number;
  /** Model requests made during the run that reached the model (0 without a model; retries and repairs not counted). */
  readonly llmCalls: number;
}

/**
 * Plays `sessions` sessions of the teacher on `session` (users drawn by its simulator), memories carrying
 * over. `quitReward` is what the micro level learns from on a quit (BiLLP: -1000; default: the env's reward).
 */
export async function runTeacher(teacher: Teacher, session: Session, sessions: number, o: { stats?: LlmStats; quitReward?: number; onSession?: (t: BillpTrajectory, i: number) => void; signal?: AbortSignal } = {}): Promise<TeacherRun> {
  const calls0 = o.stats?.modelRequests ?? 0;
  const start = performance.now();
  const trajectories: BillpTrajectory[] = [];
  let recommendations = 0;
  // One graph over the whole run (memories and pool carry over); one invocation per session.
  const billp = createBillpGraph({
    env: session, components: teacher.components, threadPrefix: teacher.name, session: o.quitReward !== undefined ? { quitReward: o.quitReward } : {},
  });
  for (let i = 0; i < sessions; i++) {
    const t = await billp.run(o.signal ? { signal: o.signal } : {});
    trajectories.push(t);
    recommendations += t.steps.length;
    o.onSession?.(t, i);
  }
  return { trajectories, recommendations, elapsedMs: performance.now() - start, llmCalls: (o.stats?.modelRequests ?? 0) - calls0 };
}
