/**
 * Flags several commands share, declared once so their names, defaults and help read the same everywhere.
 * Spread them into a command's table (`flags: { ...ENV_FLAG, ... }`).
 */
import { PRESETS } from "@farsight/env";
import { defineFlags } from "./flag-table.js";

/** `--env <preset>`: which environment preset to load. */
export const ENV_FLAG = defineFlags({
  env: { kind: "choice", choices: PRESETS, default: "synthetic", placeholder: "PRESET", help: "environment preset." },
});

/** `--data-dir DIR`: where datasets are looked for first. */
export const DATA_DIR_FLAG = defineFlags({
  "data-dir": {
    kind: "path",
    placeholder: "DIR",
    defaultHelp: "$FARSIGHT_DATA_DIR, ~/.farsight/data, <repo>/../shared/data, in that order",
    help: "where datasets are looked for first.",
  },
});

/** `--json`: one JSON object on stdout instead of text. */
export const JSON_FLAG = defineFlags({
  json: { kind: "boolean", help: "print one JSON object on stdout instead of text." },
});
