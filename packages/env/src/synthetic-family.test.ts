import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { loadPreset, type EnvSetup, type PresetOptions } from "./presets.js";
import type { CategoryWindowRule } from "./quit.js";
import { DEFAULT_SYNTHETIC, type SyntheticWorld } from "./synthetic.js";
import { syntheticFamily } from "./synthetic-family.js";

/** A digest of everything the generator and the preset drew: worlds, catalog, training log, user split. */
function fingerprint(setup: EnvSetup): string {
  const h = createHash("sha256");
  const w = (setup.groundTruth as SyntheticWorld).data;
  for (const a of [w.itemEmbeddings, w.itemQuality, w.userInterest, w.userTaste, setup.trainLog.user, setup.trainLog.item, setup.trainLog.rating, setup.testUsers]) {
    h.update(Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  }
  h.update(JSON.stringify(Array.from(setup.catalog.itemCategory)));
  return h.digest("hex").slice(0, 16);
}

/** The same digest of `loadPreset("synthetic")` at commit 4d0a054, before the family existed. */
const DEFAULT_BEFORE_FAMILY = "ba723cf0d8873f70";

const rejection = async (o: PresetOptions, preset = "synthetic") => {
  const error = await loadPreset(preset, o).then(() => undefined, (e: unknown) => e as { code: string; message: string; context: Record<string, unknown> });
  expect(error, `loadPreset(${preset}, ${JSON.stringify(o)}) should fail`).toBeDefined();
  return error!;
};

describe("synthetic catalog-size family", () => {
  it("keeps the default world number for number (the pre-family fingerprint), given or omitted", async () => {
    const plain = await loadPreset("synthetic");
    expect(fingerprint(plain)).toBe(DEFAULT_BEFORE_FAMILY);
    expect(fingerprint(await loadPreset("synthetic", { items: 500, categories: 20 }))).toBe(DEFAULT_BEFORE_FAMILY);
    expect(fingerprint(await loadPreset("synthetic-kuaisim-rules"))).toBe(DEFAULT_BEFORE_FAMILY);
    expect(plain.describe["world"]).toEqual(DEFAULT_SYNTHETIC);
    expect(plain.describe["window"]).toBe(4);
    expect(plain.describe["threshold"]).toBe(1);
    expect(plain.describe["family"]).toEqual({ items: 500, categories: 20, scale: 1, itemsPerCategory: 25, favourites: 3, window: 4, boredomDecay: 0.6 });
  });

  it("builds the sizes asked for and scales the per-category settings with categories / 20", async () => {
    const setup = await loadPreset("synthetic", { items: 3000, categories: 50 });
    expect(setup.catalog.numItems).toBe(3000);
    expect(setup.catalog.numCategories).toBe(50);
    const perCategory = new Int32Array(50);
    for (const c of setup.catalog.itemCategory) perCategory[c]!++;
    expect(Math.min(...perCategory)).toBeGreaterThan(0);
    const world = (setup.groundTruth as SyntheticWorld).data.options;
    expect(world).toMatchObject({ numItems: 3000, numCategories: 50, favourites: 8, embeddingDim: 16 });
    expect(world.boredomDecay).toBeCloseTo(0.6 ** (1 / 2.5), 12);
    const rule = setup.makeRules()[0] as CategoryWindowRule;
    expect(rule.options).toMatchObject({ window: 10, threshold: 1 });
    expect(setup.describe["family"]).toMatchObject({ items: 3000, categories: 50, scale: 2.5, itemsPerCategory: 60, favourites: 8, window: 10 });
    // Favourites draw interest 1.5 + N(0, 0.3^2), the others -1 + N(0, 0.5^2): 0.25 splits them but for the
    // 0.6% of others above it, so users hold 8 such categories on average (8.26 expected).
    const interest = (setup.groundTruth as SyntheticWorld).data.userInterest;
    let high = 0;
    for (const v of interest) if (v > 0.25) high++;
    expect(Math.round(high / setup.numUsers)).toBe(8);
    expect(syntheticFamily({ items: 3000, categories: 50 }).world.favourites).toBe(8);
  });

  it("covers every category at both ends of the ranges", async () => {
    for (const size of [{ items: 300, categories: 100 }, { items: 10_000, categories: 20 }]) {
      const setup = await loadPreset("synthetic", size);
      expect(setup.catalog.numItems).toBe(size.items);
      const seen = new Set(setup.catalog.itemCategory);
      expect(seen.size).toBe(size.categories);
    }
  });

  it("sizes synthetic-kuaisim-rules too, whose temper has no window to scale", async () => {
    const setup = await loadPreset("synthetic-kuaisim-rules", { categories: 40 });
    expect(setup.catalog.numCategories).toBe(40);
    expect((setup.groundTruth as SyntheticWorld).data.options.favourites).toBe(6);
    expect(setup.describe["family"]).not.toHaveProperty("window");
    expect(setup.describe["rule"]).toBe("temper");
  });

  it("rejects sizes out of range, fractional sizes, a size given twice and sizes on a dataset preset", async () => {
    for (const [option, value, range] of [["items", 299, "[300, 10000]"], ["items", 10_001, "[300, 10000]"], ["items", 500.5, "[300, 10000]"], ["categories", 19, "[20, 100]"], ["categories", 101, "[20, 100]"]] as const) {
      const e = await rejection({ [option]: value });
      expect(e.code).toBe("env/bad-option");
      expect(e.message).toContain(`${option} must be an integer in ${range}, got ${value}`);
      expect(e.context).toMatchObject({ option, value });
    }
    const twice = await rejection({ items: 1000, synthetic: { numItems: 2000 } });
    expect(twice.code).toBe("env/bad-option");
    expect(twice.message).toContain("synthetic.numItems");
    // Checked before the dataset is looked for: the error is about the option, not missing data.
    const coat = await rejection({ categories: 40 }, "coat");
    expect(coat.code).toBe("env/bad-option");
    expect(coat.message).toContain("categories sizes the synthetic presets");
  });

  it("says which family settings a low-level override replaced", async () => {
    const setup = await loadPreset("synthetic", { categories: 40, synthetic: { favourites: 2 } });
    expect((setup.groundTruth as SyntheticWorld).data.options.favourites).toBe(2);
    expect(setup.describe["family"]).toMatchObject({ favourites: 6, overriddenBy: ["synthetic.favourites"] });
  });
});
