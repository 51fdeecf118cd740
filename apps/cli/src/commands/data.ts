import { existsSync } from "node:fs";
import { DATASET_SOURCES, dataDirCandidates, defaultDataDir, fetchDataset, loadPreset, PRESETS } from "@farsight/env";
import { UsageError, type CliIO, type Command } from "../command.js";
import { JSON_FLAG } from "../common-flags.js";
import { defineCommand, parseCommand } from "../flag-table.js";
import { renderHelp } from "../help.js";
import { describePreset, formatDescription } from "../data-describe.js";
import { PRESET_FLAG_TABLE, presetOptionsFrom } from "../preset-flags.js";

const spec = defineCommand({
  command: "data",
  forms: ["fetch <name>", "list", "describe <preset>"],
  positionals: true,
  get description() {
    return [`Datasets:\n${DATASET_SOURCES.map((s) => `  ${s.name.padEnd(16)} ${s.description}`).join("\n")}`];
  },
  flags: {
    "data-dir": { kind: "path", placeholder: "DIR", defaultHelp: "$FARSIGHT_DATA_DIR, else ~/.farsight/data", help: "where to write (fetch) and look first (list, describe)." },
    "base-url": {
      kind: "string", placeholder: "URL", defaultHelp: "the official hosts",
      help: "fetch: download from this directory URL instead (mirrors, tests); credentials in it (user:pass@, ?token=) are never printed or recorded.",
    },
    episodes: { kind: "int", min: 1, default: 300, help: "describe: sessions per baseline agent." },
    seed: { kind: "int", default: 0, placeholder: "S", help: "describe: seed of the sessions." },
    ...PRESET_FLAG_TABLE,
    ...JSON_FLAG,
  },
  notes: [
    "A fetch unpacks into a hidden temporary folder and moves it into place only after every checksum and path check passed; " +
      "it refuses to overwrite an existing dataset folder (remove it to fetch again). " +
      "Search order when loading <name>: --data-dir, $FARSIGHT_DATA_DIR, ~/.farsight/data, <repo>/../shared/data. " +
      "MovieLens may not be redistributed: fetch it yourself and keep it out of repositories.",
    "describe: users, items, categories, density, the quit rule and how its threshold was derived, whose sessions are evaluated, " +
      "item-distance quantiles (distance rules) and the random / popularity / greedy / oracle / oracle-quit-aware Len and R_traj over --episodes sessions of the ground truth; " +
      "warns when the preset is degenerate: every baseline's Len (both oracles included) within 10% of random's, or random Len < 3. " +
      `Presets: ${PRESETS.join(", ")}.`,
  ],
});

/** `farsight data fetch <name>`, `farsight data list` and `farsight data describe <preset>`. */
export const dataCommand: Command = {
  name: "data",
  summary: "download datasets (data fetch <name>) and show where they are found (data list)",
  get usage() {
    return renderHelp(spec);
  },
  tables: [spec],
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, given, positionals } = parseCommand(spec, argv);
    const [verb, name] = positionals;
    const dataDir = values["data-dir"];
    if (verb === "describe") {
      if (!name) throw new UsageError(`farsight data describe: name a preset (${PRESETS.join(", ")})`);
      const setup = await loadPreset(name, { ...presetOptionsFrom(given), ...(dataDir ? { dataDir } : {}) });
      const description = await describePreset(setup, {
        episodes: values.episodes,
        seed: values.seed,
        onAgent: (agent) => io.stderr(`describe ${name}: evaluating ${agent}...\n`),
      });
      io.stdout(values.json ? JSON.stringify(description) + "\n" : formatDescription(description));
      return 0;
    }
    const describeOnly = ["episodes", "seed", ...Object.keys(PRESET_FLAG_TABLE)].filter((k) => given[k as keyof typeof given] !== undefined);
    if (describeOnly.length) throw new UsageError(`farsight data ${verb ?? ""}: ${describeOnly.map((k) => `--${k}`).join(", ")} belong${describeOnly.length === 1 ? "s" : ""} to "data describe"`);
    if (verb === "list") {
      const rows = DATASET_SOURCES.map((s) => {
        const found = dataDirCandidates(s.name, dataDir).find((d) => existsSync(d));
        return { name: s.name, found: found ?? null, license: s.license };
      });
      if (values.json) io.stdout(JSON.stringify({ datasets: rows, defaultDataDir: defaultDataDir() }) + "\n");
      else for (const r of rows) io.stdout(`${r.name.padEnd(16)} ${r.found ?? "(not found)"}\n`);
      return 0;
    }
    if (verb !== "fetch") throw new UsageError(`farsight data: expected "fetch <name>", "list" or "describe <preset>", got "${verb ?? ""}"`);
    const source = DATASET_SOURCES.find((s) => s.name === name);
    if (!source) throw new UsageError(`farsight data fetch: unknown dataset "${name ?? ""}"; known: ${DATASET_SOURCES.map((s) => s.name).join(", ")}`);
    const result = await fetchDataset(source, {
      dataDir: dataDir ?? defaultDataDir(),
      ...(values["base-url"] ? { baseUrl: values["base-url"] } : {}),
      log: (line) => io.stderr(`${line}\n`),
    });
    if (values.json) io.stdout(JSON.stringify(result) + "\n");
    else io.stdout(`${result.name}: ${result.files.length} files in ${result.dir}\n`);
    return 0;
  },
};
