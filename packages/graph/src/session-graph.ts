/**
 * `createSessionGraph`: one interactive user (B = 1) for serving and the playground. The graph plans, picks a
 * slate inside the plan (an RL policy, or any item scorer), then pauses with LangGraph's `interrupt` until a
 * person answers with feedback per item (or quits); when the session ends it writes a reflection to the pool.
 *
 *   START -> plan -> act -> feedback (interrupt) -> plan ... -> reflect (session ended) -> END
 *   (with `actInPlanNode`, the serving fast path: START -> plan (plans and picks the slate) -> feedback ...)
 *
 * No item is shown twice in a session (unless `allowRepeats`); the session ends when the unseen items run out.
 *
 * Drive it with a checkpointer and a thread id:
 *   let out = await graph.invoke({ sessionId: "u7", userId: 7 }, cfg);          // pauses at the first slate
 *   out = await graph.invoke(new Command({ resume: { feedback: [1, 0] } }), cfg); // next slate
 *   out = await graph.invoke(new Command({ resume: { quit: true } }), cfg);      // reflection, END
 */
import { Annotation, END, interrupt, MemorySaver, START, StateGraph, type BaseCheckpointSaver } from "@langchain/langgraph";
import { FarsightError, topK, type Catalog, type EpisodeStep, type Interaction, type ItemScorer } from "@farsight/core";
import { buildPlanRequest, type Planner } from "@farsight/planner";
import type { ReflectionPool, Reflector } from "@farsight/reflector";
import { emptyHistory, planMaskFromCategories, type Policy } from "@farsight/rl-policy/tf";
import type { BatchedPolicy } from "./micro-batch.js";

/** What the graph shows the person at each pause. */
export interface SessionPrompt {
  readonly step: number;
  readonly slate: readonly number[];
  readonly titles: readonly string[];
  readonly plan: readonly number[];
  readonly planSource: string;
}

/** The person's answer: feedback per slate item (a click 0/1 or a rating), or leaving. */
export type SessionFeedback = { readonly feedback: readonly number[] } | { readonly quit: true };

const last = <T>(fallback: () => T) => Annotation<T>({ reducer: (_a: T, b: T) => b, default: fallback });

export const SessionState = Annotation.Root({
  sessionId: last(() => "session"),
  userId: last(() => 0),
  step: last(() => 0),
  /** The most recent interactions (bounded), oldest first. */
  history: last<Interaction[]>(() => []),
  /** Every step of the session (kept for the reflection; B = 1 keeps it small). */
  steps: last<EpisodeStep[]>(() => []),
  planCategories: last<number[]>(() => []),
  planSource: last(() => ""),
  slate: last<number[]>(() => []),
  returnSoFar: last(() => 0),
  done: last(() => false),
  reflection: last(() => ""),
});
export type SessionStateValue = typeof SessionState.State;

export interface SessionGraphOptions {
  readonly catalog: Catalog;
  readonly planner: Planner;
  /**
   * Recommends inside the plan (greedy). One of `policy` or `scorer` is required. A {@link BatchedPolicy}
   * (`batchPolicy`) answers the sessions of one process that ask within its window in one forward pass.
   */
  readonly policy?: Policy | BatchedPolicy<Policy["options"]>;
  /** Scores every item for the user (e.g. a world model, a value function); the best K inside the plan are shown. */
  readonly scorer?: ItemScorer;
  readonly slateSize?: number;
  readonly reflector?: Reflector;
  readonly pool?: ReflectionPool;
  /** Reflections sampled for each plan (LERL: 3). */
  readonly reflectionsPerPlan?: number;
  /** The session ends after this many steps. Default 30. */
  readonly maxSteps?: number;
  /** Interactions kept in the state. Default 30. */
  readonly historyLength?: number;
  /**
   * Show an item again after the person has seen it in this session. Default false: as in every evaluation of
   * the toolkit, an item is shown at most once per session; when fewer than a slate's worth of unseen items
   * remain, the session ends.
   */
  readonly allowRepeats?: boolean;
  /** Needed by `interrupt`. Default: memory. */
  readonly checkpointer?: BaseCheckpointSaver;
  /**
   * Pick the slate inside the `plan` node (START -> plan -> feedback ...) instead of a node of its own. Each
   * node's end is a checkpoint save; a slate then costs three saves (feedback, plan, the pause) instead of
   * four. The answer is still saved before planning starts, so a process that dies while planning loses no
   * answer it acknowledged. What changes: `act` no longer appears as a node (streamed updates, `next`,
   * history). Default false.
   */
  readonly actInPlanNode?: boolean;
}

