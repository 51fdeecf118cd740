// The Coat protocol table of the README: PPO, A2C and DQN trained on the predicted world model (MF on
// train.ascii, train users), evaluated on the pseudo-ground-truth matrix with the same quit rule on
// held-out users, against random, popularity and greedy; mean and std over seeds.
//
// Usage (after building): node packages/rl-policy/scripts/coat-table.mjs [steps=20000] [episodes=500] [seeds=0,1,2]
import { evaluate, GreedyAgent, loadPreset, makeSimulator, PopularityAgent, RandomAgent } from "@farsight/env";
import { initBackend, contextFromEnv, createAlgorithm, PolicyAgent, trainPolicy } from "@farsight/rl-policy/tf";

const steps = Number(process.argv[2] ?? 20000);
const episodes = Number(process.argv[3] ?? 500);
const seeds = (process.argv[4] ?? "0,1,2").split(",").map(Number);
const algos = (process.env.ALGOS ?? "ppo,a2c,dqn").split(",");
const setup = await loadPreset("coat", { testFraction: 0.2, splitSeed: 0 });
const { world } = await setup.predicted(); // trains the MF world model (it selects the cpu backend for itself)
const backend = await initBackend();
console.error(`${backend.summary}; coat: ${setup.trainUsers.length} train users, ${setup.testUsers.length} held-out test users; ${steps} steps, ${episodes} episodes, seeds ${seeds}`);

const metrics = ["len", "r_traj", "r_each"];
const rows = {};
const record = (name, m) => {
  rows[name] ??= [];
  rows[name].push(m);
  console.error(`  ${name}: ${metrics.map((k) => `${k} ${m[k].toFixed(3)}`).join("  ")}`);
};
for (const seed of seeds) {
  const opts = { episodes, seeds: [seed] };
  record("random", (await evaluate(setup, (s) => new RandomAgent(s), opts)).metrics);
  record("popularity", (await evaluate(setup, () => new PopularityAgent(setup.catalog.numItems, setup.trainLog.item), opts)).metrics);
  record("greedy (predicted MF)", (await evaluate(setup, () => new GreedyAgent(world.scorer, "greedy"), opts)).metrics);
  for (const algo of algos) {
    const env = await makeSimulator(setup, "train", { batchSize: 32, autoReset: true, seed });
    const a = createAlgorithm(algo, contextFromEnv(env), { policy: { seed, feedbackScale: 5 } });
    const t0 = performance.now();
    const s = await trainPolicy(env, a, { totalSteps: steps });
    console.error(`  trained ${algo} seed ${seed}: ${s.envSteps} steps, ${s.updates} updates, ${((performance.now() - t0) / 1000).toFixed(0)} s, train return (last 20%) ${s.finalMeanReturn.toFixed(2)}`);
    record(algo.toUpperCase(), (await evaluate(setup, () => new PolicyAgent(a.policy), opts)).metrics);
    // PPO and A2C are stochastic policies: also evaluate them acting by sampling (IL-Rec evaluates so).
    if (algo !== "dqn") record(`${algo.toUpperCase()} (sampled)`, (await evaluate(setup, () => new PolicyAgent(a.policy, { deterministic: false }), opts)).metrics);
    a.dispose();
    a.policy.dispose();
  }
}
const stat = (xs) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return [m, Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length)];
};
const lines = [`| agent | ${metrics.join(" | ")} |`, `|---|${metrics.map(() => "---").join("|")}|`];
for (const [name, ms] of Object.entries(rows)) {
  lines.push(`| ${name} | ${metrics.map((k) => stat(ms.map((m) => m[k]))).map(([m, s]) => `${m.toFixed(3)} ± ${s.toFixed(3)}`).join(" | ")} |`);
}
console.log(lines.join("\n"));
