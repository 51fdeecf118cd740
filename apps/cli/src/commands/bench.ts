import { UsageError, type CliIO, type Command } from "../command.js";
import { benchTargets } from "../bench/registry.js";
import { LEARN_USAGE } from "../bench/learn.js";
import { LLM_BENCH_USAGE } from "../bench/llm.js";
import { SERVE_BENCH_USAGE } from "../bench/serve.js";

/** `farsight bench <target>`: dispatches to the targets of `bench/registry.ts`. */
export const benchCommand: Command = {
  name: "bench",
  summary: "measure throughput of a component (bench env, ...)",
  get usage() {
    return [
      "Usage: farsight bench <target> [--json] [target flags]",
      "",
      "Targets:",
      ...benchTargets.map((t) => `  ${t.name.padEnd(10)} ${t.summary}`),
      "",
      "  --json   one JSON object on stdout",
      "env flags: --seconds S (per case, default 2), --presets coat,synthetic, --data-dir DIR",
      "",
      LEARN_USAGE,
      "",
      LLM_BENCH_USAGE,
      "",
      ...SERVE_BENCH_USAGE,
    ].join("\n");
  },
  async run(argv: string[], io: CliIO): Promise<number> {
    const [name, ...rest] = argv;
    const target = benchTargets.find((t) => t.name === name);
    if (!target) throw new UsageError(`farsight bench: unknown target "${name ?? ""}"; known: ${benchTargets.map((t) => t.name).join(", ")}`);
    const json = rest.includes("--json");
    const result = await target.run(rest.filter((a) => a !== "--json"), io, json);
    if (json) io.stdout(JSON.stringify(result) + "\n");
    return 0;
  },
};
