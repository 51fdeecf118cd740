import { existsSync } from "node:fs";
import { DATASET_SOURCES, dataDirCandidates, defaultDataDir, fetchDataset, loadPreset, PRESETS } from "@farsight/env";
import { parseFlags, UsageError, type CliIO, type Command } from "../command.js";
import { describePreset, formatDescription } from "../data-describe.js";
import { intFlag } from "../flags.js";
import { PRESET_FLAGS, PRESET_FLAGS_USAGE, presetOptionsFrom } from "../preset-flags.js";

/** `farsight data fetch <name>` and `farsight data list`. */
export const dataCommand: Command = {
  name: "data",
  summary: "download datasets (data fetch <name>) and show where they are found (data list)",
  get usage() {
    return [
      "Usage: farsight data fetch <name> [--data-dir DIR] [--base-url URL] [--json]",
      "       farsight data list [--data-dir DIR] [--json]",
      "       farsight data describe <preset> [--episodes N] [--seed S] [--data-dir DIR] [--quit-window N]",
      "                                  [--quit-threshold X] [--same-users] [--json]",
      "",
      "Datasets:",
      ...DATASET_SOURCES.map((s) => `  ${s.name.padEnd(16)} ${s.description}`),
      "",
      "  --data-dir   where to write / look (default $FARSIGHT_DATA_DIR, else ~/.farsight/data)",
      "  --base-url   fetch from this directory URL instead of the official hosts (mirrors, tests);",
      "               credentials in it (user:pass@, ?token=) are never printed or recorded",
      "A fetch unpacks into a hidden temporary folder and moves it into place only after every checksum and path",
      "check passed; it refuses to overwrite an existing dataset folder (remove it to fetch again).",
      "Search order when loading <name>: --data-dir, $FARSIGHT_DATA_DIR, ~/.farsight/data, <repo>/../shared/data.",
      "MovieLens may not be redistributed: fetch it yourself and keep it out of repositories.",
      "",
      `describe: users, items, categories, density, the quit rule and how its threshold was derived, whose sessions`,
      `are evaluated, item-distance quantiles (distance rules) and the random / popularity / greedy / oracle /`,
      `oracle-quit-aware Len and R_traj over --episodes sessions (default 300) of the ground truth; warns when the`,
      `preset is degenerate: every baseline's Len (both oracles included) within 10% of random's, or random Len < 3.`,
      ...PRESET_FLAGS_USAGE,
      `Presets: ${PRESETS.join(", ")}.`,
    ].join("\n");
  },
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parseFlags(
      "data",
      argv,
      { "data-dir": { type: "string" }, "base-url": { type: "string" }, json: { type: "boolean" }, episodes: { type: "string" }, seed: { type: "string" }, ...PRESET_FLAGS },
      true,
    );
    const [verb, name] = positionals;
    const dataDir = values["data-dir"];
    if (verb === "describe") {
      if (!name) throw new UsageError(`farsight data describe: name a preset (${PRESETS.join(", ")})`);
      const setup = await loadPreset(name, { ...presetOptionsFrom(values), ...(dataDir ? { dataDir } : {}) });
      const description = await describePreset(setup, {
        episodes: intFlag("episodes", values.episodes, 300, 1),
        seed: intFlag("seed", values.seed, 0),
        onAgent: (agent) => io.stderr(`describe ${name}: evaluating ${agent}...\n`),
      });
      io.stdout(values.json ? JSON.stringify(description) + "\n" : formatDescription(description));
      return 0;
    }
    const describeOnly = ["episodes", "seed", ...Object.keys(PRESET_FLAGS)].filter((k) => values[k as keyof typeof values] !== undefined);
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