/**
 * The session's steps as plain functions of a state: what the graph's nodes run, and what a served session's
 * fast path (the server's) runs without the graph. `prompt` is what the pause shows; `applyAnswer` is the
 * `feedback` node after the person answered; `planAndAct` is the `plan` node with `actInPlanNode`.
 */
export interface SessionSteps {
  readonly maxSteps: number;
  plan(s: SessionStateValue): Promise<Pick<SessionStateValue, "planCategories" | "planSource">>;
  act(s: SessionStateValue): Promise<Partial<SessionStateValue>>;
  planAndAct(s: SessionStateValue): Promise<Partial<SessionStateValue>>;
  prompt(s: SessionStateValue): SessionPrompt;
  applyAnswer(s: SessionStateValue, answer: SessionFeedback): Partial<SessionStateValue>;
  reflect(s: SessionStateValue): Promise<Partial<SessionStateValue>>;
}

export function sessionSteps(o: Omit<SessionGraphOptions, "checkpointer" | "actInPlanNode">): SessionSteps {
  if (!o.policy && !o.scorer) throw new FarsightError("graph/no-recommender", "createSessionGraph needs a policy or a scorer to pick items inside the plan", {});
  const K = o.slateSize ?? o.policy?.context.slateSize ?? 1;
  const C = o.catalog.numCategories;
  const maxSteps = o.maxSteps ?? 30;
  const keep = o.historyLength ?? 30;

  const plan = async (s: SessionStateValue) => {
    const reflections = o.pool ? o.pool.sampleByReturn(o.reflectionsPerPlan ?? 3) : [];
    const observation = { sessionId: s.sessionId, userId: s.userId, step: s.step, history: s.history, returnSoFar: s.returnSoFar };
    const [p] = await o.planner.plan([buildPlanRequest(observation, { catalog: o.catalog, reflections })]);
    return { planCategories: [...p!.categories], planSource: p!.source.kind };
  };

  const N = o.catalog.numItems;
  /** 1 = not yet shown in this session (or every item, with `allowRepeats`). */
  const unseenMask = (s: SessionStateValue): Uint8Array => {
    const mask = new Uint8Array(N).fill(1);
    if (!o.allowRepeats) for (const step of s.steps) for (const i of step.slate) mask[i] = 0;
    return mask;
  };

  const act = async (s: SessionStateValue): Promise<Partial<SessionStateValue>> => {
    const allowed = planMaskFromCategories([s.planCategories], C);
    const unseen = unseenMask(s);
    if (unseen.reduce((a, b) => a + b, 0) < K) return { slate: [], done: true };
    if (o.policy) {
      const L = o.policy.options.historyLength;
      const h = emptyHistory(1, L, o.catalog.numItems);
      h.users[0] = s.userId; // a user-aware policy (rl-policy `userState`) reads this user's profile
      s.history.slice(-L).forEach((it, j, arr) => {
        const at = L - arr.length + j;
        h.items[at] = it.item;
        h.feedback[at] = it.feedback / o.policy!.options.feedbackScale;
        h.valid[at] = 1;
      });
      const r = await o.policy.act({ history: h, itemMask: unseen, planMask: allowed, deterministic: true });
      return { slate: Array.from(r.slates.subarray(0, K)) };
    }
    // Unseen items inside the plan first; when the plan has fewer than K of them, the best unseen items outside it.
    const scores = o.scorer!.scoreAll(s.userId);
    const ranked = new Float32Array(N);
    const category = o.catalog.itemCategory;
    for (let i = 0; i < N; i++) ranked[i] = !unseen[i] ? -Infinity : allowed[category[i]!] ? scores[i]! : scores[i]! - 1e9;
    return { slate: topK(ranked, K) };
  };

  const prompt = (s: SessionStateValue): SessionPrompt => {
    const titles = s.slate.map((i) => o.catalog.itemTitles?.[i] ?? `item ${i}`);
    return { step: s.step, slate: s.slate, titles, plan: s.planCategories, planSource: s.planSource };
  };

  const applyAnswer = (s: SessionStateValue, answer: SessionFeedback): Partial<SessionStateValue> => {
    if ("quit" in answer) return { done: true };
    const fb = s.slate.map((_, k) => Number(answer.feedback[k] ?? 0));
    const reward = fb.reduce((a, b) => a + b, 0) / Math.max(1, fb.length);
    const categories = s.slate.map((i) => o.catalog.itemCategory[i]!);
    const added = s.slate.map((item, k) => ({ item, category: categories[k]!, feedback: fb[k]!, step: s.step }));
    return {
      step: s.step + 1,
      history: [...s.history, ...added].slice(-keep),
      steps: [...s.steps, { slate: s.slate, categories, feedback: fb, reward, planCategories: s.planCategories }],
      returnSoFar: s.returnSoFar + reward,
      done: s.step + 1 >= maxSteps,
    };
  };

  const reflect = async (s: SessionStateValue): Promise<Partial<SessionStateValue>> => {
    if (!o.reflector || !o.pool) return {};
    const episode = { sessionId: s.sessionId, userId: s.userId, steps: s.steps, return: s.returnSoFar, length: s.steps.length, endReason: s.step >= maxSteps ? ("max-steps" as const) : ("quit" as const) };
    const r = await o.reflector.reflect(episode, { categoryNames: o.catalog.categoryNames });
    await o.pool.add(r);
    return { reflection: r.text };
  };

  const planAndAct = async (s: SessionStateValue) => {
    const p = await plan(s);
    return { ...p, ...(await act({ ...s, ...p })) };
  };
  return { maxSteps, plan, act, planAndAct, prompt, applyAnswer, reflect };
}

