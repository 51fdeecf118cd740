// Coat in FB and NX_0 mode for REINFORCE and the offline learners (issue 27), until `farsight bench learn` has modes
// and offline methods. After `pnpm build`, from the repository root:
//   node packages/rl-policy/bench/coat-modes.mjs all|random|online|repeat|offline|others|others-repeat SEEDS STEPS EPOCHS
//   node packages/rl-policy/bench/coat-modes.mjs table ROWS.jsonl...
// e.g. `... all 0,1,2,3,4 15000 10`, then `... repeat 0,1,2,3,4 15000 10`, then `... table /tmp/rlbench/rows-*.jsonl`.
// Rows go to $OUT (default /tmp/rlbench)/rows-<which>.jsonl, one per (method, mode, seed); `table` prints the README's
// markdown: mean ± 95% CI over seeds (Student t), R_traj over random's on the same seed and mode.
// Protocol as `bench learn`'s: the MF world predicted from the training log, train users, batch 32, the graph's policy
// defaults; evaluation 300 sessions on the ground truth, held-out users, evaluation seed = training seed.
import { mkdirSync, appendFileSync, readFileSync } from "node:fs";
import { evaluate, loadPreset, RandomAgent, makeSimulator } from "../../env/dist/index.js";
import { initBackend, contextFromEnv, createAlgorithm, trainPolicy, PolicyAgent, LogDataset, createOfflineAlgorithm, trainOffline } from "../dist/index.js";
import { policyDefaults, trainSimulator } from "../../graph/dist/index.js";
if (process.argv[2] === "table") {
  printTable(process.argv.slice(3).flatMap((f) => readFileSync(f, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l))));
  process.exit(0);
}

function printTable(rows) {
  const t975 = { 2: 12.706, 3: 4.303, 4: 3.182, 5: 2.776, 6: 2.571, 7: 2.447, 8: 2.365, 9: 2.306, 10: 2.262 };
  const ci = (xs) => {
    const n = xs.length, m = xs.reduce((a, x) => a + x, 0) / n;
    const sd = n > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (n - 1)) : NaN;
    return `${m.toFixed(2)} ± ${((t975[n] ?? 1.96) * sd / Math.sqrt(n)).toFixed(2)}`;
  };
  const random = new Map(rows.filter((r) => r.label === "random").map((r) => [`${r.mode}/${r.seed}`, r.r_traj]));
  for (const mode of ["FB", "NX_0", "NX_10"]) {
    const groups = new Map();
    for (const r of rows.filter((x) => x.mode === mode)) groups.set(r.label, [...(groups.get(r.label) ?? []), r]);
    if (groups.size === 0) continue;
    console.log(`\n| Coat, ${mode} | seeds | Len | R_traj | R_traj / random | min / random | item coverage |\n|---|---:|---:|---:|---:|---:|---:|`);
    for (const [label, rs] of groups) {
      const ratio = rs.map((r) => r.r_traj / random.get(`${mode}/${r.seed}`));
      console.log(`| ${label} | ${rs.map((r) => r.seed).join(",")} | ${ci(rs.map((r) => r.len))} | ${ci(rs.map((r) => r.r_traj))} | ${ci(ratio)} | ${Math.min(...ratio).toFixed(2)} | ${(rs.reduce((a, r) => a + r.cov, 0) / rs.length).toFixed(3)} |`);
    }
  }
}

const [, , which = "all", seedArg = "0,1,2,3,4", stepsArg = "15000", epochsArg = "10"] = process.argv;
const seeds = seedArg.split(",").map(Number), steps = Number(stepsArg), epochs = Number(epochsArg);
const setup = await loadPreset("coat", process.env.FARSIGHT_DATA_DIR ? { dataDir: process.env.FARSIGHT_DATA_DIR } : {});
await setup.predicted();
console.log((await initBackend()).summary);
const dir = process.env.OUT ?? "/tmp/rlbench";
mkdirSync(dir, { recursive: true });
const out = `${dir}/rows-${which}.jsonl`;
const EP = 300;
const record = (row) => { appendFileSync(out, JSON.stringify(row) + "\n"); console.log(row.label, row.seed, row.r_traj.toFixed(2), row.len.toFixed(1)); };
async function ev(label, seed, make, mode) {
  const m = (await evaluate(setup, make, { episodes: EP, seeds: [seed], mode })).perSeed[0];
  record({ label, mode, seed, r_traj: m.r_traj, len: m.len, r_each: m.r_each, cov: m.item_coverage });
}
for (const seed of seeds) {
  if (which === "all" || which === "random") {
    await ev("random", seed, (s) => new RandomAgent({ seed: s }), "FB");
    await ev("random", seed, (s) => new RandomAgent({ seed: s }), "NX_0");
  }
  const online = which === "all" || which === "online" || which === "repeat" ? ["reinforce"] : which === "others" ? ["a2c", "ppo", "dqn"] : which === "others-repeat" ? ["a2c", "ppo"] : [];
  const repeatLogit = which === "repeat" || which === "others-repeat";
  const extra = repeatLogit ? { repeatLogit: -10 } : {};
  for (const algo of online) {
    for (const training of ["FB", "masked"]) {
      if ((algo !== "reinforce" || repeatLogit) && training === "masked") continue;
      const env = await trainSimulator(setup, "predicted", 32, seed);
      const a = createAlgorithm({ algorithm: algo, context: contextFromEnv(env), policy: { ...policyDefaults(setup, seed), ...extra } });
      const t0 = Date.now();
      await trainPolicy(env, a, { totalSteps: steps, noRepeat: training !== "FB" });
      console.log(`${algo} trained ${training} seed ${seed} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      for (const deterministic of [true, false]) {
        const tag = `${algo} (trained ${training}${repeatLogit ? ", repeatLogit -10" : ""}, ${deterministic ? "greedy" : "sampled"})`;
        await ev(tag, seed, () => new PolicyAgent({ policy: a.policy, deterministic, noRepeat: false }), "FB");
        await ev(tag, seed, () => new PolicyAgent({ policy: a.policy, deterministic }), "NX_0");
      }
      a.dispose(); a.policy.dispose();
    }
  }
  if (which === "all" || which === "offline") {
    const env = await makeSimulator(setup, "test", { batchSize: 1 });
    const ctx = contextFromEnv(env);
    const pol = policyDefaults(setup, seed);
    const data = LogDataset.fromLog(setup.trainLog, { numItems: ctx.numItems, historyLength: pol.historyLength, feedbackScale: pol.feedbackScale, users: setup.trainUsers, seed });
    for (const algo of ["bc", "bcq", "cql", "crr"]) {
      const a = createOfflineAlgorithm({ algorithm: algo, context: ctx, policy: pol });
      const t0 = Date.now();
      const eps = await trainOffline(a, data, { epochs });
      console.log(`${algo} seed ${seed}: ${data.size} rows x ${epochs} epochs in ${((Date.now() - t0) / 1000).toFixed(0)} s; first ${JSON.stringify(eps[0].stats)} last ${JSON.stringify(eps.at(-1).stats)}`);
      const sampledToo = a.policy.heads.acting === "actor";
      for (const deterministic of sampledToo ? [true, false] : [true]) {
        const tag = `${algo} (offline, ${deterministic ? "greedy" : "sampled"})`;
        await ev(tag, seed, () => new PolicyAgent({ policy: a.policy, deterministic, noRepeat: false }), "FB");
        await ev(tag, seed, () => new PolicyAgent({ policy: a.policy, deterministic }), "NX_0");
      }
      a.dispose(); a.policy.dispose();
    }
  }
}
console.log("done");
