// A damaged graph.sqlite or pool.json is reported with its path (SQLite and JSON.parse name no file).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readPool, RunCheckpoints } from "./run-checkpoints.js";

const root = mkdtempSync(join(tmpdir(), "farsight-corrupt-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("damaged checkpoint files name themselves", () => {
  it("graph.sqlite that is not a database", () => {
    const dir = join(root, "garbage");
    mkdirSync(dir);
    writeFileSync(join(dir, "graph.sqlite"), "this is not sqlite at all, just text that a bad copy left behind".repeat(40));
    expect(() => new RunCheckpoints(dir)).toThrow(new RegExp(`${join(dir, "graph.sqlite").replace(/[.]/g, "\\.")}: the checkpoint database is damaged \\(.*\\); move it aside`));
  });

  it("graph.sqlite cut short after its header", () => {
    const dir = join(root, "truncated");
    mkdirSync(dir);
    const header = Buffer.alloc(100);
    header.write("SQLite format 3\0");
    header.writeUInt16BE(4096, 16);
    writeFileSync(join(dir, "graph.sqlite"), header);
    expect(() => new RunCheckpoints(dir)).toThrow(/graph\.sqlite: the checkpoint database is damaged/);
  });

  it("a fresh run directory opens", () => {
    const store = new RunCheckpoints(join(root, "fresh"));
    expect(store.checkpointsDir).toBe(join(root, "fresh", "checkpoints"));
  });

  it("pool.json that is cut short or not a pool", async () => {
    const file = join(root, "pool.json");
    writeFileSync(file, '{"version":1,"entries":[{"refl');
    await expect(readPool(file, {})).rejects.toThrow(new RegExp(`${file.replace(/[.]/g, "\\.")}: not a readable reflection pool \\(.*JSON`));
    writeFileSync(file, "[]");
    await expect(readPool(file, {})).rejects.toThrow(/pool\.json: not a readable reflection pool \(.*not a version-1 pool snapshot\)/);
  });
});
