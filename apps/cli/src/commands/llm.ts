import { checkModel, formatEndpointStats, MODEL_SPEC_FORMS } from "@farsight/llm";
import { formatGrade, gradeModel } from "@farsight/lab";
import { UsageError, type Command } from "../command.js";
import { defineCommand, parseCommand } from "../flag-table.js";
import { renderHelp } from "../help.js";

const table = defineCommand({
  command: "llm",
  forms: ["check <spec>", "[check] --llm <spec>", "grade <spec>"],
  positionals: true,
  description: [
    "Sends one structured request (a JSON object {category, confidence}) to the model named by <spec>, through the same wrappers a run uses " +
      "(retries, timeout, accounting; no cache), and prints the parsed answer, the structured-output method that produced it, the latency and the tokens. " +
      "Exit code 0 when the answer parsed and validated, 1 otherwise. The method is chosen per provider, strongest first (OpenAI-compatible: " +
      "json-schema, tools, json-mode, prompt; Ollama: format, prompt; llama-cpp: grammar, prompt) and moves down when the server rejects or ignores one; " +
      "append ?structured=<method> to the spec to start lower. A pool: spec probes every endpoint first and prints one line per endpoint (up or down, requests, failovers).",
    "`grade <spec>` asks each LLM role (planner, reflector, critic, actor) --calls fixed probe requests from the synthetic preset's test users and prints " +
      "per role the valid share, the distinct-answer share and why answers fell back; for the planner also the entropy of the categories planned and " +
      "its plan quality on the q scale of docs/evidence.md (Jaccard agreement with the quit-aware oracle, as the q of noisy-oracle(q) that agrees as much). " +
      "A role with under 50% valid answers or one answer for >= 90% of the sessions is FLAGGED; exit code 1 when any role is.",
    `Specs:\n  ${MODEL_SPEC_FORMS.join("\n  ")}`,
  ],
  flags: {
    llm: { kind: "string", placeholder: "SPEC", defaultHelp: "the positional <spec>", help: "the spec, instead of the positional <spec> (the spec flag every other command takes)." },
    prompt: { kind: "string", defaultHelp: "the built-in recommendation question", help: "ask this instead." },
    timeout: { kind: "int", min: 1, placeholder: "MS", defaultHelp: "the provider's, 10 s to 10 min", help: "deadline per model call." },
    record: { kind: "path", placeholder: "FILE", defaultHelp: "not recorded", help: "append the request and answer to a JSONL file (replay it with scripted:FILE)." },
    calls: { kind: "int", min: 1, max: 100, default: 4, placeholder: "N", help: "grade: probe requests per role." },
    output: {
      kind: "choice", choices: ["structured", "text"], default: "structured", placeholder: "FORM",
      help: "grade: how actor and critic answer: structured JSON (a grammar constrains it) or BiLLP's text lines.",
    },
    threads: { kind: "int", min: 1, placeholder: "N", defaultHelp: "1", help: "grade: llama.cpp threads of a llama-cpp: model." },
    json: { kind: "boolean", help: "print one JSON object instead of text." },
  },
  notes: [
    "Environment: OPENAI_API_KEY (openai:), OLLAMA_HOST (ollama: without @host), FARSIGHT_GGUF (llama-cpp: without a path). " +
      "See packages/llm/README.md for pointing Farsight at Ollama, llama.cpp server, vLLM or LM Studio.",
  ],
});

export const llmCommand: Command = {
  name: "llm",
  summary: "check a model spec (one structured request) or grade it on the four LLM roles (llm grade)",
  get usage() {
    return renderHelp(table);
  },
  tables: [table],
  async run(argv, io) {
    const { values, positionals } = parseCommand(table, argv);
    // `farsight llm --llm SPEC` is the check too: the spec flag every other command takes.
    const [sub = values.llm === undefined ? undefined : "check", ...rest] = positionals;
    const specs = values.llm === undefined ? rest : [values.llm, ...rest];
    const spec = specs[0];
    if (sub === "grade" && spec !== undefined && specs.length === 1) {
      if (values.prompt !== undefined || values.record !== undefined) throw new UsageError("farsight llm grade: --prompt and --record belong to llm check; grade asks its own probe requests");
      const grade = await gradeModel(spec, {
        calls: values.calls,
        output: values.output,
        ...(values.timeout !== undefined ? { timeoutMs: values.timeout } : {}),
        ...(values.threads !== undefined ? { threads: values.threads } : {}),
      });
      io.stdout(values.json ? JSON.stringify(grade) + "\n" : formatGrade(grade).join("\n") + "\n");
      return grade.roles.some((r) => r.flag) ? 1 : 0;
    }
    if (sub !== "check" || spec === undefined || specs.length > 1) {
      throw new UsageError(`farsight llm: expected \`farsight llm check <spec>\` or \`farsight llm grade <spec>\`\n\n${renderHelp(table)}`);
    }
    const timeoutMs = values.timeout;
    const report = await checkModel(spec, { prompt: values.prompt, timeoutMs, recordTo: values.record });
    const { result, stats } = report;
    if (values.json) {
      io.stdout(JSON.stringify({ spec, ok: result.ok, result, latencyMs: Math.round(report.latencyMs), stats }) + "\n");
      return result.ok ? 0 : 1;
    }
    if (result.ok) io.stdout(`answer:   ${JSON.stringify(result.value)}\n`);
    else io.stdout(`failed:   ${result.reason}: ${result.error}\n${result.raw !== undefined ? `raw:      ${JSON.stringify(result.raw.slice(0, 500))}\n` : ""}`);
    io.stdout(`model:    ${spec}\n`);
    io.stdout(`method:   ${result.method}${stats.downgrades ? ` (after ${stats.downgrades} downgrade${stats.downgrades === 1 ? "" : "s"})` : ""}\n`);
    io.stdout(`latency:  ${Math.round(report.latencyMs)} ms (${stats.calls} call${stats.calls === 1 ? "" : "s"}, ${result.repairs} repair${result.repairs === 1 ? "" : "s"}, ${stats.retries} retr${stats.retries === 1 ? "y" : "ies"})\n`);
    io.stdout(`tokens:   ${stats.promptTokens} prompt + ${stats.completionTokens} completion\n`);
    for (const line of formatEndpointStats(stats.endpoints)) io.stdout(`${line}\n`);
    return result.ok ? 0 : 1;
  },
};