export function createSessionGraph(o: SessionGraphOptions) {
  const { plan, act, planAndAct, prompt, applyAnswer, reflect } = sessionSteps(o);
  const feedback = async (s: SessionStateValue) => applyAnswer(s, interrupt<SessionPrompt, SessionFeedback>(prompt(s)));

  const routeAfterAct = (s: SessionStateValue) => (s.done ? "reflect" : "feedback");
  const routeAfterFeedback = (s: SessionStateValue) => (s.done ? "reflect" : "plan");
  const checkpointer = o.checkpointer ?? new MemorySaver();
  if (o.actInPlanNode) {
    return new StateGraph(SessionState)
      .addNode("plan", planAndAct)
      .addNode("feedback", feedback)
      .addNode("reflect", reflect)
      .addEdge(START, "plan")
      .addConditionalEdges("plan", routeAfterAct, ["reflect", "feedback"])
      .addConditionalEdges("feedback", routeAfterFeedback, ["reflect", "plan"])
      .addEdge("reflect", END)
      .compile({ checkpointer });
  }
  return new StateGraph(SessionState)
    .addNode("plan", plan)
    .addNode("act", act)
    .addNode("feedback", feedback)
    .addNode("reflect", reflect)
    .addEdge(START, "plan")
    .addEdge("plan", "act")
    .addConditionalEdges("act", routeAfterAct, ["reflect", "feedback"])
    .addConditionalEdges("feedback", routeAfterFeedback, ["reflect", "plan"])
    .addEdge("reflect", END)
    .compile({ checkpointer });
}
