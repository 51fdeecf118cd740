export {};
export * from "./fake-llm-server.js";
export { actorConformance, conformanceCatalog, CONFORMANCE_USERS, type ConformanceActor, type ActorConformanceContext, type ActorConformanceOptions } from "./actor-conformance.js";
export { criticConformance, type ConformanceCritic, type CriticConformanceContext, type CriticConformanceOptions } from "./critic-conformance.js";
