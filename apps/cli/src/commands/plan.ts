import { Rng, type Catalog, type Episode, type EpisodeStep, type Plan, type Reflection } from "@farsight/core";
import { END_REASONS, loadPreset, makeSimulator, RandomAgent, type EnvSetup } from "@farsight/env";
import { createChatModel, LlmStats, NoModelError } from "@farsight/llm";
import {
  AllCategoriesPlanner,
  buildPlanRequest,
  lerlPlanPrompt,
  OracleSaturationPlanner,
  RandomCategoryPlanner,
  ReflectionGuidedPlanner,
  SaturationAwarePlanner,
  type PlanRequest,
  type Planner,
  type PromptMessages,
} from "@farsight/planner";
import { LlmCategoryPlanner, LlmThoughtPlanner } from "@farsight/planner/llm";
import { ReflectionPool, TemplateReflector } from "@farsight/reflector";
import { createPlanner } from "@farsight/lab";
import { initBackend } from "@farsight/rl-policy";
import { redactText } from "@farsight/core";
import { UsageError, type CliIO, type Command } from "../command.js";
import { DATA_DIR_FLAG, ENV_FLAG } from "../common-flags.js";
import { defineCommand, parseCommand } from "../flag-table.js";
import { renderHelp } from "../help.js";
import { PRESET_FLAG_TABLE, presetOptionsFrom } from "../preset-flags.js";
import { categoryQuitRule, PLANNER_NAMES, plannerChoices, type PlannerName } from "../planners.js";
import { answerLines, answerRecord, checkFallbackRate, LLM_RUN_FLAGS, llmRunOptions, modelOptions, preflight, type LlmRunOptions } from "../llm-run.js";
import { labIO } from "../lab-io.js";

const PLANNERS = PLANNER_NAMES;

const table = defineCommand({
  command: "plan",
  description: [
    "Prints one planning step for a few sessions: each session's category-level history, the reflections it gets, " +
      "and the plan (categories, thought or rationale, and how it was produced: llm, heuristic, fallback, cache).",
  ],
  flags: {
    ...ENV_FLAG,
    planner: { kind: "choice", ...plannerChoices(PLANNERS), parameterised: ["distilled"], default: "saturation-aware", placeholder: "NAME", help: "the planner (oracle-saturation is an ORACLE: it reads the preset's quit rule; distilled takes its directory, distilled:DIR)." },
    "show-prompt": {
      kind: "boolean",
      help: "print the prompt each session's plan comes from (for non-LLM planners: the LERL prompt an llm-category planner would get).",
    },
    sessions: { kind: "int", min: 1, default: 3, help: "sessions to plan for." },
    warmup: { kind: "int", min: 0, default: 4, placeholder: "S", help: "random-agent steps before planning, so sessions have a history." },
    cohort: { kind: "int", min: 1, default: 1, placeholder: "C", help: "llm-category: plan C sessions per model call (1 is LERL's one call per session)." },
    seed: { kind: "int", min: 0, default: 0, placeholder: "S", help: "seed of the simulator, the warm-up agent, the pool and the planners." },
    ...DATA_DIR_FLAG,
    ...PRESET_FLAG_TABLE,
    json: { kind: "boolean", help: "one JSON object: { env, planner, sessions: [{ request, plan }], pool, counters, llm }." },
    ...LLM_RUN_FLAGS,
  },
  notes: [
    "The language model serves the llm-* planners; it is checked with one request before planning. " +
      "Reflections come from warm-up sessions that ended (template reflector), sampled by softmax over return / 10 " +
      "(LERL, 3 per session) or, for llm-thought, retrieved by similarity to the session's history (BiLLP, 2).",
  ],
});

/** Runs a random agent with auto-reset and turns every session that ends into a template reflection. */
async function warmPool(setup: EnvSetup, seed: number, steps: number, pool: ReflectionPool): Promise<number> {
  const env = await makeSimulator(setup, "test", { batchSize: 8, autoReset: true, seed: seed + 1 });
  env.reset();
  const agent = new RandomAgent({ seed: seed + 1 });
  const reflector = new TemplateReflector();
  const K = env.slateSize;
  const slates = new Int32Array(env.batchSize * K);
  const open: EpisodeStep[][] = Array.from({ length: env.batchSize }, () => []);
  let finished = 0;
  for (let t = 0; t < steps; t++) {
    const ids = Array.from(env.sessionSerial, (s) => `warm-${s}`);
    agent.act(env, slates);
    const res = env.step(slates);
    for (let b = 0; b < env.batchSize; b++) {
      const slate = Array.from(slates.subarray(b * K, b * K + K));
      open[b]!.push({
        slate,
        categories: slate.map((i) => env.catalog.itemCategory[i]!),
        feedback: Array.from(res.feedback.subarray(b * K, b * K + K)),
        reward: res.reward[b]!,
      });
      if (!res.done[b]) continue;
      const episode: Episode = {
        sessionId: ids[b]!,
        userId: res.finalUser[b]!,
        steps: open[b]!,
        return: res.finalReturn[b]!,
        length: res.finalLength[b]!,
        endReason: END_REASONS[res.endCode[b]!] ?? "quit",
      };
      await pool.add(await reflector.reflect(episode, { categoryNames: env.catalog.categoryNames }));
      open[b] = [];
      finished++;
    }
  }
  return finished;
}

