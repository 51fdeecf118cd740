/**
 * Deprecated preset names on the command line (`--env kuaisim`, `--env=kuaisim`, `--env synthetic,kuaisim`, `data describe kuaisim`)
 * become their current names before a command parses its flags, with one warning on stderr, so every command
 * accepts them for one release without each knowing the list.
 */
export async function renameDeprecatedPresets(args: readonly string[], warn: (message: string) => void): Promise<string[]> {
  // Cheap test first: @farsight/env is only loaded when an old name may be on the line.
  if (!args.some((a) => a.includes("kuaisim"))) return [...args];
  const { DEPRECATED_PRESETS, resolvePresetName } = await import("@farsight/env");
  const one = (name: string) => (name in DEPRECATED_PRESETS ? resolvePresetName(name, (m) => warn(`farsight: warning: ${m}\n`)) : name);
  // `bench learn --env synthetic,kuaisim` takes a list.
  const rename = (value: string) => value.split(",").map(one).join(",");
  return args.map((a, k) => {
    if (a.startsWith("--env=")) return `--env=${rename(a.slice(6))}`;
    const prev = args[k - 1];
    if (prev === "--env" || (prev === "describe" && args[k - 2] === undefined)) return rename(a);
    return a;
  });
}
