/**
 * A resume detects a config.json edited by hand: the run seals config.json with its SHA-256
 * (config.json.sha256) and a resume whose config.json no longer matches is refused, naming the file and what
 * to do, with no byte of the directory changed. The settings passed to the resume are the edited ones (as the
 * CLI reads them back from config.json), so the key-by-key comparison alone cannot see the edit.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CONFIG_HASH_FILE, RunDirectory } from "./run-directory.js";

const root = mkdtempSync(join(tmpdir(), "farsight-config-seal-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const config = { command: "run lerl", env: { preset: "synthetic" }, train: { steps: 100, batch: 4 } };
const opts = { command: "run lerl", budgets: ["train.steps"] };

const snapshot = (dir: string) => Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), "utf8")]));

function startRun(dir: string): void {
  const run = RunDirectory.open(dir, { ...opts, config });
  run.writeConfig();
  run.release();
}

describe("resume and config.json edited by hand", () => {
  it("refuses a resume whose config.json was edited, naming the file and the way out, and changes nothing", () => {
    const dir = join(root, "edited");
    startRun(dir);
    const edited = { ...config, train: { steps: 100, batch: 8 } };
    writeFileSync(join(dir, "config.json"), JSON.stringify(edited, null, 2) + "\n");
    const before = snapshot(dir);
    expect(() => RunDirectory.open(dir, { ...opts, config: edited, resume: true })).toThrow(
      new RegExp(`${join(dir, "config.json").replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} was changed after the run wrote it.*Put the original config.json back.*another --out`, "s"),
    );
    expect(snapshot(dir)).toEqual(before);
    expect(Object.keys(before).sort()).toEqual(["config.json", CONFIG_HASH_FILE]);
  });

  it("resumes an untouched run, and a grown budget reseals the config", () => {
    const dir = join(root, "untouched");
    startRun(dir);
    const grown = { ...config, train: { steps: 200, batch: 4 } };
    const run = RunDirectory.open(dir, { ...opts, config: grown, resume: true });
    run.writeConfig();
    run.release();
    const again = RunDirectory.open(dir, { ...opts, config: grown, resume: true });
    expect(again.saved).toEqual(grown);
    again.release();
  });

  it("resumes a run written before the seal existed (no config.json.sha256)", () => {
    const dir = join(root, "old");
    startRun(dir);
    rmSync(join(dir, CONFIG_HASH_FILE));
    const run = RunDirectory.open(dir, { ...opts, config, resume: true });
    expect(run.saved).toEqual(config);
    run.release();
  });
});
