import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { dataDirCandidates, findDataset, repoRoot } from "./datadir.js";
import { loadPreset } from "./presets.js";

const shared = join(repoRoot() ?? ".", "..", "shared", "data");
const hasCoat = existsSync(join(shared, "coat"));
if (!hasCoat) console.log(`[env] data-dir fall-back test skipped: no ${join(shared, "coat")}`);
const root = mkdtempSync(join(tmpdir(), "farsight-datadir-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("an explicit --data-dir is used or fails", () => {
  it("looks only in the given directory", () => {
    expect(dataDirCandidates("coat", join(root, "x"))).toEqual([join(root, "x", "coat")]);
  });

  it.skipIf(!hasCoat)("never falls back to another copy when the given directory lacks the dataset", async () => {
    // Without --data-dir the shared copy is found; with a wrong one it is not.
    expect(findDataset("coat")).toBeTruthy();
    expect(() => findDataset("coat", "/nonexistent")).toThrow(/dataset "coat" not found in the given data directory: \/nonexistent\/coat does not exist/);
    await expect(loadPreset("coat", { dataDir: "/nonexistent" })).rejects.toThrow(/\/nonexistent\/coat does not exist/);
    // Pointing at the dataset folder itself says which parent to pass.
    expect(() => findDataset("coat", join(shared, "coat"))).toThrow(/looks like the dataset folder itself: pass its parent/);
  });

  it.skipIf(!hasCoat)("records the folder the data came from in the preset's description (config.json)", async () => {
    const setup = await loadPreset("coat", { dataDir: shared });
    expect(setup.describe["dataFolder"]).toBe(join(shared, "coat"));
    expect((await loadPreset("synthetic")).describe["dataFolder"]).toBeUndefined();
  });

  it("an empty directory is not a dataset either", () => {
    mkdirSync(join(root, "empty"));
    expect(() => findDataset("kuairec", join(root, "empty"))).toThrow(/empty\/kuairec does not exist.*farsight data fetch kuairec --data-dir/);
  });
});
