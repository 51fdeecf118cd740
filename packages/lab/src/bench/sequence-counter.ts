import type { Agent, VecEnv, VecStepResult } from "@farsight/env";

/**
 * Wraps an agent to count distinct greedy item sequences over the finished sessions: one sequence for everyone is
 * the symptom of a state that does not know the user.
 */
export class SequenceCounter implements Agent {
  readonly name: string;
  readonly sequences = new Set<string>();
  private open: number[][] = [];
  constructor(private readonly inner: Agent) {
    this.name = inner.name;
  }
  begin(env: VecEnv): void {
    this.inner.begin?.(env);
    this.open = Array.from({ length: env.batchSize }, () => []);
  }
  act(env: VecEnv, out: Int32Array): void {
    this.inner.act(env, out);
    if (this.open.length !== env.batchSize) this.open = Array.from({ length: env.batchSize }, () => []);
    for (let b = 0; b < env.batchSize; b++) if (env.active[b]) for (let k = 0; k < env.slateSize; k++) this.open[b]!.push(out[b * env.slateSize + k]!);
  }
  observe(env: VecEnv, result: VecStepResult): void {
    this.inner.observe?.(env, result);
    for (let b = 0; b < env.batchSize; b++) {
      if (!result.done[b]) continue;
      this.sequences.add(this.open[b]!.join(","));
      this.open[b] = [];
    }
  }
}
