/**
 * The graphs `langgraph.json` names, for LangGraph's own API server (`npx @langchain/langgraph-cli dev` and
 * LangGraph Studio), which supplies its own checkpointer and store. Built on the synthetic preset with the
 * non-LLM components, so they run offline: `session` (`createSessionGraph`; the predicted world model
 * recommends), `billp` and `lerl` (see ../simulated-assistants.ts; the thin server serves the same builders).
 *
 * Importing this module builds them (a few seconds: the preset's world model is trained).
 */
import { createSessionGraph } from "@farsight/graph";
import { ReflectionPool } from "@farsight/reflector";
import { presetSession } from "../preset-session.js";
import { buildBillpGraph, buildLerlTrainingGraph } from "../simulated-assistants.js";

const served = await presetSession({ preset: "synthetic" });
const setup = served.setup;

export const session = createSessionGraph({ ...served, pool: new ReflectionPool(), actInPlanNode: true });
export const billp = (await buildBillpGraph(setup, (await setup.predicted()).world.scorer)).graph;
export const lerl = buildLerlTrainingGraph(setup);
