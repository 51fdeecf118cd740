import type { Command } from "../command.js";
import { reportCommand } from "./report.js";
import { llmCommand } from "./llm.js";
import { evalCommand } from "./eval.js";
import { benchCommand } from "./bench.js";
import { dataCommand } from "./data.js";
import { planCommand } from "./plan.js";
import { runCommand } from "./run.js";
import { demoCommand } from "./demo.js";
import { trainCommand } from "./train.js";
import { billpCommand } from "./billp.js";

/**
 * Every subcommand, in the order `farsight --help` lists them. A new command is a new file in this folder
 * plus one line here.
 */
export const commands: readonly Command[] = [
  reportCommand,
  llmCommand,
  evalCommand,
  benchCommand,
  dataCommand,
  planCommand,
  runCommand,
  demoCommand,
  trainCommand,
  billpCommand,
];
