/**
 * IL-Rec's learner on demonstrations of your own. A demonstration is any finished session as a
 * `@farsight/core` Episode (slates, feedback, rewards): from an LLM agent, a production log or, here, a
 * hand-written "category carousel" teacher (the user's best unseen item of the next category in turn). The
 * learner trains a small A2C policy on the predicted world with the demonstrations weighted by how much they
 * beat the policy, and the policy serves without any teacher.
 *
 * Run it through its test: `npx vitest run examples` (Node 20 cannot run .ts files directly).
 */
import type { Episode } from "@farsight/core";
import { evaluate, loadPreset, makeSimulator, Session, type Agent } from "@farsight/env";
import { initBackend, A2CPolicy, contextFromEnv, DemoBuffer, IlrecLearner, ilrecDefaults, PolicyAgent, resolveIlrecOptions } from "@farsight/rl-policy/tf";

/** Records `count` sessions of the carousel teacher on the training users of the preset's predicted world. */
async function carouselDemonstrations(setup: Awaited<ReturnType<typeof loadPreset>>, count: number, seed: number): Promise<Episode[]> {
  const sim = await makeSimulator(setup, "train", { batchSize: 1, seed });
  const session = new Session(sim);
  const { itemCategory, numCategories } = sim.catalog;
  const episodes: Episode[] = [];
  for (let n = 0; n < count; n++) {
    let observation = session.reset();
    const scores = sim.scorer.scoreAll(observation.userId);
    const shown = new Set<number>();
    const steps: Episode["steps"][number][] = [];
    for (let done = false, t = 0; !done; t++) {
      const category = (observation.userId + t) % numCategories;
      let best = -1;
      for (let i = 0; i < scores.length; i++) if (itemCategory[i] === category && !shown.has(i) && (best < 0 || scores[i]! > scores[best]!)) best = i;
      shown.add(best);
      const r = session.step(best);
      steps.push({ slate: [best], categories: [category], feedback: [...r.feedback], reward: r.reward });
      observation = r.observation;
      done = r.done;
    }
    episodes.push({ sessionId: `carousel-${n}`, userId: observation.userId, steps, return: steps.reduce((s, x) => s + x.reward, 0), length: steps.length, endReason: "quit" });
  }
  return episodes;
}

export async function learnFromOwnDemos(o: { demos: number; steps: number; seed: number }) {
  await initBackend();
  const setup = await loadPreset("synthetic");
  const episodes = await carouselDemonstrations(setup, o.demos, o.seed);
  const env = await makeSimulator(setup, "train", { batchSize: 16, autoReset: true, seed: o.seed });
  const options = resolveIlrecOptions(ilrecDefaults("synthetic"), { seed: o.seed });
  const demos = DemoBuffer.fromEpisodes(episodes, { historyLength: 10, slateSize: 1, numItems: env.numItems, feedbackScale: 1, gamma: options.demoGamma });
  const policy = new A2CPolicy(contextFromEnv(env), { seed: o.seed });
  const learner = new IlrecLearner(policy, demos, options);
  const summary = await learner.train(env, o.steps);
  const rTraj = async (agent: Agent) => (await evaluate(setup, () => agent, { episodes: 100, seeds: [o.seed] })).metrics.r_traj!;
  const served = await rTraj(new PolicyAgent({ policy, deterministic: false }));
  const weights = Array.from(demos.weights);
  learner.dispose();
  policy.dispose();
  return { episodes, summary, weights, served, teacherReturn: episodes.reduce((s, e) => s + e.return, 0) / episodes.length };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await learnFromOwnDemos({ demos: 40, steps: 3200, seed: 0 });
  console.log(`teacher ${r.teacherReturn.toFixed(2)} (predicted world), IL-Rec served ${r.served.toFixed(2)} (ground truth)`);
}
