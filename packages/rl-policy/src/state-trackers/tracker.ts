/**
 * The one interface every state tracker implements: history tokens [B, L, d] (with their validity) in, a state
 * [B, stateDim] out. `EncoderOptions.kind` chooses the tracker; each lives in one file of this folder.
 */
import type { tf } from "../backend.js";
import type { EncoderKind, EncoderOptions, HistoryTokens } from "../encoders.js";
import type { ParamSet } from "../params.js";

export interface StateTracker {
  readonly kind: EncoderKind;
  /** One line for `farsight train --help` and the README. */
  readonly summary: string;
  /** Whether the state depends on the order of the interactions (beyond the newest few for `mean`). */
  readonly orderSensitive: boolean;
  /** Width of the state the tracker produces with these options. */
  stateDim(o: EncoderOptions): number;
  /** States [B, stateDim]; padded positions (`valid` 0) must not change them. Parameters live in `ps`. */
  encode(ps: ParamSet, o: EncoderOptions, h: HistoryTokens): tf.Tensor2D;
}
