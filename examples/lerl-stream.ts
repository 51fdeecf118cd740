/**
 * LERL as a compiled LangGraph graph, driven with `stream()`. `createLerlGraph` binds the run (its context:
 * simulator, planner, PPO, reflector, pool; its thread) to `lerl.graph`, so one `stream({})` call trains until
 * the budget is spent. Progress arrives in the `custom` stream mode (one event per batched step, one per chunk
 * = PPO rollout + update), what each node changed in the `updates` mode.
 *
 *   START -> begin -> plan -> act -> step -> reflect? -> learn --(budget left)--> plan ... --> END
 *
 * Run it through its test: `npx vitest run examples/lerl-stream.test.ts`.
 */
import { loadPreset } from "@farsight/env";
import { createLerlGraph, formatLerlProgress, trainSimulator, type LerlProgress } from "@farsight/graph";
import { SaturationAwarePlanner } from "@farsight/planner";
import { ReflectionPool, TemplateReflector } from "@farsight/reflector";
import { initBackend, contextFromEnv, createAlgorithm, type OnPolicyAlgorithm } from "@farsight/rl-policy/tf";

export async function streamLerl(o: { steps: number; seed: number; log?: (line: string) => void }) {
  await initBackend();
  const setup = await loadPreset("synthetic");
  const env = await trainSimulator(setup, "truth", 16, o.seed); // auto-resetting: finished sessions get new users
  const pool = new ReflectionPool({ seed: o.seed });
  const lerl = createLerlGraph({
    env,
    planner: new SaturationAwarePlanner({ seed: o.seed }),
    algorithm: createAlgorithm({ algorithm: "ppo", context: contextFromEnv(env), policy: { seed: o.seed }, ppo: { rolloutSteps: 16 } }) as OnPolicyAlgorithm,
    reflector: new TemplateReflector(),
    pool,
    budget: { steps: o.steps },
  });

  const chunks: LerlProgress[] = [];
  let stepEvents = 0;
  const nodeUpdates: Record<string, number> = {};
  for await (const [mode, data] of await lerl.graph.stream({}, { streamMode: ["custom", "updates"] })) {
    if (mode === "custom") {
      const p = data as LerlProgress;
      if (p.kind === "step") {
        stepEvents++;
      } else {
        chunks.push(p);
        o.log?.(formatLerlProgress(p, o.steps));
      }
    } else {
      for (const node of Object.keys(data)) nodeUpdates[node] = (nodeUpdates[node] ?? 0) + 1;
    }
  }
  return { chunks, stepEvents, nodeUpdates, poolSize: pool.size, state: (await lerl.savedState())! };
}

if (import.meta.url === `file://${process.argv[1]}`) await streamLerl({ steps: 1_000, seed: 0, log: console.log });
