import type { BaseChatModel } from "@langchain/core/language_models/chat_models";

/** A readable model id for provenance: the model name where the wrapper exposes one, else the class name. */
export function modelId(model: BaseChatModel): string {
  const m = model as unknown as { modelId?: unknown; model?: unknown; modelName?: unknown };
  // @farsight/llm's managed wrapper carries the spec as `modelId`; LangChain clients carry `model`.
  if (typeof m.modelId === "string" && m.modelId) return m.modelId;
  if (typeof m.model === "string" && m.model) return m.model;
  if (typeof m.modelName === "string" && m.modelName) return m.modelName;
  return model.getName();
}
