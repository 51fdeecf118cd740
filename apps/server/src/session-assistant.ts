/**
 * The `session` assistant: `createSessionGraph` (one person's session: plan, recommend, wait for feedback
 * through an interrupt, update, reflect at the end) with the server's checkpointer and a reflection pool in the
 * server's store, so replicas that share a database share the pool.
 */
import type { BaseCheckpointSaver, BaseStore } from "@langchain/langgraph-checkpoint";
import type { Catalog, ItemScorer } from "@farsight/core";
import { batchPolicy, BatchingPlanner, createSessionGraph, sessionSteps, type MicroBatchOptions, type MicroBatchStats } from "@farsight/graph";
import type { Planner } from "@farsight/planner";
import { ReflectionPool, type Reflector } from "@farsight/reflector";
import type { Policy } from "@farsight/rl-policy/tf";
import { badRequest, type GraphLike, type ServedGraph } from "./served-graph.js";
import { FastSessionGraph } from "./fast-session.js";

/** The components of a served session (the non-LLM ones make it run offline). */
export interface SessionComponents {
  readonly catalog: Catalog;
  /** Users a session may name (`userId` in `[0, numUsers)`): the scorer's users. */
  readonly numUsers: number;
  readonly planner: Planner;
  /** Recommends inside the plan; one of `policy` or `scorer`. */
  readonly policy?: Policy;
  readonly scorer?: ItemScorer;
  readonly reflector?: Reflector;
  readonly slateSize?: number;
  /** A session ends after this many slates. Default 30. */
  readonly maxSteps?: number;
  /**
   * The values feedback may take, inclusive: `[0, 1]` for clicks (the default without a policy), `[0, 5]` for
   * ratings (a policy's default: `[0, feedbackScale]`). An answer outside it is refused (422).
   */
  readonly feedbackRange?: readonly [number, number];
  /** What produced this configuration (preset, recommender, planner), shown as the assistant's metadata. */
  readonly describe?: Record<string, unknown>;
  /**
   * Cross-session micro-batching: the policy's `act` and a non-LLM planner's `plan` calls of sessions that ask
   * within `windowMs` of each other share one call (see `@farsight/graph`'s micro-batch.ts); `false` calls them
   * one session at a time. A scorer and an LLM planner are never batched. Default `{ windowMs: 2, maxBatch: 64 }`.
   */
  readonly batch?: MicroBatchOptions | false;
  /**
   * Plan and pick the slate in one node, `plan` (three checkpoint saves per slate instead of four; `act` is no
   * longer a node of the thread's history and streamed updates). The answer is saved before planning starts
   * either way. Default true.
   */
  readonly actInPlanNode?: boolean;
  /**
   * Run sessions on the fast path (fast-session.ts: the same steps, answers and saves as the graph, as plain
   * code, two small saves per slate). Default true; `false` runs every session through LangGraph's graph.
   * Sessions the graph started keep running on it either way.
   */
  readonly fastPath?: boolean;
}

/** The default micro-batching window and size of a served session. */
export const DEFAULT_SESSION_BATCH: MicroBatchOptions = { windowMs: 2, maxBatch: 64 };

/** Where the session assistant keeps its state, and who it is among the replicas. */
export interface SessionStorage {
  readonly checkpointer: BaseCheckpointSaver;
  readonly store: BaseStore;
  /** Names this process in the pool's store keys, so replicas never overwrite each other's reflections. */
  readonly replicaId: string;
}

/** Store namespace of the served sessions' reflection pool. */
export const SERVED_POOL_NAMESPACE = ["farsight", "reflections", "served"] as const;

/** The value a session's run starts from. */
export interface SessionInput {
  readonly userId: number;
  readonly sessionId?: string;
}

