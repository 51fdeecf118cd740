import type { Observation, Provenance } from "../types.js";

/** What a critic is asked: the value of a session's state (its recent list, as the observation holds it). */
export interface CriticRequest {
  readonly observation: Observation;
  readonly signal?: AbortSignal;
}

/** Why an LLM critic's answer needed handling; counted by the critic. */
export type CriticAnswerIssue = "out-of-range" | "non-integer" | "non-numeric" | "empty" | "model-error";

/** A critic's value of a state. */
export interface CriticJudgement {
  /** The value, always finite and inside the critic's `range`. */
  readonly value: number;
  /** `llm` (a model answered), `heuristic` / `learned` (non-LLM critics), `fallback` (the answer was unusable). */
  readonly source: Provenance;
  /** The model's raw answer (LLM critics). */
  readonly raw?: string;
  /** What was wrong with the answer, if anything (it was then clamped, rounded or replaced). */
  readonly issue?: CriticAnswerIssue;
  /** True when critic memory contributed (a remembered value shown in the prompt or used as fallback). */
  readonly fromMemory?: boolean;
}

/** BiLLP's critic-memory update for one step: the TD target r_t + gamma V(s_{t+1}) of state s_t. */
export interface CriticExperience {
  /** The state that was valued (s_t). */
  readonly observation: Observation;
  readonly target: number;
}

/**
 * Values states of a session. Implementations: {@link LlmCritic} (BiLLP's -5..5 judgement, any LangChain chat
 * model), {@link ScorerCritic} (a world model's view of the recent list) and {@link TabularAverageCritic}
 * (running averages of observed TD targets).
 */
export interface Critic {
  readonly name: string;
  /** Inclusive value range; every judgement falls inside it. BiLLP: [-5, 5]. */
  readonly range: readonly [number, number];
  evaluate(request: CriticRequest): Promise<CriticJudgement>;
  /** Learns from a TD target (critic memory). Critics that do not learn omit it. */
  learn?(experience: CriticExperience): void;
}
