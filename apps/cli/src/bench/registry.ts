/**
 * Targets of `farsight bench <target>`: each is a file `bench/<target>.ts` exporting a {@link BenchTarget},
 * plus one line in `benchTargets` below.
 */
import type { CliIO } from "../command.js";
import type { CommandSpec } from "../flag-table.js";
import { distillBench } from "./distill.js";
import { envBench } from "./env.js";
import { policyBench } from "./policy.js";
import { groundingBench } from "./grounding.js";
import { learnBench } from "./learn.js";
import { llmBench } from "./llm.js";
import { serveBench } from "./serve.js";
import { sweepBench } from "./sweep.js";
import { userModelBench } from "./user-model.js";

export interface BenchTarget {
  readonly name: string;
  readonly summary: string;
  /** Its flags (`farsight bench <name> --help` is generated from them). */
  readonly table: CommandSpec;
  /** Runs the benchmark; returns a JSON-serialisable result and prints a table unless `json`. */
  run(argv: string[], io: CliIO, json: boolean): Promise<Record<string, unknown>>;
}

export const benchTargets: BenchTarget[] = [
  envBench,
  groundingBench,
  policyBench,
  learnBench,
  distillBench,
  llmBench,
  serveBench,
  sweepBench,
  userModelBench,
];
