/**
 * `farsight bench distill`: a teacher planner's recorded plans -> a distilled planner with no LLM; its agreement with
 * the teacher on held-out sessions and LERL's return and cost with it, the teacher and the reflection-guided planner,
 * over seeds with 95% intervals (@farsight/lab's runDistillBench).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatDistillBench, runDistillBench } from "@farsight/lab";
import type { CliIO } from "../command.js";
import { DATA_DIR_FLAG, ENV_FLAG, JSON_FLAG } from "../common-flags.js";
import { defineCommand, parseCommand } from "../flag-table.js";
import { labIO } from "../lab-io.js";
import type { BenchTarget } from "./registry.js";

const table = defineCommand({
  command: "bench distill",
  description: [
    "Records a teacher planner's plans while LERL trains with it, distils them into a planner with no LLM (farsight distill), " +
      "and compares LERL with the teacher, with the distilled planner and with the reflection-guided planner: return, Len, " +
      "model calls and planner milliseconds per 1,000 recommendations, plan agreement on held-out sessions, over seeds 0..K-1.",
  ],
  flags: {
    ...ENV_FLAG,
    teacher: { kind: "string", default: "noisy-oracle:0.8", placeholder: "PLANNER", help: "the teacher: a --planner name of run lerl (llm-category needs --llm)." },
    llm: { kind: "string", placeholder: "SPEC", defaultHelp: "none", help: "the model of an llm-category teacher." },
    seeds: { kind: "int", min: 1, default: 3, placeholder: "K", help: "seeds 0..K-1." },
    steps: { kind: "int", min: 1, default: 2000, placeholder: "N", help: "training transitions per LERL row and seed." },
    episodes: { kind: "int", min: 1, default: 100, placeholder: "N", help: "evaluation sessions per row and seed." },
    batch: { kind: "int", min: 1, default: 32, placeholder: "B", help: "concurrent training sessions." },
    out: { kind: "path", placeholder: "DIR", defaultHelp: "a new temporary directory", help: "where each seed's records and distilled planner are written." },
    ...DATA_DIR_FLAG,
    ...JSON_FLAG,
  },
  notes: ["Planner milliseconds depend on the machine's load: compare rows of one run, not runs."],
});

export const distillBench: BenchTarget = {
  name: "distill",
  summary: "distil a teacher planner's recorded plans; agreement, LERL return and cost per 1k recs (3 seeds)",
  table,
  async run(argv: string[], io: CliIO, json: boolean) {
    const { values } = parseCommand(table, argv);
    const out = values.out ?? mkdtempSync(join(tmpdir(), "farsight-bench-distill-"));
    const r = await runDistillBench({
      env: values.env, teacher: values.teacher, ...(values.llm !== undefined ? { llm: values.llm } : {}),
      seeds: Array.from({ length: values.seeds }, (_, k) => k), steps: values.steps, episodes: values.episodes, batch: values.batch, out,
      ...(values["data-dir"] ? { dataDir: values["data-dir"] } : {}),
    }, labIO(io, { progress: "stderr" }));
    if (!json) io.stdout(`${formatDistillBench(r)}\nRecords and distilled planners: ${out}\n`);
    return { target: "distill", out, ...r };
  },
};
