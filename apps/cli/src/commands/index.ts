import type { LazyCommand } from "../command.js";

/**
 * Every subcommand, in the order `farsight --help` lists them (the newcomer's path first). Entries load their
 * module only when the command runs, so `--help` stays fast. A new command is a new file in this folder plus
 * one entry here.
 */
export const commands: readonly LazyCommand[] = [
  {
    name: "demo",
    summary: "train LERL and flat PPO on the synthetic world, compare with baselines, write an HTML report (~2 min)",
    load: async () => (await import("./demo.js")).demoCommand,
  },
  {
    name: "run",
    summary: "run a method end to end: `run lerl` (LLM/heuristic planner + PPO), `run ilrec` (demonstrations, IRL, policy)",
    load: async () => (await import("./run.js")).runCommand,
  },
  {
    name: "evidence",
    summary: "run the evidence sweeps and regenerate docs/evidence.md (LERL and IL-Rec against their ablations, with CIs)",
    load: async () => (await import("./evidence.js")).evidenceCommand,
  },
  {
    name: "sweep",
    summary: "run a sweep spec's jobs on local worker processes or a PostgreSQL queue; status and report",
    load: async () => (await import("./sweep.js")).sweepCommand,
  },
  {
    name: "worker",
    summary: "claim and run sweep jobs from a PostgreSQL queue (farsight sweep SPEC --queue URL)",
    load: async () => (await import("./worker.js")).workerCommand,
  },
  {
    name: "train",
    summary: "train an RL policy (PPO, A2C, DQN) on a preset's predicted world model and save it",
    load: async () => (await import("./train.js")).trainCommand,
  },
  {
    name: "eval",
    summary: "evaluate an agent on an environment preset (Len, R_traj, R_each, diversity...)",
    load: async () => (await import("./eval.js")).evalCommand,
  },
  {
    name: "plan",
    summary: "print one planning step (categories, thought, provenance) for a few sessions",
    load: async () => (await import("./plan.js")).planCommand,
  },
  {
    name: "billp",
    summary: "run BiLLP-style sessions (planner, actor, critic, memories, reflector) and print their trajectories",
    load: async () => (await import("./billp.js")).billpCommand,
  },
  {
    name: "distill",
    summary: "train a planner with no LLM on recorded plans (run lerl --record), for --planner distilled:DIR",
    load: async () => (await import("./distill.js")).distillCommand,
  },
  {
    name: "report",
    summary: "write a self-contained HTML report (SVG charts, tables) of a run directory",
    load: async () => (await import("./report.js")).reportCommand,
  },
  {
    name: "llm",
    summary: "check a language model spec: one structured request, parsed answer, latency, tokens",
    load: async () => (await import("./llm.js")).llmCommand,
  },
  {
    name: "models",
    summary: "download a local GGUF model for llama-cpp: (models fetch smollm2) and list the known ones (models list)",
    load: async () => (await import("./models.js")).modelsCommand,
  },
  {
    name: "data",
    summary: "download datasets (data fetch <name>) and show where they are found (data list)",
    load: async () => (await import("./data.js")).dataCommand,
  },
  {
    name: "serve",
    summary: "serve the session graph over HTTP (LangGraph thread/run routes) on 127.0.0.1",
    load: async () => (await import("./serve.js")).serveCommand,
  },
  {
    name: "bench",
    summary: "measure throughput and latency of a component (bench env, bench policy, bench grounding)",
    load: async () => (await import("./bench.js")).benchCommand,
  },
];
