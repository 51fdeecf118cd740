/**
 * One BiLLP-style session (Shi et al., SIGIR 2024), wired from Farsight components through their interfaces:
 *
 *   reflections retrieved once (macro level) -> per step: planner (thought / categories) -> actor (items)
 *   -> environment step -> critic V(s') -> advantage A = r + gamma V(s') - V(s) -> actor memory (+1/-1 by the
 *   sign of A) and critic memory (r + gamma V(s')) (micro level) -> ... -> reflector writes a lesson at the end.
 *
 * The result is the session's trajectory: an {@link Episode} plus, per step, the plan text, the grounding
 * details, the values and the advantage; IL-Rec uses such trajectories as demonstrations.
 */
import { FarsightError, type Catalog, type EndReason, type Episode, type EpisodeStep, type ItemId, type Observation, type Plan, type Provenance, type Reflection, type UserId } from "@farsight/core";
import type { Critic, CriticAnswerIssue } from "@farsight/critic";
import { advantage, BILLP_GAMMA, tdTarget } from "@farsight/critic";
import type { Session, SessionStep } from "@farsight/env";
import type { ActDecision, Actor, GroundingResult } from "@farsight/llm-actor";
import { buildPlanRequest, type Planner, type PreviousPlan } from "@farsight/planner";
import type { Reflector } from "@farsight/reflector";

/** Where reflections come from and go to; `ReflectionPool` from `@farsight/reflector` fits. */
export interface ReflectionMemory {
  retrieveSimilar(query: string, k?: number): Promise<Reflection[]>;
  add(reflection: Reflection): Promise<void>;
}

/** The components of a BiLLP agent, each behind its interface (LLM-backed or not). */
export interface BillpComponents {
  readonly planner: Planner;
  readonly actor: Actor;
  readonly critic: Critic;
  /** Writes the end-of-session lesson; omit to skip macro-learning. */
  readonly reflector?: Reflector;
  /** Reflections retrieved for the planner at the start and receiving the new one at the end. */
  readonly reflections?: ReflectionMemory;
}

/** Options of {@link runBillpSession}. */
export interface BillpSessionOptions {
  /** The user to serve; drawn by the simulator when omitted. */
  readonly user?: UserId;
  /** Discount of the advantage. Default 0.5 (BiLLP). */
  readonly gamma?: number;
  /**
   * Reward used for learning (advantage, critic target) on a step where the user quit. Default: the
   * environment's reward. BiLLP uses -1000. The episode's return always keeps the environment's rewards.
   */
  readonly quitReward?: number;
  /** Reflections retrieved for the planner. Default 2 (BiLLP's Max_Reflections). */
  readonly maxReflections?: number;
  /** Never recommend an item twice in the session. Default true. */
  readonly excludeRecommended?: boolean;
  /** Ask the critic for V(s_0) instead of BiLLP's V(s_0) = 0. Default false. */
  readonly valueInitialState?: boolean;
  /** Called after every step, e.g. to stream progress. */
  readonly onStep?: (step: BillpStepRecord) => void;
  readonly signal?: AbortSignal;
}

/** Everything one step produced, beyond what the {@link Episode} keeps. */
export interface BillpStepRecord {
  readonly step: number;
  readonly plan: Plan;
  readonly slate: readonly ItemId[];
  readonly grounding: readonly GroundingResult[];
  readonly actorSource: Provenance;
  readonly reward: number;
  /** Reward the micro level learned from (differs from `reward` only on a quit with `quitReward`). */
  readonly learningReward: number;
  readonly feedback: readonly number[];
  /** V(s_t) and V(s_{t+1}) (0 for a terminal s_{t+1}, which is not valued). */
  readonly value: number;
  readonly nextValue: number;
  readonly criticSource?: Provenance;
  readonly criticIssue?: CriticAnswerIssue;
  readonly tdTarget: number;
  readonly advantage: number;
  readonly done: boolean;
  readonly endReason?: EndReason;
}

