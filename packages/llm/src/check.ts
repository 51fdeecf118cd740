import { z } from "zod";
import { createChatModel, type ChatModelOptions } from "./factory.js";
import { poolOf } from "./pool.js";
import { LlmStats, type LlmStatsSnapshot } from "./stats.js";
import { structured, type StructuredResult } from "./structured.js";

/** The answer `checkModel` asks for: small, but it exercises JSON, a string, a bounded number. */
export const checkSchema = z.object({
  category: z.string().min(1).describe("one content category"),
  confidence: z.number().min(0).max(1).describe("how sure you are, 0..1"),
});

export const DEFAULT_CHECK_PROMPT =
  "A user of a music service listened to three jazz albums and skipped two pop songs. " +
  "Which one content category should we recommend next?";

export interface CheckReport {
  spec: string;
  result: StructuredResult<z.infer<typeof checkSchema>>;
  latencyMs: number;
  stats: LlmStatsSnapshot;
}

/**
 * Sends one structured request through the full stack (wrappers included) and reports what happened. A pool
 * first probes every endpoint, so `stats.endpoints` says which of them are up, not only the one that answered.
 */
export async function checkModel(spec: string, options: ChatModelOptions & { prompt?: string; maxRepairs?: number } = {}): Promise<CheckReport> {
  const stats = options.stats ?? new LlmStats();
  const model = await createChatModel(spec, { ...options, stats, cache: false });
  if (!model) {
    return {
      spec,
      result: { ok: false, reason: "error", error: 'spec "none" has no model to check', repairs: 0, method: "prompt" },
      latencyMs: 0,
      stats: stats.snapshot(),
    };
  }
  const pool = poolOf(model);
  await pool?.probeAll();
  const started = performance.now();
  const result = await structured(model, checkSchema, options.prompt ?? DEFAULT_CHECK_PROMPT, {
    name: "recommendation",
    stats,
    maxRepairs: options.maxRepairs ?? 1,
  });
  const latencyMs = performance.now() - started;
  pool?.close();
  return { spec, result, latencyMs, stats: stats.snapshot() };
}
