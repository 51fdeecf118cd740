/**
 * An RL policy inside your own LangGraph graph. PPO from @farsight/rl-policy learns while a high level of
 * your own decides what it may show: a "fatigue guard" that takes the categories of a session's last two
 * items off the plan for the next step. The nodes drive rl-policy's `Collector` (the same collection loop flat
 * PPO and LERL use, so masks, stored feedback and bootstrap values cannot drift from them):
 *
 *   START -> guard -> act -> step -> learn (when the rollout buffer is full) -> guard ... -> END (budget spent)
 *
 * Run it through its test: `npx vitest run examples` (Node 20 cannot run .ts files directly).
 */
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { loadPreset, makeSimulator } from "@farsight/env";
import { initBackend, Collector, contextFromEnv, createAlgorithm, rolloutBufferFor, type OnPolicyAlgorithm } from "@farsight/rl-policy/tf";

const State = Annotation.Root({
  envSteps: Annotation<number>({ reducer: (_a, b) => b, default: () => 0 }),
  updates: Annotation<number>({ reducer: (a, b) => a + b, default: () => 0 }),
  returns: Annotation<number[]>({ reducer: (a, b) => [...a, ...b], default: () => [] }),
  /** Items shown although the guard had taken their category off the plan (should stay 0). */
  guardViolations: Annotation<number>({ reducer: (a, b) => a + b, default: () => 0 }),
});

export async function trainWithFatigueGuard(o: { steps: number; seed: number }) {
  await initBackend();
  const setup = await loadPreset("synthetic");
  const env = await makeSimulator(setup, "train", { batchSize: 16, autoReset: true, seed: o.seed });
  const ppo = createAlgorithm({ algorithm: "ppo", context: contextFromEnv(env), policy: { seed: o.seed } }) as OnPolicyAlgorithm;
  const C = env.catalog.numCategories;
  let plan = new Uint8Array(env.batchSize * C).fill(1);
  const collector = new Collector(env, ppo.policy, { planMask: () => plan });
  const buffer = rolloutBufferFor(ppo, env);
  let pending: ReturnType<Collector["act"]> | undefined;

  const graph = new StateGraph(State)
    .addNode("guard", async () => {
      plan = new Uint8Array(env.batchSize * C).fill(1);
      for (let b = 0; b < env.batchSize; b++) {
        for (const seen of env.observation(b).history.slice(-2)) plan[b * C + seen.category] = 0;
      }
      return {};
    })
    .addNode("act", async () => {
      pending = collector.act();
      return {};
    })
    .addNode("step", async () => {
      const cat = env.catalog.itemCategory;
      let guardViolations = 0;
      for (let b = 0; b < env.batchSize; b++) if (!plan[b * C + cat[pending!.act.slates[b]!]!]) guardViolations++;
      const step = collector.envStep(pending!);
      collector.store(buffer, step);
      collector.afterStep();
      return { envSteps: collector.envSteps, guardViolations, returns: collector.drainEpisodes().returns };
    })
    .addNode("learn", async () => {
      buffer.finish(collector.bootstrapValue(), ppo.gamma, ppo.gaeLambda);
      ppo.update(buffer);
      buffer.reset();
      return { updates: 1 };
    })
    .addEdge(START, "guard")
    .addEdge("guard", "act")
    .addEdge("act", "step")
    .addConditionalEdges("step", (s) => (buffer.full ? "learn" : s.envSteps >= o.steps ? END : "guard"), ["learn", "guard", END])
    .addConditionalEdges("learn", (s) => (s.envSteps >= o.steps ? END : "guard"), ["guard", END])
    .compile();
  const result = await graph.invoke({}, { recursionLimit: 100_000 });
  const gradientSteps = ppo.updates; // PPO takes several minibatch steps per rollout
  ppo.dispose();
  ppo.policy.dispose();
  return { ...result, gradientSteps, rolloutTransitions: ppo.rolloutSteps * env.batchSize };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await trainWithFatigueGuard({ steps: 1600, seed: 0 }));
