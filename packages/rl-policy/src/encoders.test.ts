import { beforeAll, describe, expect, it } from "vitest";
import { initBackend, tf } from "./backend.js";
import { stateDimOf, type EncoderKind, type HistoryBatch } from "./encoders.js";
import { tinyContext } from "./fixtures.js";
import { A2CPolicy } from "./a2c.js";

beforeAll(async () => {
  await initBackend();
});

/** Two histories: one full, one with 2 real interactions (right-aligned) and padding. */
function batch(padItem: number, padFill: number): HistoryBatch {
  const l = 5;
  const items = Int32Array.from([1, 2, 3, 4, 5, padFill, padFill, padFill, 6, 7]);
  const valid = Float32Array.from([1, 1, 1, 1, 1, 0, 0, 0, 1, 1]);
  for (let i = 0; i < items.length; i++) if (!valid[i]) items[i] = padFill === -1 ? padItem : padFill;
  return { batchSize: 2, length: l, items, feedback: Float32Array.from([1, 0, 1, 0, 1, 0, 0, 0, 1, 1]), valid };
}

describe("state encoders", () => {
  for (const kind of ["mean", "gru", "transformer"] as EncoderKind[]) {
    it(`${kind}: right shape, ignores what sits in padded rows, depends on real rows`, () => {
      const ctx = tinyContext(20, 4);
      const enc = { kind, itemDim: 16, stateDim: 24, transformer: { heads: 4, layers: 3, ffnDim: 16 } };
      const p = new A2CPolicy(ctx, { seed: 1, historyLength: 5, encoder: enc });
      const states = (h: HistoryBatch) => tf.tidy(() => Array.from(p.encode(h, p.table()).dataSync()));
      const a = states(batch(20, -1));
      const b = states(batch(20, 13)); // other ids in the padded rows
      expect(a.length).toBe(2 * stateDimOf(p.options.encoder));
      for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i]!, 5);
      const changed = batch(20, -1);
      changed.items[9] = 11; // the newest real interaction of session 2
      const c = states(changed);
      const d = stateDimOf(p.options.encoder);
      expect(c.slice(0, d)).toEqual(a.slice(0, d));
      expect(c.slice(d).some((x, i) => Math.abs(x - a[d + i]!) > 1e-6)).toBe(true);
      p.dispose();
    });
  }

  it("the transformer keeps LERL's shape as an option (d = 64, 4 heads, 3 layers)", () => {
    const p = new A2CPolicy(tinyContext(20, 4), { seed: 1, historyLength: 5, encoder: { kind: "transformer", itemDim: 64 } });
    expect(p.options.encoder.transformer).toEqual({ heads: 4, layers: 3, ffnDim: 64 });
    expect(p.params.names().filter((n) => /^enc\/tf\/l\d+\//.test(n)).map((n) => n.split("/")[2]).filter((x, i, xs) => xs.indexOf(x) === i)).toEqual(["l0", "l1", "l2"]);
    p.dispose();
  });
});
