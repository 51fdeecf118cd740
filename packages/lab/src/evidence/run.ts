/**
 * Runs the evidence sweeps through the same experiment functions as `farsight run lerl` / `run ilrec` (one run
 * directory per sweep cell and seed, so a killed sweep loses at most the cell it was in) and collects their
 * results as {@link EvidenceRun}s. A cell whose results.json exists is read, not rerun: rerunning the command
 * continues a sweep. A LERL cell cut short resumes from its checkpoints; an IL-Rec cell cut short (IL-Rec has no
 * resume) is set aside under a new name, never deleted, and run again.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { FarsightError, redactText } from "@farsight/core";
import { loadPreset } from "@farsight/env";
import { placeOnQScale, type PlanQualityReport } from "@farsight/graph";
import { createChatModel, LlmStats } from "@farsight/llm";
import { SILENT, type LabIO } from "../io.js";
import { runIlrecExperiment } from "../experiment/ilrec.js";
import { runLerlExperiment, FLAT_GREEDY, FLAT_SAMPLED } from "../experiment/lerl.js";
import { createPlanner } from "../experiment/planners.js";
import { writeFileAtomic } from "../run-dir/run-directory.js";
import type { EvidenceRun } from "./analyse.js";
import { FULL_SCALE, METHOD, REPORT_SEEDS, SWEEPS, type EvidenceScale, type SweepId } from "./sweeps.js";

export interface EvidenceOptions {
  /** Root of the sweeps' run directories (e.g. runs/evidence). */
  readonly out: string;
  /** Seeds of every cell. Default {@link REPORT_SEEDS}. */
  readonly seeds?: readonly number[];
  /** Sweeps to run (default all, in {@link SWEEPS} order). */
  readonly sweeps?: readonly SweepId[];
  /** Presets to run (default every preset of each sweep); the others are read if they exist. */
  readonly presets?: readonly string[];
  /** Budgets and grids. Default {@link FULL_SCALE}. */
  readonly scale?: EvidenceScale;
  /** Where dataset presets (coat) look for their files; a preset whose data is missing is skipped with a message. */
  readonly dataDir?: string;
  /**
   * A model spec whose LLM category planner is placed on the q scale too (e.g. "llama-cpp:" for the fetched
   * SmolLM2); it answers `llmSessions` probe sessions per preset (default 4), fewer than the non-LLM planners.
   */
  readonly llm?: string;
  readonly llmSessions?: number;
  /** Read finished cells only: run nothing (regenerate the document from what exists). */
  readonly readOnly?: boolean;
  readonly io?: LabIO;
}

/** Plan quality of one planner on one preset's probe sessions. */
export interface PlanQualityRow {
  readonly preset: string;
  readonly planner: string;
  readonly report: PlanQualityReport;
}

export interface EvidenceData {
  readonly runs: EvidenceRun[];
  readonly planQuality: PlanQualityRow[];
  /** Presets skipped (data missing) with the reason. */
  readonly skipped: { readonly sweep: string; readonly preset: string; readonly reason: string }[];
  /** Cells not yet run (readOnly, or a sweep not selected and never run). */
  readonly missing: string[];
  readonly seeds: readonly number[];
  readonly scale: EvidenceScale;
}

