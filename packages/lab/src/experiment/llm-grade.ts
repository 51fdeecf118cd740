/**
 * `farsight llm grade <spec>`: a model's fitness for Farsight's four LLM roles on fixed probe sessions, in a few
 * calls per role. Each role (planner, reflector, critic, actor) answers `calls` fixed requests built from the
 * preset's test simulator under a seeded random behaviour policy (graph's `buildProbeSet` for the planner); the
 * grade reads the run's answer records (validity, fallback reasons, distinct answers) and the quality guards (plan
 * entropy), and places the planner's plans on the q scale of the evidence work: Jaccard agreement with the
 * quit-aware oracle (`planQuality`), turned into the q of noisy-oracle(q) with the same agreement
 * (`calibrateNoisyOracle` + `qualityToQ`). A role is flagged when fewer than half its answers are valid or when it
 * collapsed (>= 90% one answer across sessions).
 */
import { LlmCritic } from "@farsight/critic/llm";
import { loadPreset, RandomAgent } from "@farsight/env";
import { FarsightError, type Episode, type Observation } from "@farsight/core";
import { buildProbeSet, calibrateNoisyOracle, evaluateAgent, planAll, planQuality, qualityToQ, quitAwareOraclePlanner } from "@farsight/graph";
import { createChatModel, isCollapsed, LlmStats, type AnswerRecord } from "@farsight/llm";
import { LlmActor } from "@farsight/llm-actor/llm";
import { LlmReflector } from "@farsight/reflector/llm";
import { makeSimulator } from "@farsight/env";
import { createPlanner, type PlannerModel } from "./planners.js";

type BaseChatModel = NonNullable<PlannerModel>;
import { modelOptions, type LlmRunOptions } from "./llm-run.js";

/** What `gradeModel` asks. */
export interface GradeOptions {
  /** The preset the probe sessions come from. Default "synthetic". */
  readonly env?: string;
  /** Requests per role (the planner's probe set is cut to this many). Default 4 (about 2 min of one core for SmolLM2-135M). */
  readonly calls?: number;
  /** Seed of the probe sessions and of the noisy-oracle calibration's first seed. Default 0. */
  readonly seed?: number;
  /** Seeds of the noisy-oracle calibration (no model call). Default 3. */
  readonly calibrationSeeds?: number;
  readonly dataDir?: string;
  /** Deadline per model call (default: the provider's). */
  readonly timeoutMs?: number;
  /**
   * How the actor and the critic answer: "structured" JSON (default; what a grammar or json_schema constrains, and
   * what `run ilrec --teacher-output structured` uses) or BiLLP's "text" lines.
   */
  readonly output?: "structured" | "text";
  /** llama.cpp threads of a `llama-cpp:` spec's context (default: the adapter's, 1). Ignored for other models. */
  readonly threads?: number;
}

/** One role's grade. */
export interface RoleGrade {
  readonly role: string;
  readonly component: string;
  readonly answers: number;
  /** Share of answers whose model answer was used. */
  readonly validShare: number;
  /** Distinct valid answers / valid answers (NaN without a valid answer). */
  readonly distinctShare: number;
  /** The most common fallback reasons (gist, count). */
  readonly fallbackReasons: readonly { reason: string; count: number }[];
  /** Why the role is flagged (absent when it is not). */
  readonly flag?: string;
  /** Planner only: entropy (bits) of the categories the model planned, and the plan-quality score and its q. */
  readonly planEntropyBits?: number;
  readonly planQuality?: { score: number; standardError: number; q: number; belowRandom: boolean; randomScore: number };
  /** One example request and answer (cut). */
  readonly example?: { prompt: string; answer: string };
}

export interface GradeReport {
  readonly model: string;
  readonly env: string;
  readonly probe: string;
  readonly roles: readonly RoleGrade[];
  readonly calls: number;
  readonly seconds: number;
  /** CPU seconds of this process over the grade (every thread): what an idle machine's wall time would be with one thread. */
  readonly cpuSeconds: number;
}

const ROLES = [
  { role: "planner", component: "planner/llm-category" },
  { role: "reflector", component: "reflector/llm" },
  { role: "critic", component: "llm-critic" },
  { role: "actor", component: "llm-actor" },
] as const;

