/**
 * The graphs `langgraph.json` names, for LangGraph's own API server (`npx @langchain/langgraph-cli dev` and
 * LangGraph Studio), which supplies its own checkpointer and store. Each is built on the synthetic preset
 * with the non-LLM components, so they run offline:
 *
 * - `session`: `createSessionGraph`, one person's session paused at every slate (resume with
 *   `{feedback: number[]}` or `{quit: true}`); the predicted world model recommends.
 * - `billp`: `createBillpGraph`, one simulated BiLLP session per run (input `{user}`), with the saturation-aware
 *   planner, a greedy actor and a critic on the predicted world model, and the template reflector. Its
 *   environment is one simulator: run one session at a time.
 * - `lerl`: LERL training (saturation-aware planner + PPO) as a graph with one node; input `{steps, seed}`,
 *   progress on the `custom` stream, output the final counters.
 *
 * Importing this module builds them (a few seconds: the preset's world model is trained).
 */
import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons";
import { Annotation, StateGraph, type LangGraphRunnableConfig } from "@langchain/langgraph";
import { loadPreset, makeSimulator, Session } from "@farsight/env";
import { createBillpGraph, createSessionGraph, trainLerl, type LerlStateValue } from "@farsight/graph";
import { ScorerCritic } from "@farsight/critic";
import { CatalogGreedyActor } from "@farsight/llm-actor";
import { SaturationAwarePlanner } from "@farsight/planner";
import { ReflectionPool, TemplateReflector } from "@farsight/reflector";
import { initBackend } from "@farsight/rl-policy";
import { presetSession } from "../preset-session.js";

const setup = await loadPreset("synthetic");
const served = await presetSession({ preset: "synthetic" });

export const session = createSessionGraph({ ...served, pool: new ReflectionPool() });

const predicted = (await setup.predicted()).world.scorer;
const sim = await makeSimulator(setup, "test", { batchSize: 1, seed: 0 });
export const billp = createBillpGraph({
  env: new Session(sim),
  components: {
    planner: new SaturationAwarePlanner(),
    actor: new CatalogGreedyActor(sim.catalog, predicted),
    critic: new ScorerCritic(predicted),
    reflector: new TemplateReflector(),
    reflections: new ReflectionPool(),
  },
}).graph;

const last = <T>(fallback: () => T) => Annotation<T>({ reducer: (_a: T, b: T) => b, default: fallback });
const LerlTraining = Annotation.Root({
  /** Environment transitions to train for. */
  steps: last(() => 3_200),
  seed: last(() => 0),
  /** The LERL state at the end of training (counters, recent returns and lengths). */
  result: last<Partial<LerlStateValue> | null>(() => null),
});

export const lerl = new StateGraph(LerlTraining)
  .addNode("train", async (s, config: LangGraphRunnableConfig) => {
    await initBackend();
    const writer = config.writer;
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
  .compile();
