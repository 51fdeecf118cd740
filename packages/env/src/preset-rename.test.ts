import { describe, expect, it } from "vitest";
import { DEPRECATED_PRESETS, resolvePresetName } from "./preset-names.js";
import { loadPreset, PRESETS } from "./presets.js";

describe("the kuaisim preset is renamed to synthetic-kuaisim-rules", () => {
  it("lists only the new name; the old one loads the same preset with a deprecation warning", async () => {
    expect(PRESETS).toContain("synthetic-kuaisim-rules");
    expect(PRESETS).not.toContain("kuaisim");
    expect(DEPRECATED_PRESETS).toEqual({ kuaisim: "synthetic-kuaisim-rules" });
    const seen: string[] = [];
    expect(resolvePresetName("kuaisim", (m) => seen.push(m))).toBe("synthetic-kuaisim-rules");
    expect(resolvePresetName("coat", (m) => seen.push(m))).toBe("coat");
    expect(seen).toHaveLength(1);
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    try {
      const small = { synthetic: { numItems: 60, numUsers: 30 } };
      const old = await loadPreset("kuaisim", small);
      const now = await loadPreset("synthetic-kuaisim-rules", small);
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
      expect(old.name).toBe("synthetic-kuaisim-rules");
      expect(old.describe).toEqual(now.describe);
      expect(warnings.map((w) => [w.name, (w as Error & { code?: string }).code])).toEqual([["DeprecationWarning", "FARSIGHT_PRESET_RENAMED"]]);
    } finally {
      process.off("warning", onWarning);
    }
  });
});
