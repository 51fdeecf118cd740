// Graph overhead: `node scripts/overhead.mjs <steps> plain|all|graph` trains PPO on the synthetic preset (B = 32) with
// trainPolicy alone (plain), through the LERL graph with the all-categories planner (all: the same learning problem,
// plus planning, reflections and LangGraph), or with the saturation planner (graph). Prints wall and CPU seconds.
import { loadPreset, Simulator } from "@farsight/env";
import { initBackend, createAlgorithm, contextFromEnv, trainPolicy } from "@farsight/rl-policy/tf";
import { SaturationAwarePlanner, AllCategoriesPlanner } from "@farsight/planner";
import { TemplateReflector, ReflectionPool } from "@farsight/reflector";
import { createLerlGraph } from "../dist/index.js";
await initBackend();
const steps = Number(process.argv[2] ?? 1280);
const which = process.argv[3] ?? "graph";
const setup = await loadPreset("synthetic");
const env = new Simulator(setup.groundTruth, setup.makeRules(), { ...setup.simulator, users: setup.trainUsers, batchSize: 32, autoReset: true, seed: 1 });
const a = createAlgorithm("ppo", contextFromEnv(env), { policy: { seed: 1 } });
const t0 = performance.now();
const c0 = process.cpuUsage();
const cpu = () => { const c = process.cpuUsage(c0); return ((c.user + c.system) / 1e6).toFixed(1); };
if (which === "plain") {
  const s = await trainPolicy(env, a, { totalSteps: steps });
  console.log("plain", s.envSteps, "wall", ((performance.now() - t0) / 1000).toFixed(1), "cpu", cpu(), s.finalMeanReturn);
} else {
  const planner = which === "all" ? new AllCategoriesPlanner() : new SaturationAwarePlanner({ seed: 1 });
  const g = createLerlGraph({ env, planner, algorithm: a, reflector: new TemplateReflector(), pool: new ReflectionPool({ seed: 1 }), budget: { steps } });
  const s = await g.run({ onProgress: (p) => { if (p.kind === "chunk") console.log(JSON.stringify({ ...p, lastUpdate: undefined })); } });
  console.log(which, s.envSteps, "wall", ((performance.now() - t0) / 1000).toFixed(1), "cpu", cpu(), s.sessionsFinished, s.poolSize);
}