/** A finished BiLLP session. */
export interface BillpTrajectory {
  readonly episode: Episode;
  readonly steps: readonly BillpStepRecord[];
  /** Reflections the planner saw. */
  readonly retrieved: readonly Reflection[];
  /** The lesson written at the end (when a reflector was given). */
  readonly reflection?: Reflection;
  /** Slots whose item differs from what the actor's model named, and slots filled by a fallback. */
  readonly replacements: number;
  readonly actorFallbacks: number;
}

/** Query for reflection retrieval: the titles (else categories) of what the user saw, else the user id. */
function reflectionQuery(observation: Observation, catalog: Catalog): string {
  if (observation.history.length === 0) return `user ${observation.userId}`;
  return observation.history
    .map((h) => catalog.itemTitles?.[h.item] ?? catalog.categoryNames[h.category] ?? `item ${h.item}`)
    .join("; ");
}

/**
 * Where a BiLLP session stands between steps: plain, serialisable values only (the graph keeps it in its
 * state). The step helpers below take one and return the next; {@link runBillpSession} loops over them and
 * `createBillpGraph` runs them as nodes, so both play exactly the same session.
 */
export interface BillpProgress {
  readonly sessionId: string;
  /** The current state s_t. */
  readonly observation: Observation;
  readonly retrieved: readonly Reflection[];
  /** V(s_t). */
  readonly value: number;
  readonly previous?: PreviousPlan;
  /** Items recommended so far, in order (excluded from later slates by default). */
  readonly recommended: readonly ItemId[];
  readonly records: readonly BillpStepRecord[];
  readonly episodeSteps: readonly EpisodeStep[];
  readonly total: number;
  readonly endReason?: EndReason;
}

/** Starts the session: resets the env, retrieves reflections (macro level) and values s_0. */
export async function beginBillpSession(env: Session, components: BillpComponents, options: BillpSessionOptions = {}): Promise<BillpProgress> {
  const observation = env.reset(options.user);
  const retrieved = components.reflections
    ? await components.reflections.retrieveSimilar(reflectionQuery(observation, env.sim.catalog), options.maxReflections ?? 2)
    : [];
  const value = options.valueInitialState ? (await components.critic.evaluate({ observation, ...signal(options) })).value : 0;
  return { sessionId: observation.sessionId, observation, retrieved, value, recommended: [], records: [], episodeSteps: [], total: 0 };
}

/** Planner: the plan for s_t (aborts, and stops a runaway session, first). */
export async function planBillpStep(env: Session, components: BillpComponents, progress: BillpProgress, options: BillpSessionOptions = {}): Promise<Plan> {
  const { sessionId, observation, retrieved, previous } = progress;
  options.signal?.throwIfAborted();
  if (progress.records.length > env.sim.maxSteps) {
    throw new FarsightError("graph/billp-runaway-session", `session ${sessionId} ran past the simulator's ${env.sim.maxSteps}-step limit`, { sessionId });
  }
  const request = buildPlanRequest(observation, { catalog: env.sim.catalog, reflections: retrieved, ...(previous ? { previous } : {}) });
  const [plan] = await components.planner.plan([request], signal(options));
  if (!plan) throw new FarsightError("graph/billp-no-plan", `planner ${components.planner.name} returned no plan for session ${sessionId}`, { sessionId, step: observation.step });
  return plan;
}

/** Actor: the slate for s_t inside the plan. */
export async function actBillpStep(env: Session, components: BillpComponents, progress: BillpProgress, plan: Plan, options: BillpSessionOptions = {}): Promise<ActDecision> {
  const excludeRecommended = options.excludeRecommended ?? true;
  return components.actor.act({
    observation: progress.observation, plan, k: env.sim.slateSize, ...(excludeRecommended ? { exclude: [...progress.recommended] } : {}), ...signal(options),
  });
}

/**
 * Critic, after the environment answered: V(s'), the advantage A = r + gamma V(s') - V(s), actor memory
 * (+1/-1 by the sign of A) and critic memory (micro level); returns the progress at s_{t+1}.
 */
