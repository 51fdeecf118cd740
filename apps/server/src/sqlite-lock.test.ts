/**
 * One server per SQLite state: a second `openStorage` on the same file is refused while the first holds it
 * (it would take the first's live runs for lost), and special or non-regular paths are refused at once instead
 * of hanging (`/proc/...`, a FIFO).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openStorage } from "./index.js";

const dir = mkdtempSync(join(tmpdir(), "farsight-sqlite-lock-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("SQLite state", () => {
  it("is held by one process: a second open is refused until the first closes", async () => {
    const file = join(dir, "a", "server.sqlite");
    const first = await openStorage(`sqlite:${file}`);
    await expect(openStorage(`sqlite:${file}`)).rejects.toThrow(new RegExp(`in use by process ${process.pid}`));
    await first.close();
    const again = await openStorage(`sqlite:${file}`);
    await again.close();
  });

  it("takes over the lock of a process that is gone", async () => {
    const file = join(dir, "b", "server.sqlite");
    mkdirSync(join(dir, "b"));
    const gone = spawnSync(process.execPath, ["-e", "console.log(process.pid)"], { encoding: "utf8" });
    writeFileSync(`${file}.lock`, `${gone.stdout.trim()}\n`);
    const storage = await openStorage(`sqlite:${file}`);
    expect(readFileSync(`${file}.lock`, "utf8").trim()).toBe(String(process.pid));
    await storage.close();
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it("refuses special and non-regular paths at once", async () => {
    await expect(openStorage("sqlite:/proc/self/farsight/server.sqlite")).rejects.toThrow(/special file system/);
    await expect(openStorage("sqlite:/dev/null")).rejects.toThrow(/special file system|not a regular file/);
    const fifo = join(dir, "fifo.sqlite");
    execFileSync("mkfifo", [fifo]);
    await expect(openStorage(`sqlite:${fifo}`)).rejects.toThrow(/not a regular file/);
    writeFileSync(join(dir, "plain"), "");
    await expect(openStorage(`sqlite:${join(dir, "plain", "server.sqlite")}`)).rejects.toThrow(/not a directory/);
  });
});
