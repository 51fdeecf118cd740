import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { findDataset, loadPreset } from "@farsight/env";
import { userSplit } from "./protocol.js";

const coatAvailable = (() => {
  try {
    return existsSync(findDataset("coat"));
  } catch {
    return false;
  }
})();

describe("userSplit", () => {
  it("says held-out, same or overlapping from the user sets themselves", () => {
    expect(userSplit({ trainUsers: [0, 1, 2], testUsers: [3, 4] })).toMatchObject({ kind: "held-out", label: "held-out users", shared: 0 });
    expect(userSplit({ trainUsers: [0, 1, 2], testUsers: [2, 1, 0] })).toMatchObject({ kind: "same", label: "same users", shared: 3 });
    expect(userSplit({ trainUsers: [0, 1, 2], testUsers: [2, 3] }).label).toBe("overlapping users (1 of 2 test users also train)");
  });

  it("follows the preset's actual split: synthetic holds users out, a testFraction of 0 does not", async () => {
    expect(userSplit(await loadPreset("synthetic")).label).toBe("held-out users");
    expect(userSplit(await loadPreset("synthetic", { testFraction: 0 })).label).toBe("same users");
  });

  it.skipIf(!coatAvailable)("labels Coat held-out by default, and same users with sameUsers (EasyRL4Rec's setting)", async () => {
    expect(userSplit(await loadPreset("coat")).label).toBe("held-out users");
    expect(userSplit(await loadPreset("coat", { sameUsers: true })).label).toBe("same users");
  });
});

describe("the report's comparison section", () => {
  it("says which rows are oracles, and says nothing when none is", async () => {
    const { comparisonSection } = await import("../report/sections.js");
    const results = (rows: Record<string, unknown>[]) => ({ results: { columns: ["len"], rows } }) as unknown as Parameters<typeof comparisonSection>[0];
    const html = comparisonSection(results([{ agent: "LERL (oracle-saturation: reads the quit rule)", oracle: true, len: 30 }, { agent: "random", oracle: false, len: 26 }])).html;
    expect(html).toMatch(/<b>Oracle:<\/b> LERL \(oracle-saturation: reads the quit rule\) reads the simulator's quit rule/);
    expect(comparisonSection(results([{ agent: "random", oracle: false, len: 26 }])).html).not.toMatch(/Oracle/);
  });
});
