import { mean } from "@farsight/core";
import { ScorerCritic, TabularAverageCritic, type Critic } from "@farsight/critic";
import { LlmCritic } from "@farsight/critic/llm";
import { loadPreset, makeSimulator, Session } from "@farsight/env";
import { runBillpSession, type BillpTrajectory } from "@farsight/graph";
import { createChatModel, LlmStats } from "@farsight/llm";
import { CatalogGreedyActor, type Actor } from "@farsight/llm-actor";
import { LlmActor } from "@farsight/llm-actor/llm";
import { SaturationAwarePlanner, type Planner } from "@farsight/planner";
import { LlmThoughtPlanner } from "@farsight/planner/llm";
import { ReflectionPool, TemplateReflector, type Reflector } from "@farsight/reflector";
import { LlmFailureReflector } from "@farsight/reflector/llm";
import { UsageError, type CliIO, type Command } from "../command.js";
import { DATA_DIR_FLAG, ENV_FLAG } from "../common-flags.js";
import { defineCommand, parseCommand } from "../flag-table.js";
import { renderHelp } from "../help.js";
import { PRESET_FLAG_TABLE, presetOptionsFrom } from "../preset-flags.js";
import { join } from "node:path";
import { redactDeep, registerSecrets } from "@farsight/core";
import { llmRecordSink, RunDirectory, userSplit } from "@farsight/lab";
import { answerLines, answerRecord, checkFallbackRate, LLM_RUN_FLAGS, llmRunOptions, modelOptions, preflight, RECORD_FLAG } from "../llm-run.js";
import { labIO } from "../lab-io.js";

const CRITICS = ["auto", "llm", "scorer", "tabular"] as const;

const table = defineCommand({
  command: "billp",
  description: [
    "Runs BiLLP-style sessions one after another (planner -> actor -> environment -> critic -> advantage -> actor and critic memories; " +
      "a reflection after each session), the memories and the reflection pool carrying over from session to session, and prints each session's trajectory summary.",
    "With a model (checked with one request first): LLM thought planner, LLM actor, LLM critic, LLM failure reflector. " +
      "With none: saturation-aware planner, catalogue-greedy actor (under the env's scorer), scorer critic, template reflector. " +
      "The env's scorer is the test world's ground truth, so the catalogue-greedy actor and the scorer critic are oracles; the output says so.",
  ],
  flags: {
    ...ENV_FLAG,
    sessions: { kind: "int", min: 1, default: 5, help: "sessions to run." },
    critic: {
      kind: "choice", choices: CRITICS, default: "auto", placeholder: "NAME", help: "the critic.",
      choiceHelp: { auto: "llm with a model, else scorer", llm: "BiLLP's LLM critic (needs --llm)", scorer: "the env's scorer (an oracle)", tabular: "running averages of returns" },
    },
    "quit-reward": {
      kind: "number", placeholder: "R", defaultHelp: "the env's",
      help: "reward the micro level learns from when the user quits; BiLLP's is written --quit-reward=-1000 (a negative number needs the = form).",
    },
    "max-steps": { kind: "int", min: 1, placeholder: "T", defaultHelp: "the preset's", help: "step limit per session." },
    seed: { kind: "int", min: 0, default: 0, placeholder: "S", help: "seed of the simulator and the components." },
    steps: { kind: "boolean", help: "also print every step (plan, items, grounding, reward, V(s), V(s'), advantage)." },
    output: {
      kind: "choice", choices: ["structured", "text"], default: "structured", placeholder: "FORM",
      help: "how the LLM actor and critic answer: JSON a grammar or json_schema constrains, or BiLLP's text lines.",
    },
    ...DATA_DIR_FLAG,
    ...PRESET_FLAG_TABLE,
    json: { kind: "boolean", help: "one JSON object: { env, llm, components, sessions, summary, counters, llmStats }." },
    ...LLM_RUN_FLAGS,
    ...RECORD_FLAG,
    out: { kind: "path", placeholder: "DIR", defaultHelp: "runs/billp-<env>-<timestamp>", help: "with --record: the run directory (config.json, llm-records.jsonl)." },
  },
});

interface Built {
  planner: Planner;
  actor: Actor;
  critic: Critic;
  reflector: Reflector;
}

