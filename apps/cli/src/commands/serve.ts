import { homedir } from "node:os";
import { join } from "node:path";
import { redactText } from "@farsight/core";
import { createChatModel, LlmStats } from "@farsight/llm";
import { LlmCategoryPlanner } from "@farsight/planner/llm";
import { LlmReflector } from "@farsight/reflector/llm";
import { billpAssistant, isLoopback, lerlAssistant, openStorage, secretsOf, playground, presetSession, redactUrl, sessionAssistant, startServer, staticDirectory, type ServedGraph } from "@farsight/server";
import { UsageError, type CliIO, type Command } from "../command.js";
import { DATA_DIR_FLAG, ENV_FLAG } from "../common-flags.js";
import { defineCommand, parseCommand } from "../flag-table.js";
import { renderHelp } from "../help.js";
import { LLM_RUN_FLAGS, llmRunOptions, modelOptions, preflight } from "../llm-run.js";
import { labIO } from "../lab-io.js";

const GRAPHS = ["session", "billp", "lerl"] as const;

const table = defineCommand({
  command: "serve",
  description: [
    "Serves one person's session per thread (plan, recommend, wait for feedback, reflect at the end) with the routes a @langchain/langgraph-sdk Client uses " +
      "(route table: apps/server/README.md). Listens on 127.0.0.1 (another --host needs a token) and prints `listening <url>` when ready; SIGINT/SIGTERM lets running requests finish and stops. " +
      "Requests must carry JSON bodies, a Host naming this server and no foreign web Origin (security model: apps/server/README.md).",
  ],
  flags: {
    port: { kind: "int", min: 0, max: 65_535, default: 2024, help: "port (LangGraph's; 0 picks a free one)." },
    host: { kind: "string", placeholder: "ADDR", default: "127.0.0.1", help: "address to listen on; one that is not a loopback address needs --auth-token (or FARSIGHT_SERVER_TOKEN)." },
    "auth-token": {
      kind: "string", placeholder: "TOKEN", defaultHelp: "FARSIGHT_SERVER_TOKEN, else none",
      help: "bearer token every API route but /ok and /ready asks for (Authorization: Bearer TOKEN), 16+ characters; prefer the environment variable (a flag shows in ps).",
    },
    "allowed-host": { kind: "string", multiple: true, placeholder: "NAME", defaultHelp: "none: only the bound address", help: "a name the Host header may carry besides the bound address (a proxy's or DNS name); repeatable." },
    "allow-origin": { kind: "string", multiple: true, placeholder: "ORIGIN", defaultHelp: "none: same origin only", help: "a web origin (https://app.example) whose pages may call the server (CORS); repeatable. Others are refused." },
    ...ENV_FLAG,
    policy: {
      kind: "path", placeholder: "DIR", defaultHelp: "the preset's predicted world model (learned from the training log) as a scorer",
      help: "recommend with a trained policy (farsight train --out DIR, or farsight run ilrec --out DIR).",
    },
    postgres: { kind: "string", placeholder: "URL", defaultHelp: "none: SQLite in --state-dir", help: "keep threads, checkpoints and the reflection pool in PostgreSQL (postgres://...); several servers on one database serve the same threads." },
    "state-dir": { kind: "path", placeholder: "DIR", defaultHelp: "~/.farsight/server", help: "SQLite file DIR/server.sqlite; kept across restarts." },
    memory: { kind: "boolean", help: "keep nothing: every thread is lost when the server stops." },
    "max-steps": { kind: "int", min: 1, defaultHelp: "the preset's session limit", help: "slates per session." },
    slate: { kind: "int", min: 1, placeholder: "K", defaultHelp: "the preset's", help: "items per slate when the scorer recommends." },
    seed: { kind: "int", min: 0, default: 0, placeholder: "S", help: "seed of the planner." },
    "batch-window": {
      kind: "number", min: 0, max: 1000, default: 2, placeholder: "MS",
      help: "sessions asking within MS share one policy act / non-LLM plan call; 0: no batching.",
    },
    "batch-max": { kind: "int", min: 1, max: 4096, default: 64, placeholder: "N", help: "a batch is sent as soon as it holds N requests." },
    graphs: {
      kind: "list", choices: GRAPHS, default: GRAPHS, placeholder: "NAME,...", help: "graphs to serve.",
      choiceHelp: {
        session: "a person's session",
        billp: "one simulated BiLLP session per run, non-LLM components",
        lerl: "LERL training runs, input {steps, seed}; a run takes the CPU: other requests wait while it trains",
      },
    },
    ...DATA_DIR_FLAG,
    playground: { kind: "path", placeholder: "DIR", defaultHelp: "the built-in playground", help: "serve the static files of DIR at / and /playground." },
    ...LLM_RUN_FLAGS,
  },
  exclusive: [
    { flags: ["postgres", "state-dir", "memory"], why: "the state lives in one place" },
    { flags: ["policy", "slate"], why: "a policy recommends slates of the size it was trained for" },
  ],
  notes: [
    "With --llm the planner is LERL's LLM category planner and the reflector an LLM reflector on that model; " +
      "without it, the saturation-aware planner and the template reflector (no model needed).",
  ],
});

