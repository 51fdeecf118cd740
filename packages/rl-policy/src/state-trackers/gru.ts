/**
 * The `gru` state tracker (EasyRL4Rec's GRU, GRU4Rec's recurrence): one GRU layer over the window, oldest to newest.
 */
import { tf } from "../backend.js";
import type { EncoderOptions, HistoryTokens } from "../encoders.js";
import type { ParamSet } from "../params.js";
import type { StateTracker } from "./tracker.js";

/** GRU over the window, oldest to newest; padded steps keep the previous hidden state. */
export function gruEncode(ps: ParamSet, o: EncoderOptions, tokens: tf.Tensor3D, valid: tf.Tensor2D): tf.Tensor2D {
  const [b, l, d] = tokens.shape;
  const hDim = o.stateDim;
  // Gates z, r and candidate n from one fused input matrix and one fused recurrent matrix.
  const wx = ps.get("enc/gru/wx", [d, 3 * hDim]);
  const wh = ps.get("enc/gru/wh", [hDim, 3 * hDim]);
  const bias = ps.get("enc/gru/b", [3 * hDim], "zeros");
  const xs = tf.add(tf.matMul(tf.reshape(tokens, [b * l, d]), wx), bias);
  const xSteps = tf.unstack(tf.reshape(xs, [b, l, 3 * hDim]), 1);
  const masks = tf.unstack(tf.expandDims(valid, 2), 1);
  let h: tf.Tensor = tf.zeros([b, hDim]);
  for (let t = 0; t < l; t++) {
    const [xz, xr, xn] = tf.split(xSteps[t]!, 3, 1);
    const hh = tf.matMul(h, wh);
    const [hz, hr, hn] = tf.split(hh, 3, 1);
    const z = tf.sigmoid(tf.add(xz!, hz!));
    const r = tf.sigmoid(tf.add(xr!, hr!));
    const n = tf.tanh(tf.add(xn!, tf.mul(r, hn!)));
    const next = tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, h));
    const m = masks[t]!;
    h = tf.add(tf.mul(m, next), tf.mul(tf.sub(1, m), h));
  }
  return h as tf.Tensor2D;
}

export const gruTracker: StateTracker = {
  kind: "gru",
  summary: "one GRU layer over the window, oldest to newest",
  orderSensitive: true,
  stateDim: (o) => o.stateDim,
  encode: (ps: ParamSet, o: EncoderOptions, h: HistoryTokens) => gruEncode(ps, o, h.tokens, h.valid),
};
