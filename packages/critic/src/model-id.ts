import type { BaseChatModel } from "@langchain/core/language_models/chat_models";

/** A readable model id for provenance: the spec of `@farsight/llm`'s managed wrapper, a client's model name, else the class name. */
export function modelId(model: BaseChatModel): string {
  const m = model as unknown as { modelId?: unknown; model?: unknown; modelName?: unknown };
  for (const id of [m.modelId, m.model, m.modelName]) if (typeof id === "string" && id) return id;
  return model.getName();
}
