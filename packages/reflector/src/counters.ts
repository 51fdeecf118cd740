/** What an LLM reflector counted; plain numbers. */
export interface ReflectorCounters {
  reflections: number;
  modelCalls: number;
  /** Reflections written by the fallback (template) reflector because the model's answer was unusable. */
  fallbacks: number;
  /** Model texts cut to the word limit. */
  truncated: number;
}