/** Builds the `session` assistant; the pool is loaded from the store first. */
export async function sessionAssistant(c: SessionComponents, s: SessionStorage): Promise<ServedGraph & { readonly pool: ReflectionPool }> {
  const range = c.feedbackRange ?? [0, c.policy?.options.feedbackScale ?? 1];
  if (!(Number.isFinite(range[0]) && Number.isFinite(range[1]) && range[0] < range[1])) throw badRequest("feedbackRange", "must be two finite numbers, the lower first", range);
  const pool = await ReflectionPool.open({ store: s.store, namespace: [...SERVED_POOL_NAMESPACE], writer: s.replicaId });
  const batch = c.batch === undefined ? DEFAULT_SESSION_BATCH : c.batch;
  const policy = c.policy && batch ? batchPolicy(c.policy, batch) : c.policy;
  // A language model's calls are not held back: an LLM planner batches its own way (llama-cpp sequences).
  const planner = batch && !c.planner.usesLlm ? new BatchingPlanner(c.planner, batch) : c.planner;
  const parts = {
    catalog: c.catalog,
    planner,
    ...(policy ? { policy } : {}),
    ...(c.scorer ? { scorer: c.scorer } : {}),
    ...(c.reflector ? { reflector: c.reflector } : {}),
    ...(c.slateSize !== undefined ? { slateSize: c.slateSize } : {}),
    ...(c.maxSteps !== undefined ? { maxSteps: c.maxSteps } : {}),
    pool,
  };
  const compiled = createSessionGraph({ ...parts, checkpointer: s.checkpointer, actInPlanNode: c.actInPlanNode ?? true }) as unknown as GraphLike;
  const graph = c.fastPath === false ? compiled : new FastSessionGraph({ steps: sessionSteps(parts), checkpointer: s.checkpointer, graph: compiled });
  return {
    graphId: "session",
    description: "One person's session: plan, recommend a slate, pause for feedback ({feedback: number[]} or {quit: true}), reflect at the end.",
    graph,
    pool,
    metadata: { ...c.describe, numUsers: c.numUsers, numItems: c.catalog.numItems, numCategories: c.catalog.numCategories, feedbackRange: [...range] },
    batching: () => {
      const out: Record<string, MicroBatchStats> = {};
      if (policy && "batcher" in policy) out["act"] = policy.batcher.stats();
      if (planner instanceof BatchingPlanner) out["plan"] = planner.batcher.stats();
      return out;
    },
    checkInput: (input) => checkSessionInput(input, c.numUsers),
    checkResume: (resume, pending) => checkSessionResume(resume, range, (pending as { slate?: unknown[] } | undefined)?.slate?.length),
    // Reflections other replicas wrote since this one last looked feed the new session's plans.
    beforeRun: async (kind) => {
      if (kind === "input") await pool.reload();
    },
  };
}

function checkSessionInput(input: unknown, numUsers: number): SessionInput {
  if (typeof input !== "object" || input === null || Array.isArray(input)) throw badRequest("input", "expected an object {userId, sessionId?}", input);
  const { userId, sessionId, ...rest } = input as Record<string, unknown>;
  if (Object.keys(rest).length) throw badRequest("input", `unknown field(s) ${Object.keys(rest).join(", ")}; a session takes {userId, sessionId?}`);
  if (!Number.isInteger(userId) || (userId as number) < 0 || (userId as number) >= numUsers) {
    throw badRequest("input.userId", `must be an integer in [0, ${numUsers}) (the served preset's users)`, userId);
  }
  if (sessionId !== undefined && (typeof sessionId !== "string" || sessionId.length === 0 || sessionId.length > 200)) {
    throw badRequest("input.sessionId", "must be a non-empty string of at most 200 characters", sessionId);
  }
  return { userId: userId as number, ...(sessionId !== undefined ? { sessionId: sessionId as string } : {}) };
}

/**
 * An answer: quit, or one finite number per slate item inside `range`. Unbounded feedback would reach the
 * shared reflection pool as an unbounded return (and overflow to Infinity).
 */
function checkSessionResume(resume: unknown, range: readonly [number, number], slateLength: number | undefined): { feedback: number[] } | { quit: true } {
  if (typeof resume !== "object" || resume === null || Array.isArray(resume)) throw badRequest("command.resume", "expected {feedback: number[]} or {quit: true}", resume);
  const r = resume as Record<string, unknown>;
  if (r["quit"] === true && Object.keys(r).length === 1) return { quit: true };
  const fb = r["feedback"];
  if (Object.keys(r).length !== 1 || !Array.isArray(fb) || !fb.every((x) => typeof x === "number" && Number.isFinite(x))) {
    throw badRequest("command.resume", "expected {feedback: number[]} (one finite number per slate item) or {quit: true}", resume);
  }
  if (slateLength !== undefined && fb.length !== slateLength) {
    throw badRequest("command.resume.feedback", `expected one number per slate item: ${slateLength}, got ${fb.length}`, fb);
  }
  const [lo, hi] = range;
  const out = fb.findIndex((x) => (x as number) < lo || (x as number) > hi);
  if (out >= 0) throw badRequest(`command.resume.feedback[${out}]`, `must be in [${lo}, ${hi}] (the served preset's feedback: ${hi === 1 ? "1 = click, 0 = no click" : "a rating"})`, fb[out]);
  return { feedback: fb as number[] };
}