/** Runs (or reads) every selected sweep cell and returns their runs. */
export async function runEvidence(o: EvidenceOptions): Promise<EvidenceData> {
  const io = o.io ?? SILENT;
  const seeds = o.seeds ?? REPORT_SEEDS;
  const scale = o.scale ?? FULL_SCALE;
  const selected = new Set<SweepId>(o.sweeps ?? SWEEPS);
  const inScope = (sweep: SweepId, preset: string) => selected.has(sweep) && (!o.presets || o.presets.includes(preset));
  const wanted = (sweep: SweepId, preset: string) => !o.readOnly && inScope(sweep, preset);
  const data: EvidenceData = { runs: [], planQuality: [], skipped: [], missing: [], seeds, scale };
  const presetOk = async (sweep: string, preset: string) => {
    try {
      await loadPreset(preset, o.dataDir ? { dataDir: o.dataDir } : {});
      return true;
    } catch (e) {
      if (e instanceof FarsightError && e.code === "env/missing-data") {
        data.skipped.push({ sweep, preset, reason: e.message });
        io.write(`[${sweep}] ${preset}: skipped, ${e.message}\n`);
        return false;
      }
      throw e;
    }
  };
  const data_ = o.dataDir ? { dataDir: o.dataDir } : {};

  // LERL(q) against flat PPO: one run directory per preset and seed, every planner in it.
  const lq = scale.lerlQuality;
  for (const preset of lq.presets) {
    if (!(await presetOk("lerl-quality", preset))) continue;
    for (const seed of seeds) {
      const dir = join(o.out, "lerl-quality", preset, `seed${seed}`);
      const planners = [...lq.qs.map((q) => `noisy-oracle:${q}`), ...lq.honestPlanners];
      const results = await lerlCell(dir, wanted("lerl-quality", preset), inScope("lerl-quality", preset), io, data.missing, `lerl-quality ${preset} seed ${seed}`, () =>
        runLerlExperiment({ env: preset, planners, steps: lq.steps[preset] ?? 8000, seeds: [seed], episodes: lq.episodes, out: dir, resume: existsSync(dir), ...data_ }, io),
      );
      if (results) data.runs.push(...lerlRuns(results, "lerl-quality", preset, seed, (agent) => qOf(agent)));
    }
  }

  // IL-Rec against A2C at each budget, and with the noisy-oracle teacher of quality q.
  // Budgets outer, presets inner: a sweep cut short still has every preset's curve up to the same budget.
  const ib = scale.ilrecBudget;
  const ibPresets: string[] = [];
  for (const preset of ib.presets) if (await presetOk("ilrec-budget", preset)) ibPresets.push(preset);
  for (const budget of ib.budgets) {
    for (const preset of ibPresets) {
      for (const seed of seeds) {
        const dir = join(o.out, "ilrec-budget", preset, `steps${budget}`, `seed${seed}`);
        const results = await ilrecCell(dir, wanted("ilrec-budget", preset), inScope("ilrec-budget", preset), io, data.missing, `ilrec-budget ${preset} ${budget} steps seed ${seed}`, () =>
          runIlrecExperiment({ env: preset, teacher: "heuristic", demos: ib.demos, steps: budget, seeds: [seed], episodes: ib.episodes, out: dir, ...data_ }, io),
        );
        if (results) data.runs.push(...ilrecRuns(results, "ilrec-budget", preset, seed, budget));
      }
    }
  }
  const it = scale.ilrecTeacher;
  for (const preset of it.presets) {
    if (!(await presetOk("ilrec-teacher", preset))) continue;
    for (const q of it.qs) {
      for (const seed of seeds) {
        const dir = join(o.out, "ilrec-teacher", preset, `q${q}`, `seed${seed}`);
        const results = await ilrecCell(dir, wanted("ilrec-teacher", preset), inScope("ilrec-teacher", preset), io, data.missing, `ilrec-teacher ${preset} q ${q} seed ${seed}`, () =>
          runIlrecExperiment({ env: preset, teacher: "noisy-oracle", teacherQ: q, demos: it.demos, steps: it.budget, seeds: [seed], episodes: it.episodes, out: dir, ...data_ }, io),
        );
        if (results) data.runs.push(...ilrecRuns(results, "ilrec-teacher", preset, seed, q));
      }
    }
  }

  // LERL against flat PPO across the catalog-size family.
  const cat = scale.catalog;
  for (const size of cat.sizes) {
    const cell = `items${size.items}-categories${size.categories}`;
    for (const seed of seeds) {
      const dir = join(o.out, "catalog", cell, `seed${seed}`);
      const results = await lerlCell(dir, wanted("catalog", "synthetic"), inScope("catalog", "synthetic"), io, data.missing, `catalog ${cell} seed ${seed}`, () =>
        runLerlExperiment({ env: "synthetic", preset: { items: size.items, categories: size.categories }, presetFlags: { items: String(size.items), categories: String(size.categories) }, planners: cat.planners, steps: cat.steps, seeds: [seed], episodes: cat.episodes, out: dir, resume: existsSync(dir) }, io),
      );
      if (results) data.runs.push(...lerlRuns(results, "catalog", "synthetic", seed, () => size.items));
    }
  }

  // Plan quality on fixed probe sessions, one JSON file per (preset, planner) so a document regenerated without
  // --llm still shows the model's placement. Non-LLM placements are cheap and recomputed when the sweep runs.
  const pq = scale.planQuality;
  const runPq = !o.readOnly && selected.has("plan-quality");
  for (const preset of pq.presets) {
    if (!(await presetOk("plan-quality", preset))) continue;
    const dir = join(o.out, "plan-quality", preset);
    if (runPq) {
      const setup = await loadPreset(preset, data_);
      for (const planner of pq.planners) {
        const p = createPlanner(planner, { setup, seed: 0, model: null, stats: new LlmStats(), cohort: 1 });
        savePlacement(dir, { preset, planner, report: await placeOnQScale(setup, p, { sessions: pq.sessions }) });
      }
      if (o.llm && o.llm !== "none") {
        const stats = new LlmStats();
        const model = await createChatModel(o.llm, { stats });
        const p = createPlanner("llm-category", { setup, seed: 0, model, stats, cohort: 1 });
        const report = await placeOnQScale(setup, p, { sessions: o.llmSessions ?? 4 });
        const c = stats.answersByComponent["planner/llm-category"];
        const fallback = c ? `${Math.round((100 * (c.fallback ?? 0)) / Math.max(1, c.answers ?? 0))}% fallback` : "no answers counted";
        savePlacement(dir, { preset, planner: `llm-category (${redactText(o.llm)}, ${fallback})`, report });
      }
      io.write(`[plan-quality] ${preset}: planners placed on the q scale -> ${dir}\n`);
    }
    if (existsSync(dir)) for (const f of readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) data.planQuality.push(JSON.parse(readFileSync(join(dir, f), "utf8")) as PlanQualityRow);
  }
  return data;
}

