import { SaturationAwarePlanner, type SaturationAwarePlannerOptions } from "./saturation-planner.js";

/**
 * The parts of a simulator's quit rule that are about categories (plain data, so this package needs no
 * `@farsight/env`). `category-window`: the user leaves when a category of the new slate already occurs more
 * than `threshold` times among the last `window` slates (EasyRL4Rec KuaiEnv). `temper`: patience drops by one
 * more when a position repeats the previous slate's category (KuaiSim / LERL).
 */
export type CategoryQuitRule =
  | { readonly kind: "category-window"; readonly window: number; readonly threshold: number }
  | { readonly kind: "temper" };

export interface OracleSaturationPlannerOptions extends Pick<SaturationAwarePlannerOptions, "seed" | "numCategories" | "priorStrength" | "exploreBonus"> {
  /** The quit rule the plans are built to dodge. */
  readonly rule: CategoryQuitRule;
}

/** The saturation settings under which no plan lets the rule fire (given the request's history reaches back far enough). */
export function saturationSettingsFor(rule: CategoryQuitRule): Required<Pick<SaturationAwarePlannerOptions, "windowSlates" | "saturationShare" | "minRepeats">> {
  if (rule.kind === "category-window") {
    if (!(rule.window >= 1) || !(rule.threshold >= 0)) throw new RangeError(`category-window rule needs window >= 1 and threshold >= 0, got ${JSON.stringify(rule)}`);
    // The rule fires at threshold + 1 occurrences in the window, so a category with that many is left out.
    return { windowSlates: rule.window, saturationShare: 0, minRepeats: rule.threshold + 1 };
  }
  // Temper: any category of the previous slate may repeat at some position and cost patience.
  return { windowSlates: 1, saturationShare: 0, minRepeats: 1 };
}

/**
 * The saturation-aware planner configured from the simulator's quit rule: it leaves out every category whose
 * next showing would make the simulated user leave. No deployed planner can read the user's quit rule, so this
 * is an **oracle**: an upper reference for what planning alone can buy, not a method. Under the synthetic
 * preset's rule at slate size 1 it makes quitting impossible, so a LERL run with it lasts the full session by
 * construction. It sees as far back as the request's history (5 slates by default); longer windows are cut
 * there.
 */
export class OracleSaturationPlanner extends SaturationAwarePlanner {
  override readonly name: string = "oracle-saturation";
  override readonly oracle: boolean = true;
  readonly rule: CategoryQuitRule;

  constructor(options: OracleSaturationPlannerOptions) {
    const { rule, ...rest } = options;
    super({ ...rest, ...saturationSettingsFor(rule) });
    this.rule = rule;
  }

  protected override sourceDetail(): string {
    return `oracle: reads the ${this.rule.kind} quit rule`;
  }
}
