export { EndCode, END_REASONS } from "./types.js";
export type { EvalMode, VecStepResult, VecEnv, Agent, FeedbackKind, SlateReward } from "./types.js";
