/**
 * The graphs besides `session` that `langgraph.json` names, for both LangGraph's API server and the thin server:
 *
 * - `billp`: `createBillpGraph`, one simulated BiLLP session per run (input `{user?}`), with the non-LLM
 *   components: the saturation-aware planner, a greedy actor and a critic on the preset's predicted world model
 *   (not the ground truth the simulated user answers with), and the template reflector;
 * - `lerl`: LERL training (saturation-aware planner + PPO, `trainLerl`) as a one-node graph: input
 *   `{steps, seed}`, progress on the `custom` stream, output the final counters.
 *
 * Both drive one simulator (BiLLP) or the whole CPU (LERL): the thin server runs one of their runs at a time.
 */
import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons";
import { Annotation, StateGraph, type BaseCheckpointSaver, type LangGraphRunnableConfig } from "@langchain/langgraph";
import type { BaseStore } from "@langchain/langgraph-checkpoint";
import type { ItemScorer } from "@farsight/core";
import { ScorerCritic } from "@farsight/critic";
import { makeSimulator, Session, type EnvSetup } from "@farsight/env";
import { createBillpGraph, trainLerl, type LerlStateValue } from "@farsight/graph";
import { CatalogGreedyActor } from "@farsight/llm-actor";
import { SaturationAwarePlanner } from "@farsight/planner";
import { ReflectionPool, TemplateReflector } from "@farsight/reflector";
import { initBackend } from "@farsight/rl-policy";
import { badRequest, HttpError, type GraphLike, type ServedGraph } from "./served-graph.js";
import { trainInProcess, trainingProcesses, trainingProgress } from "./lerl-process.js";

/** The BiLLP graph on a preset's test simulator (one session at a time). */
export async function buildBillpGraph(setup: EnvSetup, predicted: ItemScorer, o: { checkpointer?: BaseCheckpointSaver; pool?: ReflectionPool; seed?: number } = {}) {
  const sim = await makeSimulator(setup, "test", { batchSize: 1, seed: o.seed ?? 0 });
  const billp = createBillpGraph({
    env: new Session(sim),
    components: {
      planner: new SaturationAwarePlanner({ seed: o.seed ?? 0 }),
      actor: new CatalogGreedyActor({ catalog: sim.catalog, scorer: predicted }),
      critic: new ScorerCritic({ scorer: predicted }),
      reflector: new TemplateReflector(),
      reflections: o.pool ?? new ReflectionPool(),
    },
    ...(o.checkpointer ? { checkpointer: o.checkpointer } : {}),
  });
  return { graph: billp.graph, recursionLimit: billp.config("x").recursionLimit, numUsers: setup.numUsers };
}

const last = <T>(fallback: () => T) => Annotation<T>({ reducer: (_a: T, b: T) => b, default: fallback });
const LerlTraining = Annotation.Root({
  /** Environment transitions to train for. */
  steps: last(() => 3_200),
  seed: last(() => 0),
  /** The LERL state at the end of training (counters, recent returns and lengths). */
  result: last<Partial<LerlStateValue> | null>(() => null),
});

/**
 * LERL training on a preset as a one-node graph (input `{steps, seed}`, progress on the `custom` stream).
 * With `childProcess` the node trains in a process of its own (lerl-process.ts): the caller's event loop stays
 * free, and an abort of the run kills the training at once. Without it (LangGraph's own server, which loads
 * the graph from source) it trains in the calling process.
 */
export function buildLerlTrainingGraph(setup: EnvSetup, checkpointer?: BaseCheckpointSaver, o: { childProcess?: boolean; dataDir?: string } = {}) {
  return new StateGraph(LerlTraining)
    .addNode("train", async (s, config: LangGraphRunnableConfig) => {
      const writer = config.writer;
      if (o.childProcess) {
        const job = { preset: setup.name, steps: s.steps, seed: s.seed, ...(o.dataDir ? { dataDir: o.dataDir } : {}) };
        return { result: await trainInProcess(job, (p) => writer?.(p), config.signal) };
      }
      await initBackend();
      // Outside this run's context: otherwise LangGraph treats the LERL graph as a subgraph of this one (its
      // checkpoints under this thread), and trainLerl's own thread would not see its saved state.
      const r = await AsyncLocalStorageProviderSingleton.getInstance().run(undefined, () =>
        trainLerl({ setup, planner: new SaturationAwarePlanner({ seed: s.seed }), steps: s.steps, seed: s.seed, onProgress: (p) => writer?.(p) }),
      );
      r.algorithm.dispose();
      r.algorithm.policy.dispose();
      return { result: r.state };
    })
    .addEdge("__start__", "train")
    .addEdge("train", "__end__")
    .compile(checkpointer ? { checkpointer } : {});
}

