export { startServer, assistantIdOf, type ServerOptions, type RunningServer } from "./server.js";
export { openStorage, redactUrl, type Storage } from "./storage.js";
export { SqliteStore } from "./sqlite-store.js";
export { sessionAssistant, SERVED_POOL_NAMESPACE, type SessionComponents, type SessionStorage, type SessionInput } from "./session-assistant.js";
export { HttpError, badRequest, errorBody, type ServedGraph, type GraphLike, type SnapshotLike } from "./served-graph.js";
export { ThreadRecords, type ThreadRecord } from "./threads.js";
export { playground, playgroundCatalog, staticDirectory, type PlaygroundCatalog, type StaticHandler } from "./playground/index.js";
export { presetSession, loadServedPolicy, type PresetSession, type PresetSessionOptions } from "./preset-session.js";
export { billpAssistant, lerlAssistant, buildBillpGraph, buildLerlTrainingGraph } from "./simulated-assistants.js";
