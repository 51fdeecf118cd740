/**
 * Training from code in three lines: a Gymnasium-shaped env, `PPO.learn`, `agent.evaluate`. No `initBackend`,
 * no algorithm factory, no training loop to write: the helper does the long form's steps (see the rl-policy README).
 * `A2C`, `DQN` and `REINFORCE` take the same call. Run it through its test: `npx vitest run examples/ppo-three-lines.test.ts`.
 */
import { makeGymEnv } from "@farsight/env";
import { PPO } from "@farsight/rl-policy";

export async function ppoInThreeLines(steps = 8_000, episodes = 100) {
  const env = await makeGymEnv("synthetic");                 // trains on the predicted world of the training users
  const agent = await PPO.learn(env, { steps });              // a fresh policy, `steps` env transitions
  const { metrics } = await agent.evaluate({ episodes });     // the ground truth on held-out users
  return { agent, metrics };
}
