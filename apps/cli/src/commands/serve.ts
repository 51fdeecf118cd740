import { homedir } from "node:os";
import { join } from "node:path";
import { PRESETS } from "@farsight/env";
import { redactText } from "@farsight/core";
import { createChatModel, LlmStats } from "@farsight/llm";
import { LlmCategoryPlanner } from "@farsight/planner";
import { LlmReflector } from "@farsight/reflector";
import { billpAssistant, lerlAssistant, openStorage, playground, presetSession, redactUrl, sessionAssistant, startServer, staticDirectory, type ServedGraph } from "@farsight/server";
import { choiceFlag, exclusiveFlags, intFlag, listFlag, parseFlags, UsageError, type CliIO, type Command } from "../command.js";

const GRAPHS = ["session", "billp", "lerl"] as const;
import { LLM_RUN_FLAGS, LLM_RUN_USAGE, llmRunOptions, modelOptions, preflight } from "../llm-run.js";

/**
 * `farsight serve`: the session graph over HTTP (LangGraph Platform's thread/run routes, see apps/server) on
 * 127.0.0.1, until SIGINT or SIGTERM. State goes to a SQLite file by default, to PostgreSQL with --postgres
 * (replicas on one database share threads and the reflection pool), or nowhere with --memory.
 */
export const serveCommand: Command = {
  name: "serve",
  summary: "serve the session graph over HTTP (LangGraph thread/run routes) on 127.0.0.1",
  usage: [
    "Usage: farsight serve [--port N] [--env <preset>] [--policy DIR] [--llm <spec>]",
    "                      [--postgres <url> | --state-dir DIR | --memory] [--max-steps N] [--slate K] [--seed S]",
    "                      [--graphs session,billp,lerl] [--data-dir DIR] [--playground DIR]",
    "",
    "Serves one person's session per thread (plan, recommend, wait for feedback, reflect at the end) with the",
    "routes a @langchain/langgraph-sdk Client uses (route table: apps/server/README.md). Listens on 127.0.0.1",
    "only and prints `listening <url>` when ready; SIGINT/SIGTERM lets running requests finish and stops.",
    "",
    "  --port N          port (default 2024, LangGraph's; 0 picks a free one)",
    `  --env <preset>    catalogue and users (default synthetic): ${PRESETS.join(", ")}`,
    "  --policy DIR      recommend with a trained policy (farsight train --out DIR, or farsight run ilrec --out DIR);",
    "                    default: the preset's predicted world model (learned from the training log) as a scorer",
    "  --postgres <url>  keep threads, checkpoints and the reflection pool in PostgreSQL (postgres://...);",
    "                    several servers on one database serve the same threads",
    "  --state-dir DIR   SQLite file DIR/server.sqlite (default ~/.farsight/server); kept across restarts",
    "  --memory          keep nothing: every thread is lost when the server stops",
    "  --max-steps N     slates per session (default: the preset's session limit)",
    "  --slate K         items per slate when the scorer recommends (default: the preset's)",
    "  --seed S          seed of the planner (default 0)",
    "  --graphs LIST     graphs to serve (default session,billp,lerl): session (a person's session), billp (one",
    "                    simulated BiLLP session per run, non-LLM components), lerl (LERL training runs, input",
    "                    {steps, seed}; a run takes the CPU: other requests wait while it trains)",
    "  --playground DIR  serve the static files of DIR at / and /playground instead of the built-in playground",
    "With --llm the planner is LERL's LLM category planner and the reflector an LLM reflector on that model;",
    "without it, the saturation-aware planner and the template reflector (no model needed).",
    ...LLM_RUN_USAGE.slice(0, 5),
  ].join("\n"),
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values } = parseFlags("serve", argv, {
      port: { type: "string" },
      env: { type: "string" },
      policy: { type: "string" },
      postgres: { type: "string" },
      "state-dir": { type: "string" },
      memory: { type: "boolean" },
      "max-steps": { type: "string" },
      slate: { type: "string" },
      seed: { type: "string" },
      "data-dir": { type: "string" },
      playground: { type: "string" },
      graphs: { type: "string" },
      ...LLM_RUN_FLAGS,
    });
    exclusiveFlags("serve", values, ["postgres", "state-dir", "memory"], "the state lives in one place");
    exclusiveFlags("serve", values, ["policy", "slate"], "a policy recommends slates of the size it was trained for");
    const port = intFlag("port", values.port, 2024, 0, 65_535);
    const preset = choiceFlag("env", values.env, PRESETS, "synthetic");
    const seed = intFlag("seed", values.seed, 0, 0);
    const maxSteps = values["max-steps"] === undefined ? undefined : intFlag("max-steps", values["max-steps"], 0, 1);
    const slateSize = values.slate === undefined ? undefined : intFlag("slate", values.slate, 0, 1);
    const graphs = listFlag("graphs", values.graphs, GRAPHS).map((g) => choiceFlag("graphs", g, GRAPHS, "session"));
    if (values.postgres !== undefined && !/^postgres(ql)?:\/\//.test(values.postgres)) {
      throw new UsageError(`--postgres must be a postgres:// or postgresql:// URL, got "${redactUrl(values.postgres)}"`);
    }
    const spec = values.postgres ?? (values.memory ? "memory" : `sqlite:${join(values["state-dir"] ?? join(homedir(), ".farsight", "server"), "server.sqlite")}`);

    const llm = llmRunOptions(values);
    const stats = new LlmStats();
    const model = llm.spec === "none" ? null : await createChatModel(llm.spec, modelOptions(llm, stats));
    if (model) await preflight(model, llm, io);
    const session = await presetSession({
      preset,
      seed,
      ...(values["data-dir"] ? { dataDir: values["data-dir"] } : {}),
      ...(values.policy ? { policyDir: values.policy } : {}),
      ...(maxSteps !== undefined ? { maxSteps } : {}),
      ...(slateSize !== undefined ? { slateSize } : {}),
      ...(model
        ? { planner: new LlmCategoryPlanner({ model, stats, seed, feedbackMeaning: "1 = click, 0 = no click" }), reflector: new LlmReflector({ model, stats }) }
        : {}),
    });
    const storage = await openStorage(spec);
    // The built-in playground (it plays the session graph) unless the caller brings their own static files.
    const staticFiles = values.playground ? staticDirectory(values.playground) : graphs.includes("session") ? playground(session.catalog) : undefined;
    const s = { checkpointer: storage.checkpointer, store: storage.store, replicaId: `serve-${process.pid}-${Date.now().toString(36)}` };
    const assistant = await sessionAssistant({ ...session, describe: { ...session.describe, ...(model ? { llm: redactText(llm.spec) } : {}) } }, s);
    const served: ServedGraph[] = [];
    if (graphs.includes("session")) served.push(assistant);
    if (graphs.includes("billp")) served.push(await billpAssistant(session.setup, (await session.setup.predicted()).world.scorer, s));
    if (graphs.includes("lerl")) served.push(lerlAssistant(session.setup, storage.checkpointer));
    let server;
    try {
      server = await startServer({ graphs: served, storage, port, ...(staticFiles ? { staticFiles } : {}) });
    } catch (err) {
      await storage.close();
      session.dispose();
      if ((err as NodeJS.ErrnoException).code === "EADDRINUSE") throw new UsageError(`farsight serve: port ${port} on 127.0.0.1 is in use; pass another --port (0 picks a free one)`);
      throw err;
    }
    const d = assistant.metadata ?? {};
    io.stderr(`farsight serve: graphs ${graphs.join(", ")}; ${preset}, recommender ${String(d["recommender"])}, planner ${String(d["planner"])}, reflector ${String(d["reflector"])}\n`);
    io.stderr(`farsight serve: state in ${storage.kind === "memory" ? "memory: threads are lost when the server stops (drop --memory to keep them)" : `${storage.kind} ${storage.where}`}\n`);
    if (staticFiles && !values.playground) io.stderr(`farsight serve: playground at ${server.url}/\n`);
    io.stdout(`listening ${server.url}\n`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    io.stderr("farsight serve: stopping (waiting for running requests)\n");
    await server.close();
    session.dispose();
    return 0;
  },
};
