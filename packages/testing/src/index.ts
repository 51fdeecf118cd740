export {};
export * from "./fake-llm-server.js";
