export {};
export { runBillpSession, type BillpComponents, type BillpSessionOptions, type BillpStepRecord, type BillpTrajectory, type ReflectionMemory } from "./billp-session.js";
