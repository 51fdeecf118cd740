import { mkdtempSync, rmSync, writeFileSync, appendFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readRunDir } from "./read-run-dir.js";
import { RUN_FILES, RunDirWriter } from "./run-dir.js";

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "farsight-rundir-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("RunDirWriter + readRunDir", () => {
  it("round-trips config, curves, episodes and results", () => {
    const dir = join(tempDir(), "nested", "run");
    const w = new RunDirWriter(dir);
    w.writeConfig({ env: { dataset: "synthetic" }, seed: 3 });
    w.curve({ series: "LERL", step: 0, metric: "r_traj", value: 1.5 }, { series: "LERL", step: 100, metric: "r_traj", value: 2.5, seed: 1 });
    w.episode({ agent: "random", length: 2, return: 3.25, categories: [[1, 2], [2, 2]] });
    w.writeResults({ columns: ["len", { key: "r_traj", label: "R_traj", better: "higher" }], rows: [{ agent: "random", len: 2, r_traj: 3.25 }] });
    const data = readRunDir(dir);
    expect(data.problems).toEqual([]);
    expect(data.present).toEqual({ config: true, curves: true, episodes: true, results: true });
    expect(data.config).toEqual({ env: { dataset: "synthetic" }, seed: 3 });
    expect(data.curves).toEqual([
      { series: "LERL", step: 0, metric: "r_traj", value: 1.5 },
      { series: "LERL", step: 100, metric: "r_traj", value: 2.5, seed: 1 },
    ]);
    expect(data.episodes).toEqual([{ agent: "random", length: 2, return: 3.25, categories: [[1, 2], [2, 2]] }]);
    expect(data.results?.columns).toEqual([{ key: "len" }, { key: "r_traj", label: "R_traj", better: "higher" }]);
    expect(data.results?.rows[0]).toMatchObject({ agent: "random", r_traj: 3.25 });
  });

  it("writes non-finite numbers as null, counts them, and the reader reports their line", () => {
    const dir = tempDir();
    const w = new RunDirWriter(dir);
    w.curve({ series: "PPO", step: 0, metric: "loss", value: 0.5 }, { series: "PPO", step: 1, metric: "loss", value: Number.NaN });
    w.episode({ agent: "a", length: 1, return: Number.POSITIVE_INFINITY });
    expect(w.nonFiniteValues).toBe(2);
    const data = readRunDir(dir);
    expect(data.curves).toHaveLength(1);
    expect(data.episodes).toEqual([]);
    expect(data.problems).toEqual([
      { file: RUN_FILES.curves, line: 2, message: expect.stringMatching(/"value" of PPO \/ loss at step 1 .* null/) },
      { file: RUN_FILES.episodes, line: 1, message: expect.stringMatching(/"return" must be a finite number, got null/) },
    ]);
  });

  it("rejects records without a name instead of writing a line the report cannot place", () => {
    const w = new RunDirWriter(tempDir());
    expect(() => w.curve({ series: "", step: 0, metric: "m", value: 1 })).toThrow(/"series" must be a non-empty string/);
    expect(() => w.episode({ agent: undefined as unknown as string, length: 1, return: 0 })).toThrow(/"agent"/);
  });

  it("reports malformed lines with file and line and keeps the good ones", () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, RUN_FILES.curves),
      [
        `{"series":"A","step":0,"metric":"m","value":1}`,
        `{"series":"A","step":1,"metric":"m","value":2`,
        ``,
        `{"series":"A","step":"two","metric":"m","value":3}`,
        `[1,2]`,
        `{"series":"A","step":3,"metric":"m","value":4}`,
      ].join("\n"),
    );
    writeFileSync(
      join(dir, RUN_FILES.episodes),
      [`{"agent":"x","length":3,"return":1,"categories":[[0],[1],[2]]}`, `{"agent":"x","length":2.5,"return":1}`, `{"agent":"x","length":2,"return":1,"categories":[[0],["a"]]}`].join("\n") + "\n",
    );
    const data = readRunDir(dir);
    expect(data.curves?.map((c) => c.value)).toEqual([1, 4]);
    expect(data.episodes).toEqual([
      { agent: "x", length: 3, return: 1, categories: [[0], [1], [2]] },
      { agent: "x", length: 2, return: 1 },
    ]);
    const where = data.problems.map((p) => `${p.file}:${p.line}`);
    expect(where).toEqual(["curves.jsonl:2", "curves.jsonl:4", "curves.jsonl:5", "episodes.jsonl:2", "episodes.jsonl:3"]);
    expect(data.problems[0]!.message).toMatch(/not valid JSON/);
    expect(data.problems[1]!.message).toMatch(/"step" must be a finite number, got "two"/);
    expect(data.problems[4]!.message).toMatch(/left out of the exposure charts/);
  });

  it("treats missing files as not recorded and a broken whole-file JSON as a problem", () => {
    const dir = tempDir();
    writeFileSync(join(dir, RUN_FILES.config), "[1, 2]");
    writeFileSync(join(dir, RUN_FILES.results), `{"columns": ["len"], "rows": [{"len": 3}, {"agent": "ok", "len": 4}]}`);
    const data = readRunDir(dir);
    expect(data.present).toEqual({ config: true, curves: false, episodes: false, results: true });
    expect(data.curves).toBeNull();
    expect(data.episodes).toBeNull();
    expect(data.config).toBeNull();
    expect(data.results?.rows).toEqual([{ agent: "ok", len: 4 }]);
    expect(data.problems).toEqual([
      { file: "config.json", message: "expected a JSON object, got an array" },
      { file: "results.json", message: `rows[0] must be an object with an "agent" string` },
    ]);
  });

  it("caps the listed problems per file and counts the rest", () => {
    const dir = tempDir();
    mkdirSync(dir, { recursive: true });
    for (let i = 0; i < 70; i++) appendFileSync(join(dir, RUN_FILES.curves), "not json\n");
    const data = readRunDir(dir);
    expect(data.problems).toHaveLength(50);
    expect(data.problemsNotListed).toBe(20);
  });

  it("fails clearly when the run directory does not exist", () => {
    expect(() => readRunDir(join(tempDir(), "nope"))).toThrow(/run directory not found: .*nope/);
  });
});