/** Runs one call at a time through `graph` (invoke, and stream until its last chunk). */
function oneAtATime(graph: GraphLike): GraphLike {
  let tail: Promise<unknown> = Promise.resolve();
  const acquire = () => {
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const turn = tail.then(() => release);
    tail = tail.then(() => mine);
    return turn;
  };
  return {
    getState: (c) => graph.getState(c),
    invoke: async (input, config) => {
      const release = await acquire();
      try {
        return await graph.invoke(input, config);
      } finally {
        release();
      }
    },
    stream: async (input, config) => {
      const release = await acquire();
      let chunks: AsyncIterable<unknown>;
      try {
        chunks = await graph.stream(input, config);
      } catch (err) {
        release();
        throw err;
      }
      return (async function* () {
        try {
          yield* chunks;
        } finally {
          release();
        }
      })();
    },
  };
}

const noResume = (graphId: string) => () => {
  throw new HttpError(409, "server/no-interrupt", `the ${graphId} graph never pauses; start a run with input on a new thread`);
};

/** The `billp` assistant of the thin server; its reflections go to the shared store. */
export async function billpAssistant(setup: EnvSetup, predicted: ItemScorer, s: { checkpointer: BaseCheckpointSaver; store: BaseStore; replicaId: string }): Promise<ServedGraph> {
  const pool = await ReflectionPool.open({ store: s.store, namespace: ["farsight", "reflections", "billp"], writer: s.replicaId });
  const b = await buildBillpGraph(setup, predicted, { checkpointer: s.checkpointer, pool });
  return {
    graphId: "billp",
    description: "One simulated BiLLP session per run (input {user?}): planner, greedy actor and critic on the predicted world model, template reflector.",
    graph: oneAtATime(b.graph as unknown as GraphLike),
    recursionLimit: b.recursionLimit,
    metadata: { preset: setup.name, simulated: true },
    checkInput: (input) => {
      const user = (input as { user?: unknown } | null)?.user;
      if (typeof input !== "object" || input === null || (user !== undefined && (!Number.isInteger(user) || (user as number) < 0 || (user as number) >= b.numUsers))) {
        throw badRequest("input", `expected {user?: integer in [0, ${b.numUsers})} (no user: the simulator draws one)`, input);
      }
      return { user: user ?? -1 };
    },
    checkResume: noResume("billp"),
    beforeRun: async () => pool.reload(),
  };
}

/**
 * The `lerl` assistant of the thin server: a training run per thread (at most `maxSteps` transitions), each in
 * a child process (the server answers while it trains; a cancel kills it). `dataDir` is where the preset's
 * data is (as given to `loadPreset`), for the training process to load it again.
 */
export function lerlAssistant(setup: EnvSetup, checkpointer: BaseCheckpointSaver, maxSteps = 100_000, o: { dataDir?: string } = {}): ServedGraph & { trainingProcesses(): number; trainingProgress(): number } {
  return {
    graphId: "lerl",
    description: "LERL training (saturation-aware planner + PPO) on the served preset: input {steps, seed}; progress on the custom stream.",
    graph: oneAtATime(buildLerlTrainingGraph(setup, checkpointer, { childProcess: true, ...o }) as unknown as GraphLike),
    /** Training processes alive now, and progress reports received from them (for tests and diagnostics). */
    trainingProcesses,
    trainingProgress,
    metadata: { preset: setup.name, maxSteps },
    checkInput: (input) => {
      const { steps, seed } = (input ?? {}) as { steps?: unknown; seed?: unknown };
      if (!Number.isInteger(steps) || (steps as number) < 1 || (steps as number) > maxSteps) throw badRequest("input.steps", `an integer in [1, ${maxSteps}]`, steps);
      if (seed !== undefined && (!Number.isInteger(seed) || (seed as number) < 0)) throw badRequest("input.seed", "an integer >= 0", seed);
      return { steps, seed: seed ?? 0 };
    },
    checkResume: noResume("lerl"),
  };
}