/** `farsight billp`: BiLLP sessions on an environment preset, LLM-backed or with the non-LLM components. */
export const billpCommand: Command = {
  name: "billp",
  summary: "run BiLLP-style sessions (planner, actor, critic, memories, reflector) and print their trajectories",
  get usage() {
    return renderHelp(table);
  },
  tables: [table],
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, given } = parseCommand(table, argv);
    const { env: envName, sessions, seed, critic: criticName } = values;
    const quitReward = values["quit-reward"];
    const llm = llmRunOptions(given);
    const spec = llm.spec;
    if (values.out !== undefined && !values.record) throw new UsageError("--out is where --record writes; billp writes nothing without it. Add --record or drop --out");
    if (values.record && spec === "none") throw new UsageError("--record keeps the LLM's answers; without a model (--llm) billp asks none. Pass --llm <spec> or drop --record");
    const stats = new LlmStats();
    const model = await createChatModel(spec, modelOptions(llm, stats));
    if (model) await preflight(model, llm, labIO(io));
    if (!model && criticName === "llm") throw new UsageError("--critic llm needs a model: pass --llm <spec>");
    // --record: a run directory of its own (locked, new or empty) holding the configuration and the answer records.
    let dir: RunDirectory | undefined;
    if (values.record) {
      registerSecrets([spec]);
      const out = values.out ?? join("runs", `billp-${envName}-${new Date().toISOString().replace(/[:.]/g, "-")}`);
      const { json: _json, out: _out, ...flags } = given;
      dir = RunDirectory.open(out, { command: "billp", config: redactDeep({ command: "billp", flags: { ...flags, llm: spec } }), resumable: false });
      dir.writeConfig();
      stats.recordAnswersTo(llmRecordSink(out));
    }
    try {
      return await runSessions();
    } finally {
      stats.recordAnswersTo(undefined);
      dir?.release();
    }

    async function runSessions(): Promise<number> {
      const setup = await loadPreset(envName, { ...presetOptionsFrom(given), ...(values["data-dir"] ? { dataDir: values["data-dir"] } : {}) });
      const simOptions = { batchSize: 1, seed, ...(values["max-steps"] !== undefined ? { maxSteps: values["max-steps"] } : {}) };
      const sim = await makeSimulator(setup, "test", simOptions);
      const catalog = sim.catalog;
      const critic: Critic = criticName === "tabular" ? new TabularAverageCritic()
        : criticName === "scorer" || (criticName === "auto" && !model) ? new ScorerCritic({ scorer: sim.scorer })
        : new LlmCritic({ model, catalog, stats, output: values.output });
      const built: Built = model
        ? {
          planner: new LlmThoughtPlanner({ model, stats, seed }),
          // Structured by default: SmolLM2 wrote BiLLP's recommend[...] lines for 1 slot in 6 (83% fallback).
          actor: new LlmActor({ model, catalog, stats, seed, output: values.output }),
          critic,
          reflector: new LlmFailureReflector({ model, stats }),
        }
        : { planner: new SaturationAwarePlanner({ seed }), actor: new CatalogGreedyActor({ catalog, scorer: sim.scorer }), critic, reflector: new TemplateReflector() };
      const pool = new ReflectionPool({ seed });
      const session = new Session(sim);
      const runs: BillpTrajectory[] = [];
      const components = { planner: built.planner.name, actor: built.actor.name, critic: built.critic.name, reflector: built.reflector.name };
      // Components built on sim.scorer read the test world's ground truth: what no deployed agent can see.
      const oracles = [...(built.actor instanceof CatalogGreedyActor ? ["actor"] : []), ...(critic instanceof ScorerCritic ? ["critic"] : []), ...(built.planner.oracle ? ["planner"] : [])];
      const users = userSplit(setup).label;
      if (!values.json) {
        io.stdout(`billp: env ${envName}, ${model ? `model ${spec}` : "no model (non-LLM components)"}; ${Object.entries(components).map(([k, v]) => `${k} ${v}`).join(", ")}\n`);
        io.stdout(`sessions on the test simulator (${users})${oracles.length ? `; oracle: the ${oracles.join(" and ")} score${oracles.length === 1 ? "s" : ""} with the test world's ground truth` : ""}\n`);
      }
      for (let s = 0; s < sessions; s++) {
        const t = await runBillpSession(session, { ...built, reflections: pool }, quitReward === undefined ? {} : { quitReward });
        runs.push(t);
        if (!values.json) printSession(io, t, catalog.itemTitles, values.steps === true);
      }

      const slots = runs.reduce((n, t) => n + t.steps.reduce((m, s) => m + s.slate.length, 0), 0);
      const totalReturn = runs.reduce((n, t) => n + t.episode.return, 0);
      const totalLength = runs.reduce((n, t) => n + t.episode.length, 0);
      const summary = {
        sessions: runs.length,
        meanLength: mean(runs.map((t) => t.episode.length)),
        meanReturn: mean(runs.map((t) => t.episode.return)),
        rewardPerStep: totalLength === 0 ? 0 : totalReturn / totalLength,
        replacementRate: slots === 0 ? 0 : runs.reduce((n, t) => n + t.replacements, 0) / slots,
        actorFallbackRate: slots === 0 ? 0 : runs.reduce((n, t) => n + t.actorFallbacks, 0) / slots,
        endReasons: tally(runs.map((t) => t.episode.endReason)),
        reflections: pool.size,
      };
      const counters = {
        ...("counters" in built.actor ? { actor: (built.actor as LlmActor).counters } : {}),
        ...("counters" in built.critic ? { critic: (built.critic as LlmCritic).counters } : {}),
      };
      if (values.json) {
        io.stdout(JSON.stringify({
          env: envName, llm: spec, components, users, oracles,
          sessions: runs.map((t) => ({
            sessionId: t.episode.sessionId, userId: t.episode.userId, length: t.episode.length, return: t.episode.return,
            endReason: t.episode.endReason, replacements: t.replacements, actorFallbacks: t.actorFallbacks,
            reflection: t.reflection?.text, ...(values.steps ? { steps: t.steps } : {}),
          })),
          summary, counters, llmStats: stats.snapshot(), ...(model ? { llmAnswers: answerRecord(stats, spec) } : {}),
        }) + "\n");
        if (model) checkFallbackRate(stats, llm);
        return 0;
      }
      io.stdout(`summary: ${summary.sessions} sessions, mean length ${summary.meanLength.toFixed(2)}, mean return ${summary.meanReturn.toFixed(2)}, ` +
        `reward/step ${summary.rewardPerStep.toFixed(3)}, replacements ${(100 * summary.replacementRate).toFixed(1)}%, ` +
        `actor fallbacks ${(100 * summary.actorFallbackRate).toFixed(1)}%, ends ${JSON.stringify(summary.endReasons)}\n`);
      if (model) {
        const snap = stats.snapshot();
        const p50 = Number.isFinite(snap.latencyP50Ms) ? `p50 ${snap.latencyP50Ms.toFixed(0)} ms` : "no call answered";
        io.stdout(`llm: ${snap.calls} calls, ${snap.failures} failures, ${snap.fallbacks} fallbacks, ${p50}\n`);
        io.stdout(answerLines(stats, spec).join("\n") + "\n");
        checkFallbackRate(stats, llm);
      }
      if (dir) io.stdout(`run directory: ${dir.dir} (llm-records.jsonl; farsight report ${dir.dir})\n`);
      return 0;
    }
  },
};

function tally(xs: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}

function printSession(io: CliIO, t: BillpTrajectory, titles: readonly string[] | undefined, steps: boolean): void {
  const e = t.episode;
  io.stdout(`session ${e.sessionId} (user ${e.userId}): length ${e.length} (${e.endReason}), return ${e.return.toFixed(2)}, ` +
    `replacements ${t.replacements}, actor fallbacks ${t.actorFallbacks}, reflections seen ${t.retrieved.length}\n`);
  if (steps) {
    for (const s of t.steps) {
      const items = s.slate.map((i) => titles?.[i] ?? `item ${i}`).join("; ");
      const how = s.grounding.map((g) => (g.replaced ? `${g.method}<-"${g.text}"` : g.method)).join(",");
      io.stdout(`  step ${s.step}: [${items}] (${how}) reward ${s.reward.toFixed(2)} V ${s.value.toFixed(2)} -> ${s.nextValue.toFixed(2)} A ${s.advantage.toFixed(2)}` +
        `${s.plan.thought ? `  plan: ${s.plan.thought}` : ""}\n`);
    }
  }
  if (t.reflection) io.stdout(`  reflection: ${t.reflection.text}\n`);
}
