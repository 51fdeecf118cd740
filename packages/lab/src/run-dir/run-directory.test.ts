import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FarsightError } from "@farsight/core";
import { diffConfig, LOCK_FILE, lockHolder, RunDirectory } from "./run-directory.js";

const root = mkdtempSync(join(tmpdir(), "farsight-rundir-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, `d${n++}`);
const config = { command: "run lerl", env: { preset: "synthetic", items: 500 }, train: { steps: 100, batch: 8 }, eval: { seeds: [0] } };
const opts = { command: "run lerl", config, budgets: ["train.steps"], flags: { "train.batch": "--batch", "eval.seeds": "--seed / --seeds" } };

/** A pid that certainly belonged to a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "0"]);
  return r.pid!;
}

function writeLock(dir: string, pid: number, host = hostname()): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid, host, command: "run lerl", startedAt: "2026-01-01T00:00:00.000Z" }));
}

describe("RunDirectory: the lock", () => {
  it("holds the directory for one run at a time and gives it back on release", () => {
    const dir = fresh();
    const a = RunDirectory.open(dir, opts);
    expect(lockHolder(dir)?.pid).toBe(process.pid);
    expect(() => RunDirectory.open(dir, { ...opts, resume: true })).toThrow(new RegExp(`in use by process ${process.pid} \\(farsight run lerl`));
    a.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    a.release(); // idempotent
  });

  it("refuses a directory locked by a live process, naming its pid, and changes nothing", async () => {
    const dir = fresh();
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
    try {
      writeLock(dir, child.pid!);
      const before = readFileSync(join(dir, LOCK_FILE));
      expect(() => RunDirectory.open(dir, opts)).toThrow(new RegExp(`in use by process ${child.pid} .*delete .*${LOCK_FILE}`, "s"));
      expect(readFileSync(join(dir, LOCK_FILE))).toEqual(before);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("treats a lock held on another host as alive (its pid cannot be checked here)", () => {
    const dir = fresh();
    writeLock(dir, deadPid(), "another-host");
    expect(() => RunDirectory.open(dir, opts)).toThrow(/in use by process \d+ \(farsight run lerl on another-host/);
  });

  it("takes over the lock of a process that died (SIGKILL leaves it behind)", () => {
    const dir = fresh();
    const dead = deadPid();
    writeLock(dir, dead);
    const d = RunDirectory.open(dir, opts);
    expect(lockHolder(dir)?.pid).toBe(process.pid);
    d.release();
    // An unreadable lock (e.g. emptied by a crash of an older version) is stale too.
    writeFileSync(join(dir, LOCK_FILE), "");
    RunDirectory.open(dir, opts).release();
  });
});

describe("RunDirectory: one configuration per directory", () => {
  it("a fresh run needs a new or empty directory and names what is there", () => {
    const dir = fresh();
    mkdirSync(dir);
    writeFileSync(join(dir, "notes.txt"), "mine");
    expect(() => RunDirectory.open(dir, opts)).toThrow(/is not empty \(it holds notes\.txt\).*choose another --out/);
    expect(readFileSync(join(dir, "notes.txt"), "utf8")).toBe("mine");
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false); // a refusal gives the lock back
  });

  it("the same run again points to --resume; another seed names the difference", () => {
    const dir = fresh();
    const d = RunDirectory.open(dir, opts);
    d.writeConfig();
    d.release();
    expect(() => RunDirectory.open(dir, opts)).toThrow(/already holds this run.*pass --resume/);
    expect(() => RunDirectory.open(dir, { ...opts, resumable: false })).toThrow(/already holds this run \(farsight run lerl\); farsight run lerl cannot resume, so choose another --out \(or delete/);
    expect(() => RunDirectory.open(dir, { ...opts, config: { ...config, eval: { seeds: [1] } } })).toThrow(/already holds another run.*\n {2}eval\.seeds \(--seed \/ --seeds\): \[0\] in the run, \[1\] now/);
  });

  it("a resume accepts the same config and grown budgets, and refuses anything else with every difference", () => {
    const dir = fresh();
    expect(() => RunDirectory.open(dir, { ...opts, resume: true })).toThrow(/does not exist, so it holds no run to resume/);
    expect(existsSync(dir)).toBe(false);
    mkdirSync(dir);
    expect(() => RunDirectory.open(dir, { ...opts, resume: true })).toThrow(/holds no run to resume \(no config\.json\)/);
    const d = RunDirectory.open(dir, opts);
    d.writeConfig();
    d.release();
    RunDirectory.open(dir, { ...opts, resume: true }).release();
    const grown = RunDirectory.open(dir, { ...opts, resume: true, config: { ...config, train: { steps: 500, batch: 8 } } });
    expect(grown.saved).toEqual(config);
    grown.release();
    const err = (() => {
      try {
        RunDirectory.open(dir, { ...opts, resume: true, config: { ...config, env: { preset: "coat", items: 300 }, train: { steps: 50, batch: 16 } } });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(FarsightError);
    expect((err as FarsightError).code).toBe("lab/run-dir-refused");
    expect(err!.message).toContain('env.preset: "synthetic" in the run, "coat" now');
    expect(err!.message).toContain("env.items: 500 in the run, 300 now");
    expect(err!.message).toContain("train.steps: 100 in the run, 50 now (a budget may grow, not shrink)");
    expect(err!.message).toContain("train.batch (--batch): 8 in the run, 16 now");
  });

  it("diffConfig compares nested keys and arrays whole, and lets only budgets grow", () => {
    expect(diffConfig({ a: { b: 1, c: [1, 2] } }, { a: { b: 1, c: [1, 2] } })).toEqual([]);
    expect(diffConfig({ a: { c: [1, 2] } }, { a: { c: [1, 3] } })).toEqual([{ key: "a.c", saved: [1, 2], now: [1, 3], kind: "changed" }]);
    expect(diffConfig({ s: 10 }, { s: 20 }, ["s"])).toEqual([]);
    expect(diffConfig({ s: 10 }, { s: 5 }, ["s"])).toEqual([{ key: "s", saved: 10, now: 5, kind: "lowered" }]);
    expect(diffConfig({ s: 10 }, {}, [])).toEqual([{ key: "s", saved: 10, now: undefined, kind: "changed" }]);
  });
});

describe("RunDirectory: atomic rewrites", () => {
  it("rewriteLines keeps the accepted records, drops a torn last line, and leaves no temporary file", () => {
    const dir = fresh();
    const d = RunDirectory.open(dir, opts);
    writeFileSync(join(dir, "c.jsonl"), '{"step":1}\n{"step":2}\n{"step":3}\n{"st');
    expect(d.rewriteLines<{ step: number }>("c.jsonl", (r) => r.step !== 2)).toEqual([{ step: 1 }, { step: 3 }]);
    expect(readFileSync(join(dir, "c.jsonl"), "utf8")).toBe('{"step":1}\n{"step":3}\n');
    d.writeJson("r.json", { ok: true });
    expect(JSON.parse(readFileSync(join(dir, "r.json"), "utf8"))).toEqual({ ok: true });
    d.release();
    expect(readdirSync(dir).sort()).toEqual(["c.jsonl", "r.json"]);
  });
});