async function makePlanner(name: PlannerName, llm: LlmRunOptions, seed: number, cohort: number, stats: LlmStats, setup: EnvSetup, io: CliIO): Promise<Planner> {
  // distilled:DIR (checked by the planner registry: a bare "distilled" is refused there).
  if (name === "distilled" || name.startsWith("distilled:")) {
    await initBackend();
    return createPlanner(name, { setup, seed, model: null, stats, cohort });
  }
  if (name === "saturation-aware") return new SaturationAwarePlanner({ seed });
  if (name === "reflection-guided") return new ReflectionGuidedPlanner({ seed });
  if (name === "oracle-saturation") return new OracleSaturationPlanner({ seed, rule: categoryQuitRule(setup) });
  if (name === "random") return new RandomCategoryPlanner({ seed });
  if (name === "all-categories") return new AllCategoriesPlanner();
  const model = await createChatModel(llm.spec, modelOptions(llm, stats));
  if (model) await preflight(model, llm, labIO(io));
  try {
    return name === "llm-category"
      ? new LlmCategoryPlanner({ model, stats, seed, cohortSize: cohort, feedbackMeaning: "1 = click, 0 = no click" })
      : new LlmThoughtPlanner({ model, stats, seed, feedbackMeaning: "1 = click, 0 = no click" });
  } catch (err) {
    if (err instanceof NoModelError) throw new UsageError(`--planner ${name} needs a model: pass --llm <spec>. ${err.message}`);
    throw err;
  }
}

function promptOf(planner: Planner, request: PlanRequest): PromptMessages {
  if (planner instanceof LlmCategoryPlanner || planner instanceof LlmThoughtPlanner) return planner.promptFor(request);
  return lerlPlanPrompt(request, { minCategories: Math.min(2, request.candidates.length) });
}

/** The prompts the model actually gets: one per session, or one per cohort chunk. */
function promptsOf(planner: Planner, requests: readonly PlanRequest[], cohort: number): { sessions: string[]; prompt: PromptMessages }[] {
  if (cohort > 1 && planner instanceof LlmCategoryPlanner) {
    const out: { sessions: string[]; prompt: PromptMessages }[] = [];
    for (let i = 0; i < requests.length; i += cohort) {
      const chunk = requests.slice(i, i + cohort);
      out.push({ sessions: chunk.map((r) => r.sessionId), prompt: planner.cohortPromptFor(chunk) });
    }
    return out;
  }
  return requests.map((r) => ({ sessions: [r.sessionId], prompt: promptOf(planner, r) }));
}

function label(catalog: Catalog, id: number): string {
  const n = catalog.categoryNames[id];
  return n ? `${id} (${n})` : String(id);
}

function describeSession(catalog: Catalog, request: PlanRequest, plan: Plan): string {
  const lines = [`session ${request.sessionId} (user ${request.userId}, step ${request.step}, return so far ${(request.returnSoFar ?? 0).toFixed(2)})`];
  lines.push(
    request.history.length
      ? `  history:     ${request.history.map((s) => `[${s.categories.map((c) => catalog.categoryNames[c] ?? c).join(", ")}] -> [${s.feedback.join(", ")}]`).join("  ")}`
      : "  history:     (none)",
  );
  for (const r of request.reflections) lines.push(`  reflection:  (return ${r.return.toFixed(2)}) ${r.text}`);
  lines.push(`  plan:        ${plan.categories.map((c) => label(catalog, c)).join(", ")}`);
  if (plan.thought) lines.push(`  thought:     ${plan.thought}`);
  if (plan.rationale) lines.push(`  rationale:   ${plan.rationale}`);
  lines.push(`  source:      ${plan.source.kind} by ${plan.source.by}${plan.source.detail ? ` (${plan.source.detail})` : ""}`);
  return lines.join("\n");
}