export async function criticBillpStep(
  env: Session, components: BillpComponents, progress: BillpProgress, plan: Plan, decision: ActDecision, result: SessionStep, options: BillpSessionOptions = {},
): Promise<BillpProgress> {
  const { actor, critic } = components;
  const { observation, value } = progress;
  const gamma = options.gamma ?? BILLP_GAMMA;
  // A quit (or an invalid action) is terminal: no bootstrap. Hitting the step limit is a truncation: bootstrap.
  const terminal = result.done && result.endReason !== "max-steps" && result.endReason !== "forced-length";
  const nextJudgement = terminal ? undefined : await critic.evaluate({ observation: result.observation, ...signal(options) });
  const nextValue = nextJudgement?.value ?? 0;
  const learningReward = result.endReason === "quit" && options.quitReward !== undefined ? options.quitReward : result.reward;
  const step = { reward: learningReward, value, nextValue, gamma, done: terminal };
  const a = advantage(step);
  const target = tdTarget(step);
  for (const item of decision.slate) actor.learn?.({ observation, item, advantage: a });
  critic.learn?.({ observation, target });

  const record: BillpStepRecord = {
    step: observation.step, plan, slate: decision.slate, grounding: decision.grounding, actorSource: decision.source,
    reward: result.reward, learningReward, feedback: result.feedback, value, nextValue,
    ...(nextJudgement ? { criticSource: nextJudgement.source } : {}),
    ...(nextJudgement?.issue ? { criticIssue: nextJudgement.issue } : {}),
    tdTarget: target, advantage: a, done: result.done, ...(result.endReason ? { endReason: result.endReason } : {}),
  };
  options.onStep?.(record);
  const episodeStep: EpisodeStep = {
    slate: decision.slate, categories: decision.slate.map((i) => env.sim.catalog.itemCategory[i]!), feedback: result.feedback,
    reward: result.reward, planCategories: plan.categories, ...(plan.thought ? { thought: plan.thought } : {}),
  };
  const seen = new Set(progress.recommended);
  return {
    sessionId: progress.sessionId,
    retrieved: progress.retrieved,
    observation: result.observation,
    value: nextValue,
    previous: { plan, step: observation.step },
    recommended: [...progress.recommended, ...decision.slate.filter((i) => !seen.has(i) && seen.add(i))],
    records: [...progress.records, record],
    episodeSteps: [...progress.episodeSteps, episodeStep],
    total: progress.total + result.reward,
    ...(result.endReason ? { endReason: result.endReason } : {}),
  };
}

/** Reflector, after the last step: the planner forgets the session, the lesson goes to the pool; the trajectory. */
export async function finishBillpSession(env: Session, components: BillpComponents, progress: BillpProgress, options: BillpSessionOptions = {}): Promise<BillpTrajectory> {
  const { planner, reflector, reflections } = components;
  const catalog = env.sim.catalog;
  const { sessionId, observation, records, retrieved } = progress;
  planner.forget?.([sessionId]);
  const episode: Episode = {
    sessionId, userId: observation.userId, steps: [...progress.episodeSteps], return: progress.total, length: progress.episodeSteps.length, endReason: progress.endReason ?? "budget",
  };
  let reflection: Reflection | undefined;
  if (reflector) {
    reflection = await reflector.reflect(episode, { categoryNames: catalog.categoryNames, ...(catalog.itemTitles ? { itemTitles: catalog.itemTitles } : {}), ...signal(options) });
    await reflections?.add(reflection);
  }
  const slots = records.flatMap((r) => r.grounding);
  return {
    episode, steps: [...records], retrieved: [...retrieved], ...(reflection ? { reflection } : {}),
    replacements: slots.filter((g) => g.replaced).length,
    actorFallbacks: slots.filter((g) => g.method === "fallback").length,
  };
}

/** Runs one session of a BiLLP agent on a single-session environment and returns its trajectory. */
export async function runBillpSession(env: Session, components: BillpComponents, options: BillpSessionOptions = {}): Promise<BillpTrajectory> {
  let progress = await beginBillpSession(env, components, options);
  while (!env.done) {
    const plan = await planBillpStep(env, components, progress, options);
    const decision = await actBillpStep(env, components, progress, plan, options);
    const result = env.step(decision.slate);
    progress = await criticBillpStep(env, components, progress, plan, decision, result, options);
  }
  return finishBillpSession(env, components, progress, options);
}

function signal(options: BillpSessionOptions): { signal?: AbortSignal } {
  return options.signal ? { signal: options.signal } : {};
}
