/** BiLLP's discount for the micro-level advantage (`A = r + 0.5 V(s') - V(s)`). */
export const BILLP_GAMMA = 0.5;

/** Inputs of one step's advantage. */
export interface AdvantageInput {
  /** r_t, the environment's reward of the step. */
  readonly reward: number;
  /** V(s_t); BiLLP uses V(s_0) = 0 for the first step. */
  readonly value: number;
  /** V(s_{t+1}). */
  readonly nextValue: number;
  /** Discount. Default {@link BILLP_GAMMA}. */
  readonly gamma?: number;
  /** The step ended the session: s_{t+1} is terminal and is not bootstrapped. */
  readonly done?: boolean;
}

/** The TD target r + gamma V(s'), without bootstrapping from a terminal state. */
export function tdTarget(input: Omit<AdvantageInput, "value">): number {
  const gamma = input.gamma ?? BILLP_GAMMA;
  return input.reward + (input.done ? 0 : gamma * input.nextValue);
}

/**
 * The one-step advantage A = r + gamma V(s') - V(s) (BiLLP's micro-learning signal: its sign marks the action
 * +1 / -1 in actor memory). NaN in, NaN out: callers decide what missing evidence means.
 */
export function advantage(input: AdvantageInput): number {
  return tdTarget(input) - input.value;
}
