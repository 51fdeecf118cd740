import { UsageError, type CliIO, type Command } from "../command.js";
import { benchTargets } from "../bench/registry.js";
import { paragraph, renderHelp } from "../help.js";

/** `farsight bench <target>`: dispatches to the targets of `bench/registry.ts`; each has its own flag table and help. */
export const benchCommand: Command = {
  name: "bench",
  summary: "measure throughput of a component (bench env, ...)",
  get usage() {
    return [
      "Usage: farsight bench <target> [flags]",
      "",
      ...paragraph(`Targets:\n${benchTargets.map((t) => `  ${t.name.padEnd(10)} ${t.summary}`).join("\n")}`),
      "",
      ...paragraph("Every target takes --json (one JSON object on stdout). `farsight bench <target> --help` lists the target's flags."),
    ].join("\n") + "\n";
  },
  get tables() {
    return benchTargets.map((t) => t.table);
  },
  helpFor: (argv) => {
    const target = benchTargets.find((t) => t.name === argv[0]);
    return target ? renderHelp(target.table) : undefined;
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
