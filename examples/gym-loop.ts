/**
 * The Gymnasium loop you know, on a Farsight simulator: `reset({ seed })`, then `step(action)` until the user
 * quits (`terminated`) or the session hits its step limit (`truncated`). The actions here are random draws from
 * the action space, restricted to what `info.actionMask` allows; put your own agent in their place.
 * Run it through its test: `npx vitest run examples/gym-loop.test.ts`.
 */
import { makeGymEnv, type GymObservation } from "@farsight/env";

export interface EpisodeRecord {
  readonly user: number;
  readonly length: number;
  readonly return: number;
  readonly ending: "terminated" | "truncated";
}

/** Plays `episodes` sessions of the synthetic preset's test users with `choose` (default: a random allowed item). */
export async function playEpisodes(o: { episodes: number; seed: number; choose?: (observation: GymObservation, mask: Uint8Array) => number }): Promise<EpisodeRecord[]> {
  const env = await makeGymEnv("synthetic", { role: "test" }); // the ground truth on held-out users
  const records: EpisodeRecord[] = [];
  for (let episode = 0; episode < o.episodes; episode++) {
    let { observation, info } = env.reset(episode === 0 ? { seed: o.seed } : {}); // seed once, as Gymnasium
    const user = observation.user;
    let length = 0, total = 0;
    for (;;) {
      const action = o.choose ? o.choose(observation, info.actionMask) : (env.actionSpace.sample(info.actionMask) as number);
      const { observation: next, reward, terminated, truncated, info: nextInfo } = env.step(action);
      length += 1;
      total += reward;
      if (terminated || truncated) {
        records.push({ user, length, return: total, ending: terminated ? "terminated" : "truncated" });
        break;
      }
      observation = next;
      info = nextInfo;
    }
  }
  env.close();
  return records;
}
