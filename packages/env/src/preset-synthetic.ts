/**
 * The synthetic presets' parts (`synthetic`, `synthetic-kuaisim-rules`): a world of the catalog-size family
 * (`synthetic-family.ts`), its logged ratings, and its quit rule (a category window, or the temper of the
 * KuaiSim-rules preset).
 */
import { FarsightError, Rng } from "@farsight/core";
import type { RatingLog } from "./data/dataset.js";
import { DATASET_TEST_FRACTION, type PresetOptions, type PresetParts } from "./preset-options.js";
import { temperRules } from "./preset-temper.js";
import { CategoryWindowRule, checkCategoryWindow } from "./quit.js";
import { generateSynthetic, SyntheticWorld } from "./synthetic.js";
import { syntheticFamily, type SyntheticFamilyMember } from "./synthetic-family.js";

/**
 * A synthetic interaction log: each user rates random items with a noisy satisfaction score, the base
 * click probability + N(0, 0.05^2) clipped to [0, 1] (explicit feedback, like a rating or a watch ratio;
 * 0/1 clicks on 1 in 5 items are too sparse for MF to learn who likes which category).
 */
function syntheticLog(world: SyntheticWorld, perUser: number, seed: number): RatingLog {
  const rng = new Rng(seed, "synthetic-log");
  const n = world.numUsers * perUser;
  const user = new Int32Array(n), item = new Int32Array(n), rating = new Float32Array(n);
  for (let u = 0, j = 0; u < world.numUsers; u++) {
    for (const i of rng.sample(world.numItems, Math.min(perUser, world.numItems))) {
      user[j] = u;
      item[j] = i;
      rating[j++] = Math.min(1, Math.max(0, world.baseProbability(u, i) + 0.05 * rng.normal()));
    }
  }
  return { user, item, rating };
}

/** Keys of the generator that the family sets, so that a low-level override of one is reported. */
const FAMILY_KEYS = ["numItems", "numCategories", "favourites", "boredomDecay"] as const;

/** The family member a preset's options ask for; a size given twice (family and low-level) is an error. */
function familyOf(o: PresetOptions): { member: SyntheticFamilyMember; overridden: string[] } {
  for (const [option, key] of [["items", "numItems"], ["categories", "numCategories"]] as const) {
    if (o[option] !== undefined && o.synthetic?.[key] !== undefined) {
      throw new FarsightError("env/bad-option", `synthetic preset: ${option} (${o[option]}) and synthetic.${key} (${o.synthetic[key]}) both set the size; give ${option} only`, { option, value: o[option], [key]: o.synthetic[key] });
    }
  }
  const member = syntheticFamily({ ...(o.items !== undefined ? { items: o.items } : {}), ...(o.categories !== undefined ? { categories: o.categories } : {}) });
  return { member, overridden: FAMILY_KEYS.filter((k) => o.synthetic?.[k] !== undefined) };
}

export function syntheticParts(o: PresetOptions, slate: boolean): PresetParts {
  const { member, overridden } = familyOf(o);
  const data = generateSynthetic({ ...member.world, ...o.synthetic });
  // Where a low-level override wins over the family's setting, `describe.world` holds the value that ran.
  const family = { ...member.describe, ...(overridden.length ? { overriddenBy: overridden.map((k) => `synthetic.${k}`) } : {}) };
  const world = new SyntheticWorld(data);
  const catalog = data.catalog;
  const base = {
    catalog,
    numUsers: world.numUsers,
    trainLog: syntheticLog(world, 100, data.options.seed),
    groundTruth: world,
    positiveThreshold: 1,
    testFraction: DATASET_TEST_FRACTION,
    // Clean, dense explicit feedback: weak L2 lets MF learn each user's categories (top-10 agreement ~0.96).
    mf: { l2: 0.01 },
  };
  if (!slate) {
    const window = o.rule?.window ?? member.window, threshold = o.rule?.threshold ?? 1;
    if (o.rule?.theta !== undefined) throw new FarsightError("env/bad-option", "preset synthetic quits on a category window, which has no distance theta; set its threshold (a count)", { rule: o.rule });
    checkCategoryWindow({ window, threshold });
    return {
      ...base,
      makeRules: () => [new CategoryWindowRule(catalog, { window, threshold, compat: o.compat ?? "none" })],
      simulator: { maxSteps: 30, feedback: "click" },
      describe: {
        rule: "category-window", window, threshold, ...(o.rule?.window !== undefined || o.rule?.threshold !== undefined ? { thresholdSource: "given" } : {}),
        maxSteps: 30, feedback: "click", world: data.options, family,
      },
    };
  }
  // LERL's temper by default: the setting LERL's paper ran on KuaiSim, and that of every result measured here.
  const temper = temperRules(catalog, o.temper ?? "lerl", "synthetic-kuaisim-rules");
  return {
    ...base,
    makeRules: temper.makeRules,
    simulator: { maxSteps: 100, feedback: "click", slateSize: 6, similarityPenalty: 0.2, slateReward: "mean" },
    // The family's window belongs to the category rule; the temper rules have none.
    describe: { ...temper.describe, slateSize: 6, rho: 0.2, maxSteps: 100, feedback: "click", world: data.options, family: Object.fromEntries(Object.entries(family).filter(([k]) => k !== "window")) },
  };
}
