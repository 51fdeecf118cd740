import { distillPlanner } from "@farsight/lab";
import type { CliIO, Command } from "../command.js";
import { defineCommand, parseCommand } from "../flag-table.js";
import { renderHelp } from "../help.js";

const spec = defineCommand({
  command: "distill",
  description: [
    "Trains a small TF.js category policy on recorded plans (llm-records.jsonl of `farsight run lerl --record`) and saves it; " +
      "it then serves the planner role with no LLM: `farsight run lerl --planner distilled:DIR`.",
  ],
  flags: {
    records: { kind: "path", placeholder: "FILE", required: "the recorded plans to learn from", help: "an llm-records.jsonl (an LLM planner's answers, or a non-LLM planner's plans)." },
    out: { kind: "path", placeholder: "DIR", required: "where the planner is saved", help: "directory for planner.json (an existing planner.json is never overwritten)." },
    role: { kind: "string", placeholder: "ROLE", defaultHelp: "the file's only planner role", help: "the planner role to learn from, e.g. planner/llm-category." },
    holdout: { kind: "number", min: 0, max: 0.9, default: 0.2, placeholder: "F", help: "share of sessions held out to measure agreement with the teacher." },
    epochs: { kind: "int", min: 1, default: 60, placeholder: "E", help: "passes over the training plans." },
    seed: { kind: "int", min: 0, default: 0, placeholder: "S", help: "seed of the initial weights and the example order." },
    json: { kind: "boolean", help: "one JSON object: { role, model, trainExamples, heldOutExamples, agreement, majorityAgreement, randomAgreement, loss, skipped, path }." },
  },
  notes: [
    "Only the teacher's own answers train the planner: fallbacks (another planner answered) and records without their plan request are skipped and counted. " +
      "Agreement is the mean Jaccard of the distilled plan with the teacher's on held-out sessions; chance is the same for random candidates (as many as the distilled plan names) and for always answering the teacher's most frequent plan.",
  ],
});

/** `farsight distill`: recorded plans -> a saved distilled planner. */
export const distillCommand: Command = {
  name: "distill",
  summary: "train a planner with no LLM on recorded plans (run lerl --record), for --planner distilled:DIR",
  get usage() {
    return renderHelp(spec);
  },
  tables: [spec],
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values } = parseCommand(spec, argv);
    const r = await distillPlanner({
      records: values.records,
      out: values.out,
      ...(values.role !== undefined ? { role: values.role } : {}),
      holdout: values.holdout,
      planner: { epochs: values.epochs, seed: values.seed },
    });
    if (values.json) {
      io.stdout(JSON.stringify(r) + "\n");
      return 0;
    }
    const pct = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : "- (nothing held out)");
    io.stdout(`distilled ${r.role} (${r.model}) from ${r.trainExamples} plans; saved ${r.path}\n`);
    io.stdout(`  held out: ${r.heldOutExamples} plans; agreement (Jaccard) ${pct(r.agreement)}; chance: random plans of the same size ${pct(r.randomAgreement)}, the teacher's most frequent plan ${pct(r.majorityAgreement)}\n`);
    const s = r.skipped;
    if (s.fallback + s.noInput + s.badPlan) io.stdout(`  skipped: ${s.fallback} fallbacks, ${s.noInput} without their request, ${s.badPlan} plans outside the candidates\n`);
    io.stdout(`  use it: farsight run lerl --planner distilled:${values.out}\n`);
    return 0;
  },
};