/**
 * `farsight serve`: the session graph over HTTP (LangGraph Platform's thread/run routes, see apps/server) on
 * 127.0.0.1, until SIGINT or SIGTERM. State goes to a SQLite file by default, to PostgreSQL with --postgres
 * (replicas on one database share threads and the reflection pool), or nowhere with --memory.
 */
export const serveCommand: Command = {
  name: "serve",
  summary: "serve the session graph over HTTP (LangGraph thread/run routes) on 127.0.0.1",
  get usage() {
    return renderHelp(table);
  },
  tables: [table],
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, given } = parseCommand(table, argv);
    const { port, seed, graphs } = values;
    const preset = values.env;
    const maxSteps = values["max-steps"];
    const slateSize = values.slate;
    if (values.postgres !== undefined && !/^postgres(ql)?:\/\//.test(values.postgres)) {
      throw new UsageError(`--postgres must be a postgres:// or postgresql:// URL, got "${redactUrl(values.postgres)}"`);
    }
    const authToken = values["auth-token"] ?? (process.env["FARSIGHT_SERVER_TOKEN"] || undefined);
    // Before anything loads: a server others can reach must ask who they are.
    if (!isLoopback(values.host) && !authToken) {
      throw new UsageError(`farsight serve: --host ${values.host} is not a loopback address: anyone who reaches it could drive the server; pass --auth-token (or set FARSIGHT_SERVER_TOKEN), or keep 127.0.0.1`);
    }
    const spec = values.postgres ?? (values.memory ? "memory" : `sqlite:${join(values["state-dir"] ?? join(homedir(), ".farsight", "server"), "server.sqlite")}`);

    const llm = llmRunOptions(given);
    const stats = new LlmStats();
    const model = llm.spec === "none" ? null : await createChatModel(llm.spec, modelOptions(llm, stats));
    if (model) await preflight(model, llm, labIO(io));
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
    // Nothing the server writes may hold the model's, the database's or the server's credentials.
    const secrets = [...secretsOf([llm.spec, values.postgres ?? ""], process.env), ...(authToken ? [authToken] : [])];
    const storage = await openStorage(spec, { secrets });
    // The built-in playground (it plays the session graph) unless the caller brings their own static files.
    const staticFiles = values.playground ? staticDirectory(values.playground) : graphs.includes("session") ? playground(session.catalog) : undefined;
    const s = { checkpointer: storage.checkpointer, store: storage.store, replicaId: `serve-${process.pid}-${Date.now().toString(36)}` };
    const batch = values["batch-window"] > 0 ? { windowMs: values["batch-window"], maxBatch: values["batch-max"] } : (false as const);
    const assistant = await sessionAssistant({ ...session, batch, describe: { ...session.describe, ...(model ? { llm: redactText(llm.spec) } : {}) } }, s);
    const served: ServedGraph[] = [];
    if (graphs.includes("session")) served.push(assistant);
    if (graphs.includes("billp")) served.push(await billpAssistant(session.setup, (await session.setup.predicted()).world.scorer, s));
    if (graphs.includes("lerl")) served.push(lerlAssistant(session.setup, storage.checkpointer, undefined, values["data-dir"] ? { dataDir: values["data-dir"] } : {}));
    let server;
    try {
      server = await startServer({
        graphs: served,
        storage,
        port,
        host: values.host,
        allowedHosts: values["allowed-host"] ?? [],
        allowOrigins: values["allow-origin"] ?? [],
        ...(authToken ? { authToken } : {}),
        ...(staticFiles ? { staticFiles } : {}),
      });
    } catch (err) {
      await storage.close();
      session.dispose();
      if ((err as NodeJS.ErrnoException).code === "EADDRINUSE") throw new UsageError(`farsight serve: port ${port} on ${values.host} is in use; pass another --port (0 picks a free one)`);
      if ((err as { code?: string }).code === "server/unauthorized") throw new UsageError(`farsight serve: ${(err as Error).message}`);
      throw err;
    }
    const d = assistant.metadata ?? {};
    io.stderr(`farsight serve: graphs ${graphs.join(", ")}; ${preset}, recommender ${String(d["recommender"])}, planner ${String(d["planner"])}, reflector ${String(d["reflector"])}\n`);
    io.stderr(`farsight serve: state in ${storage.kind === "memory" ? "memory: threads are lost when the server stops (drop --memory to keep them)" : `${storage.kind} ${storage.where}`}\n`);
    if (authToken) io.stderr("farsight serve: API routes ask for Authorization: Bearer <token> (all but /ok and /ready)\n");
    if (staticFiles && !values.playground) io.stderr(`farsight serve: playground at ${server.url}/${authToken ? " (open it as /#token=<token>)" : ""}\n`);
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
