import { existsSync } from "node:fs";
import { join } from "node:path";
import { createCatalog, Rng } from "@farsight/core";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./datadir.js";
import { itemRuleKnowledge, quitRuleKnowledge, type ItemSlateLike } from "./oracle-knowledge.js";
import { loadPreset, makeSimulator } from "./presets.js";
import { DistanceWindowRule } from "./quit.js";
import { EndCode } from "./types.js";
import { MatrixWorld } from "./world.js";

const dataDir = process.env.FARSIGHT_DATA_DIR ?? join(repoRoot() ?? ".", "..", "shared", "data");
const hasCoat = existsSync(join(dataDir, "coat", "train.ascii"));
if (!hasCoat) console.log(`[env] Coat oracle-knowledge tests skipped: no ${join(dataDir, "coat")} (set FARSIGHT_DATA_DIR)`);

describe("quitRuleKnowledge", () => {
  it("reads the category part of the synthetic presets' rules and refuses KuaiSim's click-driven temper", async () => {
    expect(quitRuleKnowledge(await loadPreset("synthetic"))).toEqual({ kind: "category", rule: { kind: "category-window", window: 4, threshold: 1 } });
    expect(quitRuleKnowledge(await loadPreset("synthetic", { rule: { window: 3, threshold: 0 } }))).toEqual({ kind: "category", rule: { kind: "category-window", window: 3, threshold: 0 } });
    expect(quitRuleKnowledge(await loadPreset("synthetic-kuaisim-rules"))).toEqual({ kind: "category", rule: { kind: "temper" } });
    expect(quitRuleKnowledge(await loadPreset("synthetic-kuaisim-rules", { temper: "kuaisim" }))).toEqual({ kind: "unsupported", rules: ["response-temper"] });
  });
});

describe("itemRuleKnowledge on a toy distance world", () => {
  // Items 0..5 on a line at positions 0, 1, 2, 10, 11, 20; categories 0, 0, 1, 1, 2, 2; user 0 values item i at i.
  const pos = [0, 1, 2, 10, 11, 20];
  const catalog = createCatalog({ itemCategories: [[0], [0], [1], [1], [2], [2]] });
  const values = Float32Array.from(pos.flatMap((a) => pos.map((b) => Math.abs(a - b))));
  const toy = (minReward?: number) => ({
    name: "coat" as const,
    catalog,
    groundTruth: new MatrixWorld(catalog, Float32Array.from([0, 1, 2, 3, 4, 5]), 1, { name: "toy-truth" }),
    makeRules: () => [new DistanceWindowRule({ kind: "matrix", numItems: 6, values }, { window: 2, theta: 3, ...(minReward !== undefined ? { minReward } : {}) })],
  });
  const history: ItemSlateLike[] = [{ step: 0, items: [5] }, { step: 1, items: [0] }, { step: 2, items: [3] }];

  it("marks items shown or within theta of the last N steps' items as unsafe", () => {
    const k = itemRuleKnowledge(toy());
    // Window of 2 at step 3: items 0 and 3. Item 1 is 1 from 0, 2 is 2 from 0, 4 is 1 from 3: unsafe. 5 was shown.
    expect([...k.safeItems({ userId: 0, step: 3, itemHistory: history })]).toEqual([0, 0, 0, 0, 0, 0]);
    // At step 2 the window is items 5 and 0: 3 and 4 are far from both.
    expect([...k.safeItems({ userId: 0, step: 2, itemHistory: history.slice(0, 2) })]).toEqual([0, 0, 0, 1, 1, 0]);
    expect(k.knowledge({ userId: 0, step: 2, itemHistory: history.slice(0, 2), categories: [2, 0, 1] })).toEqual([
      { safeValue: 4, bestValue: 4, safeItems: 1, bestIsSafe: true },
      { safeValue: null, bestValue: 1, safeItems: 0, bestIsSafe: false },
      { safeValue: 3, bestValue: 3, safeItems: 1, bestIsSafe: true },
    ]);
    expect(k.reads).toBe("the distance-window rule (window 2, theta 3) and toy-truth");
  });

  it("says whether every item tied at a category's best value is safe", () => {
    // Values 1, 0, 1, 1, 0, 0: in category 1 items 2 and 3 tie at 1; in category 2 items 4 and 5 tie at 0.
    const tied = { ...toy(), groundTruth: new MatrixWorld(catalog, Float32Array.from([1, 0, 1, 1, 0, 0]), 1, { name: "ties" }) };
    // Step 1, window item 0: items 1 and 2 are within 3 of it. Category 1's best (value 1) is items 2 and 3: 2 is unsafe.
    expect(itemRuleKnowledge(tied).knowledge({ userId: 0, step: 1, itemHistory: [{ step: 0, items: [0] }], categories: [1, 2] })).toEqual([
      { safeValue: 1, bestValue: 1, safeItems: 1, bestIsSafe: false },
      { safeValue: 0, bestValue: 0, safeItems: 2, bestIsSafe: true },
    ]);
  });

  it("applies the rule's reward floor to the user's values", () => {
    const k = itemRuleKnowledge(toy(3.5));
    expect([...k.safeItems({ userId: 0, step: 2, itemHistory: history.slice(0, 2) })]).toEqual([0, 0, 0, 0, 1, 0]);
  });

  it("refuses a preset without a distance rule, and a query without a user", async () => {
    await expect((async () => itemRuleKnowledge(await loadPreset("synthetic")))()).rejects.toThrow(/preset synthetic: the item-rule oracle reads distance-window quit rules, but this preset has a category rule \(category-window\)/);
    expect(() => itemRuleKnowledge(toy()).safeItems({ step: 0, itemHistory: [] })).toThrow(/needs the session's user/);
  });
});

describe.skipIf(!hasCoat)("itemRuleKnowledge on Coat (real data)", () => {
  it("agrees with the simulator: a safe item never ends the session, an unsafe unshown one always does", async () => {
    const setup = await loadPreset("coat", { dataDir });
    const k = itemRuleKnowledge(setup);
    const sim = await makeSimulator(setup, "test", { batchSize: 1, seed: 4 });
    const rng = new Rng(4, "oracle-knowledge-coat");
    const slate = new Int32Array(1);
    let safeSteps = 0, unsafeSteps = 0;
    for (let session = 0; session < 40; session++) {
      sim.resetSlot(0);
      const history: ItemSlateLike[] = [];
      for (;;) {
        const step = sim.steps[0]!;
        const safe = k.safeItems({ userId: sim.users[0]!, step, itemHistory: history });
        const shown = new Set(history.flatMap((s) => s.items));
        const unsafe = [...safe.keys()].filter((i) => !safe[i] && !shown.has(i));
        const safeList = [...safe.keys()].filter((i) => safe[i]);
        const tryUnsafe = unsafe.length > 0 && (safeList.length === 0 || rng.float() < 0.15);
        slate[0] = tryUnsafe ? unsafe[rng.int(unsafe.length)]! : safeList[rng.int(safeList.length)]!;
        const r = sim.step(slate);
        if (tryUnsafe) unsafeSteps++;
        else safeSteps++;
        expect({ step, item: slate[0], quit: r.endCode[0] === EndCode.Quit }).toEqual({ step, item: slate[0], quit: tryUnsafe });
        history.push({ step, items: [slate[0]!] });
        if (r.done[0]) break;
      }
    }
    expect(safeSteps).toBeGreaterThan(200);
    expect(unsafeSteps).toBeGreaterThan(20);
  });
});
