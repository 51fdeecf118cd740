/**
 * `farsight bench llm --throughput`: LERL category plans per second at several concurrency levels against serial,
 * measured in one run and interleaved (each round runs serial, then every level), so that machine load that
 * changes during the run moves all levels alike and the ratio to serial survives it. Concurrency c means: c plan
 * requests in flight; a `llama-cpp:` model gets a context of c sequences (llama.cpp decodes them in shared batches),
 * an HTTP model a concurrency limit of c. The cache is off: every plan is a model call.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { loadavg } from "node:os";
import { loadPreset, makeSimulator, RandomAgent } from "@farsight/env";
import { createChatModel, LlmStats, type ChatModelOptions } from "@farsight/llm";
import { buildPlanRequest, type PlanRequest } from "@farsight/planner";
import { LlmCategoryPlanner } from "@farsight/planner/llm";

export interface LlmThroughputOptions {
  /** The model spec (`llama-cpp:` for the fetched SmolLM2, or any HTTP spec). */
  readonly spec: string;
  /** Concurrency levels besides serial (1 sequence, one call at a time). Default [1, 4, 8, 16]. */
  readonly levels?: readonly number[];
  /** Plans per level and round (distinct sessions). Default 16. */
  readonly plans?: number;
  /** Rounds; each runs serial and every level once, in that order. Default 1. */
  readonly rounds?: number;
  /** Sessions per model call (the planner's cohort prompt); 1 is LERL's one call per session. Default 1. */
  readonly cohort?: number;
  /** CPU threads of a `llama-cpp:` context, at every level (serial included). Default 1, the adapter's default. */
  readonly threads?: number;
  /** Progress lines. */
  readonly say?: (line: string) => void;
}

export interface LlmThroughputRow {
  /** "serial" or the concurrency level. */
  readonly level: "serial" | number;
  readonly round: number;
  readonly plans: number;
  readonly seconds: number;
  readonly plansPerSecond: number;
  /** Plans per second over serial's in the same round. */
  readonly vsSerial: number;
  /** Share of plans written by the model (the rest are fallbacks, which are fast and must not count as throughput). */
  readonly modelShare: number;
  readonly calls: number;
  /** 1-minute load average before and after this level. */
  readonly load: [number, number];
  /**
   * CPU seconds of this process per plan (every thread: llama.cpp's, node-llama-cpp's sampling workers, JavaScript).
   * Unlike plans/s it hardly moves with other processes' load; with one llama.cpp thread, serial / level is what the
   * plans/s ratio would be on an idle machine.
   */
  readonly cpuSecondsPerPlan: number;
}

export interface LlmThroughputResult {
  readonly spec: string;
  readonly cohort: number;
  readonly threads: number;
  readonly rows: LlmThroughputRow[];
}

/** `plans` distinct LERL plan requests from a synthetic preset after a few random steps (each with its own history). */
export async function throughputRequests(plans: number, seed = 0): Promise<PlanRequest[]> {
  const setup = await loadPreset("synthetic");
  const env = await makeSimulator(setup, "test", { batchSize: plans, seed });
  env.reset();
  const agent = new RandomAgent({ seed });
  const slates = new Int32Array(env.batchSize * env.slateSize);
  for (let t = 0; t < 3; t++) {
    agent.act(env, slates);
    env.step(slates);
  }
  const requests: PlanRequest[] = [];
  for (let b = 0; b < env.batchSize; b++) if (env.active[b]) requests.push(buildPlanRequest(env.observation(b), { catalog: env.catalog }));
  return requests;
}

