/**
 * `farsight bench grounding`: cost of grounding free text to catalogue titles (`TitleGrounder` of
 * `@farsight/llm-actor`: exact, normalised, then fuzzy over the whole catalogue) at 1k, 10k and 100k items.
 * Titles are 3 words + a number from a 16-word vocabulary; queries mix an exact title, a misspelt title, a
 * partial title and an invented one (the fuzzy scan runs in full for the last three).
 */
import { performance } from "node:perf_hooks";
import { createCatalog } from "@farsight/core";
import { TitleGrounder } from "@farsight/llm-actor";
import type { CliIO } from "../command.js";
import { JSON_FLAG } from "../common-flags.js";
import { defineCommand, parseCommand } from "../flag-table.js";
import type { BenchTarget } from "./registry.js";

const WORDS = ["dark", "souls", "empire", "star", "night", "racing", "puzzle", "garden", "legend", "iron", "sky", "quest", "hero", "city", "ocean", "dragon"];
const SIZES = [1_000, 10_000, 100_000];

function titles(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${WORDS[i % 16]} ${WORDS[(i * 7) % 16]} ${WORDS[(i * 13 + 5) % 16]} ${i}`);
}

const table = defineCommand({
  command: "bench grounding",
  description: ["Cost of grounding free text to catalogue titles (exact, normalised, then fuzzy over the whole catalogue) at 1k, 10k and 100k items."],
  flags: {
    seconds: { kind: "number", min: 0, exclusiveMin: true, default: 1, placeholder: "S", help: "measuring time per catalogue size." },
    ...JSON_FLAG,
  },
});

export const groundingBench: BenchTarget = {
  name: "grounding",
  summary: "LLM-actor title grounding: ms per grounding at 1k, 10k, 100k items",
  table,
  async run(argv: string[], io: CliIO, json: boolean) {
    const { seconds } = parseCommand(table, argv).values;
    const results: { items: number; ms_per_grounding: number; groundings: number }[] = [];
    for (const n of SIZES) {
      const all = titles(n);
      const grounder = new TitleGrounder({ catalog: createCatalog({ itemCategories: all.map((_, i) => [i % 10]), itemTitles: all }) });
      const target = all[Math.floor(n / 2)]!;
      const queries = [target, target.replace("e", "a").toUpperCase(), target.split(" ").slice(0, 2).join(" "), "The Legend of Nobody 3"];
      for (const q of queries) await grounder.ground(q); // warm-up (JIT)
      let count = 0;
      const t0 = performance.now();
      while (performance.now() - t0 < seconds * 1000) for (const q of queries) { await grounder.ground(q); count++; }
      const ms = (performance.now() - t0) / count;
      results.push({ items: n, ms_per_grounding: Number(ms.toFixed(3)), groundings: count });
      if (!json) io.stdout(`grounding  ${String(n).padStart(7)} items  ${ms.toFixed(2).padStart(8)} ms per grounding (${count} groundings)\n`);
    }
    return { target: "grounding", seconds_per_case: seconds, results };
  },
};