/** Grades `model` (a spec, or a chat model already built with `stats`) on the four roles. */
export async function gradeModel(model: string | { model: BaseChatModel; stats: LlmStats; id: string }, options: GradeOptions = {}): Promise<GradeReport> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const env = options.env ?? "synthetic";
  const n = Math.max(1, options.calls ?? 4);
  const seed = options.seed ?? 0;
  const setup = await loadPreset(env, options.dataDir ? { dataDir: options.dataDir } : {});
  let stats: LlmStats, chat: BaseChatModel, id: string;
  if (typeof model === "string") {
    stats = new LlmStats();
    const run: LlmRunOptions = { spec: model, maxFallbackRate: 1, ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}) };
    const local = model.startsWith("llama-cpp:") && options.threads !== undefined ? { llamaCpp: { threads: options.threads } } : {};
    const built = await createChatModel(model, { ...modelOptions(run, stats), ...local });
    if (!built) throw new FarsightError("lab/bad-option", `llm grade needs a model spec (e.g. llama-cpp:, ollama:qwen2.5:7b), got "${model}"`, { llm: model });
    [chat, id] = [built, model];
  } else [chat, stats, id] = [model.model, model.stats, model.id];
  const records: AnswerRecord[] = [];
  stats.recordAnswersTo((r) => records.push(r));
  try {
    // Planner: the probe set's first n requests, against the quit-aware oracle's plans.
    const probe = await buildProbeSet(setup, { sessions: Math.max(2, n), seed });
    const cut = { ...probe, requests: spread(probe.requests, n) };
    const oracle = quitAwareOraclePlanner(setup, { seed });
    const reference = await planAll(oracle, cut.requests);
    const planner = createPlanner("llm-category", { setup, seed, model: chat, stats, cohort: 1 });
    const quality = await planQuality(planner, cut, reference, { batch: n });
    const calibration = await calibrateNoisyOracle(cut, oracle, { seeds: Array.from({ length: options.calibrationSeeds ?? 3 }, (_, k) => seed + k) });
    const placement = qualityToQ(quality.score, calibration);

    // Observations for the critic and the actor; finished sessions for the reflector (same behaviour policy).
    const observations = await probeObservations(setup, n, seed);
    const output = options.output ?? "structured";
    const critic = new LlmCritic({ model: chat, catalog: setup.catalog, stats, output });
    for (const observation of observations) await critic.evaluate({ observation });
    const actor = new LlmActor({ model: chat, catalog: setup.catalog, stats, seed, output });
    for (const [i, observation] of observations.entries()) await actor.act({ observation, plan: reference[i % reference.length]!, k: 1 });
    const episodes: Episode[] = [];
    await evaluateAgent(setup, () => new RandomAgent({ seed, noRepeat: true }), { episodes: n, seeds: [seed], onEpisode: (e) => episodes.push(e) });
    const reflector = new LlmReflector({ model: chat, stats });
    for (const e of episodes.slice(0, n)) await reflector.reflect(e);

    const roles = ROLES.map(({ role, component }) => {
      const grade = roleGrade(role, component, records.filter((r) => r.role === component), stats);
      if (role !== "planner") return grade;
      const q = stats.quality.get(component)?.summary();
      return {
        ...grade,
        planEntropyBits: q?.categoryEntropyBits ?? NaN,
        planQuality: { score: quality.score, standardError: quality.standardError, q: placement.q, belowRandom: placement.belowRandom, randomScore: calibration.points[0]!.score },
      };
    });
    return { model: id, env, probe: `${probe.description}; first ${cut.requests.length} requests per role`, roles, calls: stats.calls, seconds: (performance.now() - t0) / 1000, cpuSeconds: cpuSince(cpu0) };
  } finally {
    stats.recordAnswersTo(undefined);
  }
}

/**
 * `n` requests taken across the sessions in turn (the second request of each session, then the third, ...), so a
 * model that answers every session alike shows it; a session's first request (an empty history) comes last.
 */
