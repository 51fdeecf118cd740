export { LlmStats, type LlmStatsSnapshot, type LlmStatsEvent } from "./stats.js";
export { NoModelError, LlmTimeoutError, isTimeoutError, httpStatusOf } from "./errors.js";
export { ScriptedChatModel, type ScriptedChatModelOptions, type ScriptedResponses } from "./scripted.js";
export { structured, complete, jsonSchemaOf, formatZodError, type StructuredOptions, type StructuredResult } from "./structured.js";
export { extractJson, type ExtractedJson } from "./json.js";
export { invokeSafely, JSON_SCHEMA_OPTION, type InvokeOptions, type InvokeResult } from "./invoke.js";
export { toMessages, promptText, contentText, messagesToJson, type Prompt } from "./messages.js";
