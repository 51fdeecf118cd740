/**
 * The BiLLP graph (`createBillpGraph` of @farsight/graph) with components of your own. An Actor and a Critic
 * are two small interfaces; here both are a few lines of TypeScript, while the planner, reflector and
 * reflection pool come from the packages. Swap any of them for the LLM versions (`LlmActor`, `LlmCritic`,
 * `LlmThoughtPlanner`, `LlmFailureReflector`) without touching the graph.
 *
 *   - `NoveltyActor`: the user's best-scored unseen item inside the plan, preferring categories the session
 *     has not shown yet.
 *   - `MomentumCritic`: V(s) = the recent feedback's mean mapped onto BiLLP's [-5, 5] value range, blended with
 *     what it learned from TD targets of states with the same recent categories.
 *
 * Run it through its test: `npx vitest run examples` (Node 20 cannot run .ts files directly).
 */
import type { ItemScorer, Observation } from "@farsight/core";
import type { Critic, CriticExperience, CriticJudgement, CriticRequest } from "@farsight/critic";
import { loadPreset, makeSimulator, Session } from "@farsight/env";
import { createBillpGraph } from "@farsight/graph";
import type { ActDecision, Actor, ActRequest } from "@farsight/llm-actor";
import { SaturationAwarePlanner } from "@farsight/planner";
import { ReflectionPool, TemplateReflector } from "@farsight/reflector";

export class NoveltyActor implements Actor {
  readonly name = "novelty";
  constructor(private readonly itemCategory: Int32Array, private readonly scorer: ItemScorer) {}

  async act(request: ActRequest): Promise<ActDecision> {
    const { observation, plan, exclude = [], k = 1 } = request;
    const scores = this.scorer.scoreAll(observation.userId);
    const shownCategories = new Set(observation.history.map((h) => h.category));
    const excluded = new Set(exclude);
    const inPlan = (i: number) => !plan || plan.categories.includes(this.itemCategory[i]!);
    // Unseen categories first, then the plan, then the user's score.
    const rank = (i: number) => (shownCategories.has(this.itemCategory[i]!) ? 0 : 2) + (inPlan(i) ? 4 : 0) + scores[i]! / 1e6;
    const candidates = [...scores.keys()].filter((i) => !excluded.has(i)).sort((a, b) => rank(b) - rank(a));
    const slate = candidates.slice(0, k);
    return {
      slate,
      grounding: slate.map((item) => ({ text: "", item, method: "direct" as const, score: 1, replaced: false })),
      source: { kind: "heuristic", by: this.name },
    };
  }
}

export class MomentumCritic implements Critic {
  readonly name = "momentum";
  readonly range = [-5, 5] as const;
  private readonly learned = new Map<string, { sum: number; n: number }>();

  async evaluate({ observation }: CriticRequest): Promise<CriticJudgement> {
    const recent = observation.history.slice(-3);
    const prior = recent.length ? (recent.reduce((s, h) => s + h.feedback, 0) / recent.length) * 10 - 5 : 0;
    const memory = this.learned.get(keyOf(observation));
    const value = memory ? 0.5 * prior + 0.5 * (memory.sum / memory.n) : prior;
    return { value: Math.max(-5, Math.min(5, value)), source: { kind: memory ? "learned" : "heuristic", by: this.name }, fromMemory: memory !== undefined };
  }

  learn({ observation, target }: CriticExperience): void {
    if (!Number.isFinite(target)) return; // one NaN target would poison the state's mean for good (the conformance suite checks this)
    const m = this.learned.get(keyOf(observation)) ?? { sum: 0, n: 0 };
    this.learned.set(keyOf(observation), { sum: m.sum + target, n: m.n + 1 });
  }
}

const keyOf = (o: Observation) => o.history.slice(-3).map((h) => h.category).join(",");

/** Plays `sessions` BiLLP sessions with the components above on the synthetic preset. */
export async function playBillp(o: { sessions: number; seed: number }) {
  const setup = await loadPreset("synthetic", { synthetic: { numCategories: 8, numItems: 120, numUsers: 20, seed: 3 } });
  const sim = await makeSimulator(setup, "test", { batchSize: 1, seed: o.seed, maxSteps: 15 });
  const pool = new ReflectionPool({ seed: o.seed });
  const critic = new MomentumCritic();
  const billp = createBillpGraph({
    env: new Session(sim),
    components: {
      planner: new SaturationAwarePlanner({ seed: o.seed }),
      actor: new NoveltyActor(sim.catalog.itemCategory, sim.scorer),
      critic,
      reflector: new TemplateReflector(),
      reflections: pool,
    },
    session: { quitReward: -1000 },
  });
  const trajectories = [];
  for (let n = 0; n < o.sessions; n++) trajectories.push(await billp.run());
  return { trajectories, poolSize: pool.size, itemCategory: sim.catalog.itemCategory };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { trajectories } = await playBillp({ sessions: 5, seed: 0 });
  console.log(trajectories.map((t) => `return ${t.episode.return.toFixed(2)} over ${t.episode.length} steps`).join("\n"));
}
