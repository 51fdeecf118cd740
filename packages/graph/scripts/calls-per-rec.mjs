// `node scripts/calls-per-rec.mjs`: LLM calls per recommendation for each planning option (plan every k, cohort
// per call), measured through evaluateLerl with a scripted model on the synthetic preset (200 sessions, B = 32).
// LLM calls per recommendation per planning option, with a scripted model (no LLM is reachable here).
import { loadPreset } from "@farsight/env";
import { LlmStats, ScriptedChatModel } from "@farsight/llm";
import { LlmCategoryPlanner } from "@farsight/planner/llm";
import { ReflectionPool } from "@farsight/reflector";
import { initBackend } from "@farsight/rl-policy";
import { evaluateLerl, trainSimulator, policyDefaults } from "../dist/index.js";
import { createAlgorithm, contextFromEnv } from "@farsight/rl-policy/tf";
await initBackend();
const setup = await loadPreset("synthetic");
const env = await trainSimulator(setup, "truth", 32, 0);
const algorithm = createAlgorithm("ppo", contextFromEnv(env), { policy: policyDefaults(setup, 0) });
// Consecutive plans are disjoint (3 fresh categories per step), so sessions are not cut short by repeats.
const plan = (step) => [(3 * step) % 20, (3 * step + 1) % 20, (3 * step + 2) % 20];
const model = new ScriptedChatModel({ responses: (p) => {
  const cohort = [...p.matchAll(/^S(\d+) \(step (\d+)/gm)].map((m) => ({ session: `S${m[1]}`, categories: plan(Number(m[2])) }));
  if (cohort.length) return JSON.stringify({ plans: cohort });
  const steps = [...p.matchAll(/- Step (\d+):/g)].map((m) => Number(m[1]));
  const step = steps.length ? steps[steps.length - 1] + 1 : 0;
  return JSON.stringify({ categories: plan(step) });
} });
for (const [label, planEvery, cohort] of [["per session, every step (LERL)", 1, 1], ["per session, every 3 steps", 3, 1], ["per session, every 5 steps", 5, 1], ["cohort of 8 per call, every step", 1, 8], ["cohort of 32 per call, every step", 1, 32], ["cohort of 32, every 3 steps", 3, 32]]) {
  const stats = new LlmStats();
  const r = await evaluateLerl(setup, { algorithm, makePlanner: (s) => new LlmCategoryPlanner({ model, stats, seed: s, cohortSize: cohort }), pool: new ReflectionPool(), stats, loop: { planEvery } }, { episodes: 200, seeds: [0], batchSize: 32 });
  console.log(`${label.padEnd(36)} calls/rec ${r.metrics.llm_calls_per_rec.toFixed(3)}  (len ${r.metrics.len.toFixed(1)})`);
}