function savePlacement(dir: string, row: PlanQualityRow): void {
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(join(dir, `${row.planner.replace(/[^A-Za-z0-9.-]+/g, "_").slice(0, 80)}.json`), JSON.stringify(row, null, 1) + "\n");
}

export type LerlRows = { agent: string; eval?: string; perSeed?: ({ seed: number } & Record<string, number>)[] }[];

/**
 * A LERL cell: read its results.json when finished, else run (or resume) it when selected. The evidence sweeps and
 * `farsight sweep`'s jobs (../sweep/job.ts) both run their cells through it.
 */
export async function lerlCell(dir: string, run: boolean, scoped: boolean, io: LabIO, missing: string[], label: string, go: () => Promise<unknown>): Promise<LerlRows | undefined> {
  const done = readResults(dir);
  if (done) return done.rows as LerlRows;
  if (!run) {
    // Only cells of the selected sweeps and presets count as missing; the others are read where they exist.
    if (scoped) missing.push(label);
    return undefined;
  }
  io.write(`[evidence] ${label}: ${existsSync(dir) ? "resuming" : "running"} -> ${dir}\n`);
  await go();
  return (readResults(dir)?.rows as LerlRows | undefined) ?? fail(dir);
}

/** An IL-Rec cell: as {@link lerlCell}, but a directory left without results is set aside (IL-Rec cannot resume). */
export async function ilrecCell(dir: string, run: boolean, scoped: boolean, io: LabIO, missing: string[], label: string, go: () => Promise<unknown>): Promise<LerlRows | undefined> {
  const done = readResults(dir);
  if (done) return done.rows as LerlRows;
  if (!run) {
    // Only cells of the selected sweeps and presets count as missing; the others are read where they exist.
    if (scoped) missing.push(label);
    return undefined;
  }
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    const aside = `${dir}.incomplete-${new Date().toISOString().replace(/[:.]/g, "-")}`;
    renameSync(dir, aside);
    io.write(`[evidence] ${label}: an earlier attempt stopped before its results; kept as ${aside}\n`);
  }
  io.write(`[evidence] ${label}: running -> ${dir}\n`);
  await go();
  return (readResults(dir)?.rows as LerlRows | undefined) ?? fail(dir);
}

function readResults(dir: string): { rows: unknown[] } | undefined {
  const file = join(dir, "results.json");
  if (!existsSync(file)) return undefined;
  const r = JSON.parse(readFileSync(file, "utf8")) as { rows?: unknown[] };
  return Array.isArray(r.rows) ? { rows: r.rows } : undefined;
}

function fail(dir: string): never {
  throw new FarsightError("lab/evidence-missing-run", `the experiment in ${dir} finished without a results.json`, { dir });
}

/** `noisy-oracle:0.25` in a LERL row's name -> 0.25; NaN for every other row. */
function qOf(agent: string): number {
  const m = /noisy-oracle:([0-9.]+)/.exec(agent);
  return m ? Number(m[1]) : NaN;
}

function lerlRuns(rows: LerlRows, sweep: string, preset: string, seed: number, xOf: (agent: string) => number): EvidenceRun[] {
  return rows.flatMap((r) => {
    const values = r.perSeed?.find((v) => v.seed === seed);
    if (!values) return [];
    const noisy = r.agent.includes("noisy-oracle");
    const method = noisy ? METHOD.lerlNoisy : r.agent;
    // In the catalog sweep every row sits at the catalog's size; elsewhere only the noisy-oracle rows move with q.
    const x = sweep === "catalog" ? xOf(r.agent) : noisy ? xOf(r.agent) : NaN;
    const { seed: _s, ...metrics } = values;
    return [{ sweep, preset, x, method: sweep === "catalog" && noisy ? "LERL (oracle, q = 1)" : method, seed, metrics }];
  });
}

function ilrecRuns(rows: LerlRows, sweep: string, preset: string, seed: number, x: number): EvidenceRun[] {
  return rows.flatMap((r) => {
    const values = r.perSeed?.find((v) => v.seed === seed);
    if (!values) return [];
    const method = r.agent.startsWith("teacher (") ? METHOD.teacher : r.agent;
    const { seed: _s, ...metrics } = values;
    return [{ sweep, preset, x, method, seed, metrics }];
  });
}

/** The runs as one JSON file beside the document, so every figure's numbers can be checked without rerunning. */
export function writeEvidenceData(file: string, data: EvidenceData): void {
  writeFileAtomic(file, JSON.stringify({ seeds: data.seeds, scale: data.scale, skipped: data.skipped, missing: data.missing, runs: data.runs.map((r) => ({ ...r, x: Number.isNaN(r.x) ? null : r.x })), planQuality: data.planQuality }, null, 1) + "\n");
}

export { FLAT_GREEDY, FLAT_SAMPLED };
