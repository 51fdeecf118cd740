/**
 * What an evaluation was, in words a results table can carry: whose sessions it ran (held-out or the training
 * users) and how learned policies chose (greedy or sampled). Derived from the data, not from a preset's name,
 * so a preset whose split changes cannot keep a stale label.
 */

/** How the test users relate to the train users. */
export interface UserSplit {
  /** "held-out users" (disjoint), "same users" (identical sets) or "overlapping users (...)". */
  readonly label: string;
  readonly kind: "held-out" | "same" | "overlapping";
  readonly trainUsers: number;
  readonly testUsers: number;
  /** Test users that are also train users. */
  readonly shared: number;
}

export function userSplit(setup: { readonly trainUsers: ArrayLike<number>; readonly testUsers: ArrayLike<number> }): UserSplit {
  const train = new Set(Array.from(setup.trainUsers));
  const test = new Set(Array.from(setup.testUsers));
  let shared = 0;
  for (const u of test) if (train.has(u)) shared++;
  const base = { trainUsers: train.size, testUsers: test.size, shared };
  if (shared === 0) return { ...base, kind: "held-out", label: "held-out users" };
  if (shared === test.size && shared === train.size) return { ...base, kind: "same", label: "same users" };
  return { ...base, kind: "overlapping", label: `overlapping users (${shared} of ${test.size} test users also train)` };
}

/** How a row's recommendations were chosen at evaluation time. */
export type EvalPolicy = "greedy" | "sampled" | "baseline";
