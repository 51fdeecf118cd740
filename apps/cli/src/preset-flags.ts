/**
 * The flags of every command that builds an environment preset: the quit rule's window and threshold, and
 * whose sessions are evaluated (held-out users, or EasyRL4Rec's same users). One table, one parser and one
 * help text, so that every command reads them alike and states the setting it ran with.
 */
import { SYNTHETIC_SIZES, TEMPER_MODELS, USER_MODELS, type PresetOptions, type TemperModel, type UserModelKind } from "@farsight/env";
import { UsageError } from "./errors.js";
import { defineFlags } from "./flag-table.js";
import { choiceFlag, intFlag, numberFlag } from "./flags.js";

/**
 * The preset flags as a flag-table fragment: spread into a command's table (`flags: { ...PRESET_FLAG_TABLE }`).
 * The table checks the values as {@link presetOptionsFrom} does (same bounds, same messages); a command passes its
 * raw `given` values to `presetOptionsFrom` (or `givenPresetFlags`) to get the preset options.
 */
export const PRESET_FLAG_TABLE = defineFlags({
  "quit-window": {
    kind: "int", min: 1, group: "Preset", defaultHelp: "the preset's",
    help: "look-back window of the preset's quit rule (window rules).",
  },
  "quit-threshold": {
    kind: "number", min: 0, group: "Preset",
    defaultHelp: "the preset's: EasyRL4Rec's where it set one on the same data, else calibrated to the dataset's item distances; `farsight data describe` shows how",
    help: "the rule's threshold: a count for category windows, the distance theta for distance windows.",
  },
  temper: {
    kind: "choice", choices: TEMPER_MODELS, placeholder: "MODEL", group: "Preset", defaultHelp: "the preset's: lerl on synthetic-kuaisim-rules, kuaisim on kuairand-pure-kuaisim-rules",
    help: "leave model of the temper presets (patience 20).",
    choiceHelp: { lerl: "LERL's: -1 per slate, -1 more when a slot repeats the previous slate's category; clicks do not count", kuaisim: "KuaiSim's own: each slate costs 2 minus its click rate" },
  },
  "user-model": {
    kind: "choice", choices: USER_MODELS, placeholder: "MODEL", group: "Preset", defaultHelp: "mf",
    help: "the predicted world, learned from the training log: what policies train on where a preset trains on predictions, and what greedy and round-robin score with.",
    choiceHelp: {
      mf: "matrix factorisation",
      deepfm: "one DeepFM on ids and side features",
      ensemble: "2 MF + 2 DeepFM, mean and std",
      "deepfm-ensemble": "5 DeepFMs of different seeds (EasyRL4Rec's), mean and std",
      "deepfm-ips": "DeepFM weighted by 1 / propensity, clipped at 100 (coat only)",
    },
  },
  "uncertainty-penalty": {
    kind: "number", min: 0, placeholder: "L", group: "Preset", defaultHelp: "0",
    help: "the predicted world pays prediction - L x the ensemble's per-cell std (DORL / MOPO); needs --user-model ensemble or deepfm-ensemble.",
  },
  items: {
    kind: "int", min: SYNTHETIC_SIZES.items.min, max: SYNTHETIC_SIZES.items.max, group: "Preset", defaultHelp: String(SYNTHETIC_SIZES.items.default),
    help: "items of the synthetic presets' catalog (the catalog-size family; @farsight/env's README says what scales with it).",
  },
  categories: {
    kind: "int", min: SYNTHETIC_SIZES.categories.min, max: SYNTHETIC_SIZES.categories.max, group: "Preset", defaultHelp: String(SYNTHETIC_SIZES.categories.default),
    help: "categories of the synthetic presets; favourites per user, the category quit window and the boredom decay scale with categories / 20.",
  },
  "same-users": {
    kind: "boolean", group: "Preset",
    help: "sessions of the training users, who trained the models on their whole log (EasyRL4Rec's conformance setting); " +
      "without it 20% of users are held out, their sessions never trained on and half of their logged ratings (the later half where the log has timestamps) withheld from every learned model.",
  },
});

