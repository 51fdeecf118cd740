/**
 * A model file is verified on its first load: a file of the right size whose bytes differ from its manifest's
 * sha256 is refused by createChatModel with a message that says how to refetch; a verified file is stamped by
 * size and mtime, so a second load does not rehash (a change the stamp cannot see is trusted, which this test
 * uses to prove the rehash is skipped), and a changed mtime makes the next load hash again.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createChatModel } from "../factory.js";
import { verifiedStampPath, verifyModelFile } from "./verify.js";

const dir = mkdtempSync(join(tmpdir(), "farsight-model-verify-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const GOOD = Buffer.from("GGUF fake model bytes ".repeat(64));

function placeModel(name: string): string {
  const path = join(dir, name);
  writeFileSync(path, GOOD);
  const sha256 = createHash("sha256").update(GOOD).digest("hex");
  writeFileSync(`${path}.json`, JSON.stringify({ name: "smollm2", file: name, sha256, size: GOOD.length, source: "test", fetchedAt: "2026-01-01T00:00:00Z" }));
  return path;
}

/** The same size, one byte changed: what `models list --verify` alone used to see. */
function corrupt(path: string): void {
  const bad = Buffer.from(GOOD);
  bad[10] = bad[10]! ^ 0xff;
  writeFileSync(path, bad);
}

describe("models are verified on first load", () => {
  it("a corrupted file of the right size is refused on load, with how to refetch", async () => {
    const path = placeModel("corrupt.gguf");
    corrupt(path);
    expect(statSync(path).size).toBe(GOOD.length);
    await expect(createChatModel(`llama-cpp:${path}`)).rejects.toThrow(
      new RegExp(`${path.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} is corrupted or was replaced: its sha256 is [0-9a-f]{64}, its manifest expects [0-9a-f]{64}\\. It was not loaded\\. Refetch it: farsight models fetch smollm2 --force`),
    );
    expect(existsSync(verifiedStampPath(path))).toBe(false);
  });

  it("a good file is hashed once, then trusted by size and mtime until either changes", () => {
    const path = placeModel("good.gguf");
    // Whole seconds, so that setting the time back below is exact (file systems keep sub-millisecond mtimes).
    const when = new Date("2026-01-02T03:04:05Z");
    utimesSync(path, when, when);
    expect(verifyModelFile(path)).toEqual({ hashed: true, verified: true });
    expect(verifyModelFile(path)).toEqual({ hashed: false, verified: true });
    // Same size, same mtime, other bytes: the stamp is what is checked, not the bytes.
    corrupt(path);
    utimesSync(path, when, when);
    expect(verifyModelFile(path)).toEqual({ hashed: false, verified: true });
    // Another mtime: hashed again, and the corruption is found.
    utimesSync(path, when, new Date(when.getTime() + 5000));
    expect(() => verifyModelFile(path)).toThrow(/is corrupted or was replaced/);
  });

  it("a file nothing describes (no manifest, not a registry file) loads unverified", () => {
    const path = join(dir, "mine.gguf");
    writeFileSync(path, GOOD);
    expect(verifyModelFile(path)).toEqual({ hashed: false, verified: false });
  });
});
