/**
 * The leave model of the KuaiSim-rules presets. Two published versions of "temper" exist and they pose
 * different problems, so a preset says which it runs:
 * - `lerl`: LERL's code on KuaiSim, patience 20, one less per slate and one more when a slot repeats the
 *   previous slate's category; clicks play no part ({@link TemperRule}). Sessions last 11..20 slates.
 * - `kuaisim`: KuaiSim's own, patience 20, each slate costs `2 - its click rate`
 *   ({@link ResponseTemperRule}). Sessions last 10..20 slates, longer the more the user clicks.
 */
import type { Catalog } from "@farsight/core";
import { FarsightError } from "@farsight/core";
import { ResponseTemperRule, TemperRule, type QuitRule } from "./quit.js";

export const TEMPER_MODELS = ["lerl", "kuaisim"] as const;
export type TemperModel = (typeof TEMPER_MODELS)[number];

/** Patience T0 of both models: KuaiSim's scripts set initial_temper = MAX_STEP = 20. */
export const INITIAL_TEMPER = 20;

/** The rule factory and the `describe` entries of a temper preset. */
export function temperRules(catalog: Catalog, model: TemperModel, preset: string): { makeRules: () => QuitRule[]; describe: Record<string, unknown> } {
  if (!(TEMPER_MODELS as readonly string[]).includes(model)) {
    throw new FarsightError("env/bad-option", `preset ${preset}: unknown temper model "${String(model)}"; known: ${TEMPER_MODELS.join(", ")}`, { temper: model });
  }
  return model === "lerl"
    ? { makeRules: () => [new TemperRule(catalog, { initial: INITIAL_TEMPER })], describe: { rule: "temper", temper: "lerl", initialTemper: INITIAL_TEMPER } }
    : { makeRules: () => [new ResponseTemperRule({ initial: INITIAL_TEMPER })], describe: { rule: "response-temper", temper: "kuaisim", initialTemper: INITIAL_TEMPER, baseline: 2, maxDrop: 2 } };
}

/** Refuses window overrides and a temper choice on presets where they mean nothing, naming the preset's rule. */
export function checkTemperOverrides(preset: string, rule: Record<string, unknown> | undefined, temper: TemperModel | undefined, isTemperPreset: boolean): void {
  if (isTemperPreset && rule && Object.values(rule).some((v) => v !== undefined)) {
    throw new FarsightError("env/bad-option", `preset ${preset} quits on a temper (patience ${INITIAL_TEMPER}, spent slate by slate), which has no window or threshold to override; choose the temper model instead (lerl or kuaisim)`, { rule });
  }
  if (!isTemperPreset && temper !== undefined) {
    throw new FarsightError("env/bad-option", `preset ${preset} quits on a window rule; a temper model applies to synthetic-kuaisim-rules and kuairand-pure-kuaisim-rules only`, { temper });
  }
}