type PresetFlagValues = { "quit-window"?: string; "quit-threshold"?: string; temper?: string; "user-model"?: string; "uncertainty-penalty"?: string; items?: string; categories?: string; "same-users"?: boolean };

/** The preset options the flags ask for (checked: a bad value is a usage error naming the flag). */
export function presetOptionsFrom(values: PresetFlagValues): Pick<PresetOptions, "rule" | "sameUsers" | "temper" | "items" | "categories"> & { userModel?: { kind: UserModelKind; uncertaintyPenalty: number } } {
  const size = (flag: "items" | "categories") => {
    const r = SYNTHETIC_SIZES[flag];
    return values[flag] === undefined ? {} : { [flag]: intFlag(flag, values[flag], r.default, r.min, r.max) };
  };
  const window = values["quit-window"] === undefined ? undefined : intFlag("quit-window", values["quit-window"], 0, 1);
  const threshold = values["quit-threshold"] === undefined ? undefined : numberFlag("quit-threshold", values["quit-threshold"], 0, { min: 0 });
  const temper: TemperModel | undefined = values.temper === undefined ? undefined : choiceFlag("temper", values.temper, TEMPER_MODELS, "lerl");
  const kind: UserModelKind | undefined = values["user-model"] === undefined ? undefined : choiceFlag("user-model", values["user-model"], USER_MODELS, "mf");
  const penalty = values["uncertainty-penalty"] === undefined ? 0 : numberFlag("uncertainty-penalty", values["uncertainty-penalty"], 0, { min: 0 });
  if (penalty > 0 && kind !== "ensemble" && kind !== "deepfm-ensemble") {
    throw new UsageError(`--uncertainty-penalty needs --user-model ensemble or deepfm-ensemble (the penalty is the members' disagreement), got --user-model ${kind ?? "mf (the default)"}`);
  }
  const userModel = kind !== undefined || penalty > 0 ? { kind: kind ?? "mf", uncertaintyPenalty: penalty } : undefined;
  const rule = { ...(window !== undefined ? { window } : {}), ...(threshold !== undefined ? { threshold } : {}) };
  return {
    ...(Object.keys(rule).length ? { rule } : {}), ...(temper !== undefined ? { temper } : {}), ...size("items"), ...size("categories"), ...(userModel ? { userModel } : {}), ...(values["same-users"] ? { sameUsers: true } : {}),
  };
}

/** The flags as given, for a run's config (a resume passes them again). */
export function givenPresetFlags(values: PresetFlagValues): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (const k of Object.keys(PRESET_FLAG_TABLE) as (keyof PresetFlagValues)[]) if (values[k] !== undefined && values[k] !== false) out[k] = values[k]!;
  return out;
}

/** One line on the quit rule a preset runs with and where its threshold came from. */
export function quitRuleLine(d: Record<string, unknown>): string {
  const num = (v: unknown) => (typeof v === "number" && !Number.isInteger(v) ? v.toFixed(3) : String(v));
  switch (d["rule"]) {
    case "distance-window": {
      const source = d["thetaSource"] === "calibrated" ? "calibrated to the dataset's item distances" : d["thetaSource"] === "EasyRL4Rec" ? "EasyRL4Rec's" : "given";
      return `quit rule: distance window ${num(d["window"])}, theta ${num(d["theta"])} (${source}), at most ${num(d["maxSteps"])} steps`;
    }
    case "category-window":
      return `quit rule: category window ${num(d["window"])}, threshold ${num(d["threshold"])}${d["thresholdSource"] ? ` (${String(d["thresholdSource"])})` : ""}, at most ${num(d["maxSteps"])} steps`;
    case "temper":
      return `quit rule: LERL's temper from ${num(d["initialTemper"])} (-1 per slate, -1 more for a slot repeating its category), at most ${num(d["maxSteps"])} steps`;
    case "response-temper":
      return `quit rule: KuaiSim's temper from ${num(d["initialTemper"])} (each slate costs ${num(d["baseline"])} minus its click rate), at most ${num(d["maxSteps"])} steps`;
    default:
      return `quit rule: ${String(d["rule"])}`;
  }
}
