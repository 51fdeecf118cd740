/**
 * A custom graph from two Farsight packages: a planner (@farsight/planner) picks category subsets per session,
 * a greedy recommender shows the best unseen item of the user inside that subset, and @farsight/env answers.
 * Run it through its test: `npx vitest run examples` (Node 20 cannot run .ts files directly).
 */
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { loadPreset, makeSimulator } from "@farsight/env";
import { buildPlanRequest, SaturationAwarePlanner, type Planner } from "@farsight/planner";

const State = Annotation.Root({
  plans: Annotation<number[][]>({ reducer: (_a, b) => b, default: () => [] }),
  returns: Annotation<number[]>({ reducer: (a, b) => [...a, ...b], default: () => [] }),
  shown: Annotation<number>({ reducer: (a, b) => a + b, default: () => 0 }),
  outsidePlan: Annotation<number>({ reducer: (a, b) => a + b, default: () => 0 }),
});

export async function runPlannerGreedy(o: { sessions: number; seed: number; planner?: Planner }) {
  const setup = await loadPreset("synthetic");
  const env = await makeSimulator(setup, "test", { batchSize: 16, autoReset: true, sessionLimit: o.sessions, seed: o.seed });
  const planner = o.planner ?? new SaturationAwarePlanner({ seed: o.seed });
  const cat = env.catalog.itemCategory, slates = new Int32Array(env.batchSize);
  env.reset();
  const graph = new StateGraph(State)
    .addNode("plan", async () => {
      const slots = [...env.active.keys()].filter((b) => env.active[b]);
      const plans = await planner.plan(slots.map((b) => buildPlanRequest(env.observation(b), { catalog: env.catalog })));
      const out: number[][] = [];
      slots.forEach((b, j) => (out[b] = [...plans[j]!.categories]));
      return { plans: out };
    })
    .addNode("recommend", async (s) => {
      for (let b = 0; b < env.batchSize; b++) {
        if (!env.active[b]) continue;
        const scores = env.scorer.scoreAll(env.users[b]!);
        let best = -1;
        for (let i = 0; i < env.numItems; i++) {
          if (!s.plans[b]!.includes(cat[i]!) || env.wasRecommended(b, i)) continue;
          if (best < 0 || scores[i]! > scores[best]!) best = i;
        }
        slates[b] = best >= 0 ? best : 0;
      }
      const outsidePlan = [...env.active.keys()].filter((b) => env.active[b] && !s.plans[b]!.includes(cat[slates[b]!]!)).length;
      return { outsidePlan, shown: env.numActive() };
    })
    .addNode("step", async () => {
      const r = env.step(slates);
      return { returns: [...r.done.keys()].filter((b) => r.done[b]).map((b) => r.finalReturn[b]!) };
    })
    .addEdge(START, "plan").addEdge("plan", "recommend").addEdge("recommend", "step")
    .addConditionalEdges("step", () => (env.numActive() > 0 ? "plan" : END), ["plan", END])
    .compile();
  return graph.invoke({}, { recursionLimit: 10_000 });
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await runPlannerGreedy({ sessions: 64, seed: 0 }).then((s) => s.returns.length));