/** `farsight plan`: one planning step for a few sessions of an environment preset. */
export const planCommand: Command = {
  name: "plan",
  summary: "print one planning step (categories, thought, provenance) for a few sessions",
  get usage() {
    return renderHelp(table);
  },
  tables: [table],
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, given } = parseCommand(table, argv);
    const { env: envName, planner: plannerName, sessions, warmup, cohort, seed } = values;
    const llm = llmRunOptions(given);
    const spec = llm.spec;
    if (values.llm !== undefined && !plannerName.startsWith("llm-")) {
      throw new UsageError(`--llm is only used by the llm-* planners; --planner ${plannerName} would ignore "${redactText(values.llm)}". Drop --llm or pick llm-category / llm-thought`);
    }
    const stats = new LlmStats();
    const setup = await loadPreset(envName, { ...presetOptionsFrom(given), ...(values["data-dir"] ? { dataDir: values["data-dir"] } : {}) });
    const planner = await makePlanner(plannerName, llm, seed, cohort, stats, setup, io);
    const pool = new ReflectionPool({ seed });
    const finished = await warmPool(setup, seed, 40, pool);

    const env = await makeSimulator(setup, "test", { batchSize: sessions, seed });
    env.reset();
    const agent = new RandomAgent({ seed });
    const slates = new Int32Array(env.batchSize * env.slateSize);
    for (let t = 0; t < warmup && env.numActive() > 0; t++) {
      agent.act(env, slates);
      env.step(slates);
    }
    const rng = new Rng(seed, "cli/plan/reflections");
    const requests: PlanRequest[] = [];
    for (let b = 0; b < env.batchSize; b++) {
      if (!env.active[b]) continue;
      const observation = env.observation(b);
      const base = buildPlanRequest(observation, { catalog: env.catalog });
      let reflections: Reflection[];
      if (plannerName === "llm-thought") {
        const query = base.history.flatMap((s) => s.categories.map((c) => env.catalog.categoryNames[c] ?? String(c))).join(" ");
        reflections = await pool.retrieveSimilar(query, 2);
      } else {
        reflections = pool.sampleByReturn(3, 10, rng);
      }
      requests.push({ ...base, reflections });
    }
    if (requests.length === 0) throw new UsageError(`every session ended during the ${warmup} warm-up steps; use a smaller --warmup`);
    const plans = await planner.plan(requests);
    const counters = "counters" in planner ? (planner as { counters: unknown }).counters : undefined;

    if (values.json) {
      const out = {
        env: envName,
        planner: plannerName,
        oracle: planner.oracle ?? false,
        llm: spec,
        pool: { size: pool.size, finishedWarmupSessions: finished },
        sessions: requests.map((request, i) => ({ request, plan: plans[i] })),
        ...(values["show-prompt"] ? { prompts: promptsOf(planner, requests, cohort) } : {}),
        ...(counters ? { counters } : {}),
        llmStats: stats.snapshot(),
        ...(planner.usesLlm ? { llmAnswers: answerRecord(stats, spec) } : {}),
      };
      io.stdout(JSON.stringify(out) + "\n");
      if (planner.usesLlm) checkFallbackRate(stats, llm);
      return 0;
    }
    io.stdout(`plan: env ${envName} (${env.catalog.numCategories} categories, slate ${env.slateSize}), planner ${plannerName}${planner.oracle ? " (oracle: reads the quit rule)" : ""}` +
      `${planner.usesLlm ? ` with ${spec}` : ""}, ${requests.length} session${requests.length === 1 ? "" : "s"} after ${warmup} warm-up steps\n`);
    io.stdout(`reflection pool: ${pool.size} reflections from ${finished} finished warm-up sessions (template reflector)\n\n`);
    if (values["show-prompt"]) {
      const note = planner.usesLlm ? "" : ` (${plannerName} uses no prompt; this is what llm-category would get)`;
      for (const { sessions: ids, prompt } of promptsOf(planner, requests, cohort)) {
        io.stdout(`--- prompt for ${ids.join(", ")}${note} ---\n`);
        for (const [role, content] of prompt) io.stdout(`${role}: ${content}\n`);
        io.stdout("---\n\n");
      }
    }
    requests.forEach((request, i) => io.stdout(describeSession(env.catalog, request, plans[i]!) + "\n\n"));
    if (planner.usesLlm) {
      const s = stats.snapshot();
      io.stdout(`llm: ${s.calls} calls, ${s.repairs} repairs, ${s.fallbacks} fallbacks, ${s.promptTokens} prompt + ${s.completionTokens} completion tokens\n`);
      io.stdout(answerLines(stats, spec).join("\n") + "\n");
      checkFallbackRate(stats, llm);
    }
    return 0;
  },
};