/** Runs the grid; see the file comment. */
export async function runLlmThroughputBench(o: LlmThroughputOptions): Promise<LlmThroughputResult> {
  const levels = o.levels ?? [1, 4, 8, 16];
  const plans = o.plans ?? 16;
  const cohort = Math.max(1, o.cohort ?? 1);
  const requests = await throughputRequests(plans);
  const local = o.spec.startsWith("llama-cpp:");
  const threads = Math.max(1, Math.floor(o.threads ?? 1));
  const rows: LlmThroughputRow[] = [];
  for (let round = 0; round < (o.rounds ?? 1); round++) {
    let serial = 0;
    for (const level of ["serial", ...levels] as const) {
      const c = level === "serial" ? 1 : level;
      const stats = new LlmStats();
      const modelOptions: ChatModelOptions = { stats, cache: false, ...(local ? { llamaCpp: { sequences: level === "serial" ? 1 : c, threads } } : { maxConcurrency: c }) };
      const model = (await createChatModel(o.spec, modelOptions))!;
      if (local) await model.invoke("Hi"); // loads the context (once per sequence count) outside the clock
      const planner = new LlmCategoryPlanner({ model, stats, seed: 0, concurrency: c, cohortSize: cohort, feedbackMeaning: "1 = click, 0 = no click" });
      const before = loadavg()[0]!;
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      await planner.plan(requests.map((r) => ({ ...r, sessionId: `${r.sessionId}-r${round}` })));
      const seconds = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const plansPerSecond = requests.length / seconds;
      if (level === "serial") serial = plansPerSecond;
      const row: LlmThroughputRow = {
        level, round, plans: requests.length, seconds, plansPerSecond, vsSerial: plansPerSecond / serial,
        modelShare: planner.counters.fromModel / Math.max(1, planner.counters.plans), calls: stats.snapshot().calls, load: [before, loadavg()[0]!],
        cpuSecondsPerPlan: (cpu.user + cpu.system) / 1e6 / requests.length,
      };
      rows.push(row);
      o.say?.(`bench llm throughput: ${o.spec} round ${round} ${level === "serial" ? "serial" : `${level} concurrent`}: ${plansPerSecond.toFixed(3)} plans/s (load ${row.load.map((x) => x.toFixed(1)).join(" -> ")})`);
      await (model as unknown as { inner?: { dispose?(): Promise<void> } }).inner?.dispose?.(); // frees this level's context
    }
  }
  return { spec: o.spec, cohort, threads, rows };
}

/** The rows as a markdown table (pasted into packages/llm/README.md). */
export function formatLlmThroughput(r: LlmThroughputResult): string {
  const local = r.spec.startsWith("llama-cpp:") ? `, ${r.threads} thread(s) per context` : "";
  const lines = [
    `model ${r.spec}, ${r.cohort} session(s) per call${local}, cache off:`,
    "",
    "| round | concurrency | plans | s | plans/s | x serial | CPU s/plan | from model | calls | load (1 min) |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const x of r.rows) {
    const load = x.load.map((l) => l.toFixed(1)).join(" -> ");
    lines.push(`| ${x.round} | ${x.level} | ${x.plans} | ${x.seconds.toFixed(1)} | ${x.plansPerSecond.toFixed(3)} | ${x.vsSerial.toFixed(2)} | ${x.cpuSecondsPerPlan.toFixed(2)} | ${(100 * x.modelShare).toFixed(0)}% | ${x.calls} | ${load} |`);
  }
  return lines.join("\n") + "\n";
}

/**
 * An OpenAI-compatible server on 127.0.0.1 that answers every chat request after `latencyMs` with the first
 * `minItems` values of the request's JSON-schema enum (a schema-valid plan): a stand-in for a remote model whose
 * cost is waiting, so the bench shows what concurrency gives when the work is not on this machine.
 */
export async function startFixedLatencyServer(latencyMs: number): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      setTimeout(() => {
        const request = (body ? JSON.parse(body) : {}) as { response_format?: { json_schema?: { schema?: Record<string, unknown> } } };
        const content = JSON.stringify(validPlan(request.response_format?.json_schema?.schema));
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({
          id: "fixed", object: "chat.completion", created: 0, model: "fixed-latency",
          choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        }));
      }, latencyMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1`, close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))) };
}

/** The smallest plan a category-plan schema accepts: its first `minItems` candidate ids. */
function validPlan(schema: Record<string, unknown> | undefined): unknown {
  const props = (schema?.properties ?? {}) as Record<string, { items?: { enum?: unknown[] }; minItems?: number }>;
  const out: Record<string, unknown> = {};
  for (const [key, p] of Object.entries(props)) {
    if (p.items?.enum) out[key] = p.items.enum.slice(0, Math.max(1, p.minItems ?? 1));
    else out[key] = "fixed";
  }
  return out;
}
