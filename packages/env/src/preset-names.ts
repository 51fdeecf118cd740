/**
 * Old preset names still accepted, for one release, with a deprecation warning. `kuaisim` was the synthetic
 * users under KuaiSim's rules (slates of 6, temper), not a model learned from KuaiRand logs: the name said more
 * than the preset is.
 */
export const DEPRECATED_PRESETS: Readonly<Record<string, string>> = { kuaisim: "synthetic-kuaisim-rules" };

const warned = new Set<string>();
/**
 * The current name of a preset: a deprecated name maps to its replacement and warns once per process
 * (a Node DeprecationWarning on stderr, or `warn` when given); other names pass through unchanged.
 */
export function resolvePresetName(name: string, warn?: (message: string) => void): string {
  const now = DEPRECATED_PRESETS[name];
  if (!now) return name;
  const message = `the environment preset "${name}" is now "${now}" (synthetic users under KuaiSim's rules, not a model of KuaiRand); the old name goes away in the next release`;
  if (warn) warn(message);
  else if (!warned.has(name)) {
    warned.add(name);
    process.emitWarning(message, { type: "DeprecationWarning", code: "FARSIGHT_PRESET_RENAMED" });
  }
  return now;
}
