/** The state trackers by `EncoderOptions.kind` (see `tracker.ts` for the interface). */
import { FarsightError } from "@farsight/core";
import type { EncoderKind } from "../encoders.js";
import { gruTracker } from "./gru.js";
import { meanTracker } from "./mean.js";
import type { StateTracker } from "./tracker.js";
import { transformerTracker } from "./transformer.js";

export type { StateTracker } from "./tracker.js";

export const STATE_TRACKERS: Readonly<Record<EncoderKind, StateTracker>> = { mean: meanTracker, gru: gruTracker, transformer: transformerTracker };

/** The tracker of a kind; an unknown kind (a hand-edited checkpoint) is an error that lists the known ones. */
export function stateTracker(kind: EncoderKind): StateTracker {
  const t = (STATE_TRACKERS as Record<string, StateTracker | undefined>)[kind];
  if (!t) throw new FarsightError("rl-policy/bad-option", `unknown state tracker (encoder.kind) "${String(kind)}"; known: ${Object.keys(STATE_TRACKERS).join(", ")}`, { kind });
  return t;
}