function spread<T extends { sessionId: string; step: number }>(requests: readonly T[], n: number): T[] {
  const bySession = new Map<string, T[]>();
  for (const r of requests) bySession.set(r.sessionId, [...(bySession.get(r.sessionId) ?? []), r]);
  const rows = [...bySession.values()].map((rs) => [...rs.filter((r) => r.step > 0), ...rs.filter((r) => r.step === 0)]);
  const out: T[] = [];
  for (let k = 0; out.length < n && rows.some((rs) => k < rs.length); k++) for (const rs of rows) if (k < rs.length && out.length < n) out.push(rs[k]!);
  return out;
}

/** One observation per session (at step 3, or the last before the session ended) of the seeded random agent (no repeats) on the test simulator. */
async function probeObservations(setup: Parameters<typeof makeSimulator>[0], n: number, seed: number): Promise<Observation[]> {
  const sim = await makeSimulator(setup, "test", { batchSize: 1, seed });
  const agent = new RandomAgent({ seed, noRepeat: true });
  const slate = new Int32Array(sim.slateSize);
  const out: Observation[] = [];
  while (out.length < n) {
    sim.resetSlot(0);
    let kept = sim.observation(0);
    for (;;) {
      if (sim.steps[0]! <= 3) kept = sim.observation(0);
      agent.act(sim, slate);
      if (sim.step(slate).done[0]) break;
    }
    out.push(kept);
  }
  return out;
}

function roleGrade(role: string, component: string, records: readonly AnswerRecord[], stats: LlmStats): RoleGrade {
  const valid = records.filter((r) => r.valid);
  const keys = new Set(valid.map((r) => r.key ?? JSON.stringify(r.value)));
  const reasons = new Map<string, number>();
  for (const r of records) if (!r.valid) reasons.set(gist(r.reason ?? ""), (reasons.get(gist(r.reason ?? "")) ?? 0) + 1);
  const validShare = records.length ? valid.length / records.length : 0;
  const summary = stats.quality.get(component)?.summary();
  // A probe is a few answers: judged from 3 on, across the sessions they answered.
  const collapsed = summary ? isCollapsed(summary, { minAnswers: 3 }) : undefined;
  const flag = records.length === 0 ? "no answer" : validShare < 0.5 ? `only ${Math.round(100 * validShare)}% of its answers valid` : collapsed ? `collapsed: ${collapsed}` : undefined;
  const first = valid[0] ?? records[0];
  const call = first?.calls[0];
  const last = first?.calls.at(-1);
  return {
    role,
    component,
    answers: records.length,
    validShare,
    distinctShare: valid.length ? keys.size / valid.length : NaN,
    fallbackReasons: [...reasons].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count),
    ...(flag ? { flag } : {}),
    ...(call && last ? { example: { prompt: (call.messages.at(-1)?.content ?? "").slice(-300), answer: (last.answer ?? last.error ?? "").slice(0, 200) } } : {}),
  };
}

function cpuSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

function gist(reason: string): string {
  return reason.split(": ")[0]!.replace(/\[[^\]]*\]/g, "[…]").slice(0, 100);
}

/** The grade as lines for a terminal. */
export function formatGrade(g: GradeReport): string[] {
  const pct = (x: number) => (Number.isFinite(x) ? `${Math.round(100 * x)}%` : "-");
  const lines = [`llm grade ${g.model} on ${g.env} (${g.probe}): ${g.calls} model calls, ${g.seconds.toFixed(1)} s (CPU ${g.cpuSeconds.toFixed(1)} s)`];
  for (const r of g.roles) {
    const extra = r.planQuality
      ? `, plan entropy ${Number.isFinite(r.planEntropyBits!) ? r.planEntropyBits!.toFixed(2) : "-"} bits, plan quality ${r.planQuality.score.toFixed(3)} ±${r.planQuality.standardError.toFixed(3)} ` +
        `(random plans ${r.planQuality.randomScore.toFixed(3)}) = q ${r.planQuality.q.toFixed(2)}${r.planQuality.belowRandom ? " (below random)" : ""}`
      : "";
    const reasons = r.fallbackReasons.length ? `; fallbacks: ${r.fallbackReasons.slice(0, 2).map((x) => `${x.count}x ${x.reason}`).join("; ")}` : "";
    lines.push(`  ${r.role.padEnd(9)} ${r.answers} answers, valid ${pct(r.validShare)}, distinct ${pct(r.distinctShare)}${extra}${reasons}${r.flag ? `  FLAGGED: ${r.flag}` : ""}`);
  }
  return lines;
}
