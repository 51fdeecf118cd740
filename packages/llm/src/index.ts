export { LlmStats, type LlmStatsSnapshot, type LlmStatsEvent } from "./stats.js";
export { collectCalls, callRecords, answerRecord as buildAnswerRecord, type AnswerRecord, type AnswerSink, type ModelCallRecord, type PendingCall } from "./answer-records.js";
export { AnswerSamples, isCollapsed, formatQuality, trigrams, overlap, REPEAT_OVERLAP, type QualitySample, type QualitySummary, type CollapseRule } from "./quality.js";
export { NoModelError, LlmTimeoutError, isTimeoutError, httpStatusOf } from "./errors.js";
export { ScriptedChatModel, type ScriptedChatModelOptions, type ScriptedResponses } from "./scripted.js";
export { structured, complete, jsonSchemaOf, formatZodError, type StructuredOptions, type StructuredResult } from "./structured.js";
export { extractJson, type ExtractedJson } from "./json.js";
export { maxJsonChars, schemaTokenBudget, DEFAULT_MAX_STRING, DEFAULT_MAX_ITEMS, MAX_SCHEMA_TOKENS } from "./budget.js";
export { invokeSafely, JSON_SCHEMA_OPTION, type InvokeOptions, type InvokeResult } from "./invoke.js";
export { toMessages, promptText, contentText, messagesToJson, type Prompt } from "./messages.js";
export { createChatModel, wrapChatModel, defaultModelSpec, type ChatModelOptions, type WrapOptions } from "./factory.js";
export { parseModelSpec, MODEL_SPEC_FORMS, specMethods, type ModelSpec } from "./spec.js";
export { PoolChatModel, PoolUnavailableError, poolOf, failoverReason, type PoolEndpoint, type PoolOptions } from "./pool.js";
export { POOL_PROVIDERS, type PoolMemberSpec, type PoolProvider, type PoolSpec, type PoolTiming } from "./pool-spec.js";
export { EndpointCounts, formatEndpointStats, type EndpointSnapshot, type EndpointState } from "./endpoint-stats.js";
export { ManagedChatModel, statsOf, toAIMessage, streamChunks, type Layer, type ModelCall, type NextLayer, type ManagedChatModelOptions } from "./managed.js";
export { accountingLayer, timeoutLayer, retryLayer, concurrencyLayer, isRetryable, isConnectionError, Semaphore, type RetryOptions } from "./layers.js";
export { cacheLayer, cacheKey, MemoryResponseCache, SqliteResponseCache, type ResponseCache } from "./cache.js";
export { JsonlRecorder, recorderLayer, loadScriptedModel, type RecordedCall } from "./recorder.js";
export {
  LlamaCppChatModel,
  loadNodeLlamaCppBackend,
  toLlamaHistory,
  grammarSchema,
  GRAMMAR_MAX_STRING,
  GRAMMAR_MAX_ITEMS,
  sharedBackend,
  SequenceQueue,
  sequencesOf,
  type LlamaBackend,
  type LlamaSessionLike,
  type LlamaChatHistoryItem,
  type LlamaCppOptions,
  type LlamaCppChatModelOptions,
} from "./llama-cpp.js";
export { compactJsonGrammar } from "./compact-grammar.js";
export { checkModel, checkSchema, DEFAULT_CHECK_PROMPT, type CheckReport } from "./check.js";
export {
  STRUCTURED_METHODS,
  METHOD_CHAINS,
  methodChain,
  MethodState,
  callOptionsFor,
  answerText,
  type StructuredMethod,
  type MethodFamily,
} from "./methods.js";
export { methodStateOf, isCacheHit, truncatedAt } from "./structured.js";
export { methodFamily } from "./spec.js";
export type { ComponentAnswers, AnswerOutcome } from "./stats.js";
export {
  modelIdOf,
  attemptOf,
  settle,
  withFallback,
  answerShares,
  formatAnswerShares,
  type Attempt,
  type Answered,
  type FallbackContext,
} from "./fallback.js";
export {
  MODEL_REGISTRY,
  DEFAULT_LOCAL_MODEL,
  modelsDir,
  modelEntry,
  installedModel,
  resolveGgufPath,
  type ModelEntry,
  type ModelSource,
  type FileSource,
  type WheelSource,
  type ModelManifest,
} from "./models/registry.js";
export { fetchModel, sha256File, type FetchModelOptions, type FetchModelResult } from "./models/fetch-model.js";
export { expectedModelHash, sha256FileSync, verifiedStampPath, verifyModelFile, type VerifiedStamp } from "./models/verify.js";
/** Streams one entry of a ZIP file on disk (ZIP64 included); shared with @farsight/env through @farsight/core/node. */
export { extractZipEntry } from "@farsight/core/node";
export { downloadToFile, downloadJson, type DownloadOptions } from "./models/download.js";
