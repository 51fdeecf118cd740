/** The evaluation modes of `bench learn`: its default and what each mode means, for the table headers. */
import type { EvalMode } from "@farsight/env";

/** The modes `bench learn` evaluates in when none is named: NX_0, the no-repeat rule every earlier table used. */
export const DEFAULT_LEARN_MODES: readonly EvalMode[] = ["NX_0"];

/** What each mode means, for the table headers. */
export const MODE_NOTES: Readonly<Record<EvalMode, string>> = {
  FB: "repeats allowed (random and learned policies may repeat; a repeat can end the session), quit rule on",
  NX_0: "no item twice in a session (every agent masks repeats), quit rule on",
  NX_10: "no repeats, no quitting, every session exactly 10 steps",
};
