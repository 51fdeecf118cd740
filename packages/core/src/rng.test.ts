import { describe, expect, it } from "vitest";
import { Rng, hashString } from "./rng.js";

/** Pearson chi-square statistic of observed counts against equal expected counts. */
function chiSquareUniform(counts: number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  return counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
}

describe("Rng reproducibility", () => {
  it("gives the same sequence for the same seed and key", () => {
    const a = new Rng(42, "env");
    const b = new Rng(42, "env");
    const xs = Array.from({ length: 1000 }, () => a.nextUint32());
    const ys = Array.from({ length: 1000 }, () => b.nextUint32());
    expect(xs).toEqual(ys);
  });

  it("gives different sequences for different seeds", () => {
    const xs = Array.from({ length: 64 }, (_, i) => new Rng(i).nextUint32());
    expect(new Set(xs).size).toBe(64);
  });

  it("round-trips its state, the pending normal spare included", () => {
    const a = new Rng(7);
    a.normal(); // leaves a spare
    const state = a.getState();
    const next = [a.normal(), a.float(), a.int(100)];
    const b = new Rng(999);
    b.setState(JSON.parse(JSON.stringify(state)));
    expect([b.normal(), b.float(), b.int(100)]).toEqual(next);
  });

  it("rejects non-integer seeds", () => {
    expect(() => new Rng(0.5)).toThrow(/safe integer/);
  });

  it("accepts seeds above 2^32 and distinguishes them", () => {
    expect(new Rng(2 ** 40).nextUint32()).not.toBe(new Rng(2 ** 40 + 2 ** 32).nextUint32());
  });
});

describe("Rng stream independence", () => {
  it("keyed streams do not depend on draws made on other streams", () => {
    const root = new Rng(5);
    const before = root.derive("users").nextUint32();
    for (let i = 0; i < 100; i++) root.nextUint32();
    root.derive("policy").float();
    expect(root.derive("users").nextUint32()).toBe(before);
  });

  it("streams with different keys are uncorrelated", () => {
    const a = new Rng(1, "a");
    const b = new Rng(1, "b");
    const n = 20000;
    let sa = 0, sb = 0, sab = 0, saa = 0, sbb = 0;
    for (let i = 0; i < n; i++) {
      const x = a.float();
      const y = b.float();
      sa += x; sb += y; sab += x * y; saa += x * x; sbb += y * y;
    }
    const cov = sab / n - (sa / n) * (sb / n);
    const corr = cov / Math.sqrt((saa / n - (sa / n) ** 2) * (sbb / n - (sb / n) ** 2));
    expect(Math.abs(corr)).toBeLessThan(0.03);
  });

  it("nested derive differs from its parent and siblings", () => {
    const r = new Rng(3, "run");
    const vals = [r.derive("x"), r.derive("y"), r.derive("x").derive("y"), new Rng(3, "run")].map((g) => g.nextUint32());
    expect(new Set(vals).size).toBe(4);
    expect(r.derive("x").key).toBe("run/x");
  });

  it("hashString is FNV-1a", () => {
    expect(hashString("")).toBe(0x811c9dc5);
    expect(hashString("a")).toBe(0xe40c292c);
  });
});

describe("Rng distributions (fixed seeds)", () => {
  it("float is uniform on [0, 1)", () => {
    const r = new Rng(11);
    const bins = new Array(20).fill(0);
    let min = 1, max = 0;
    for (let i = 0; i < 100000; i++) {
      const x = r.float();
      min = Math.min(min, x);
      max = Math.max(max, x);
      bins[Math.floor(x * 20)]++;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    // 19 degrees of freedom: the 0.999 quantile is 43.8.
    expect(chiSquareUniform(bins)).toBeLessThan(43.8);
  });

  it("int(n) is unbiased, including a non-power-of-two n", () => {
    const r = new Rng(12);
    const counts = new Array(7).fill(0);
    for (let i = 0; i < 70000; i++) counts[r.int(7)]++;
    expect(chiSquareUniform(counts)).toBeLessThan(22.5); // df 6, p = 0.999
    expect(() => r.int(0)).toThrow(RangeError);
    const inRange = Array.from({ length: 1000 }, () => r.intBetween(-3, 3));
    expect(Math.min(...inRange)).toBe(-3);
    expect(Math.max(...inRange)).toBe(3);
  });

  it("normal has the requested mean and standard deviation", () => {
    const r = new Rng(13);
    const n = 50000;
    let s = 0, ss = 0, within1 = 0;
    for (let i = 0; i < n; i++) {
      const z = r.normal(2, 3);
      s += z;
      ss += z * z;
      if (Math.abs(z - 2) < 3) within1++;
    }
    const m = s / n;
    const sd = Math.sqrt(ss / n - m * m);
    expect(Math.abs(m - 2)).toBeLessThan(0.05);
    expect(sd).toBeGreaterThan(2.95);
    expect(sd).toBeLessThan(3.05);
    expect(Math.abs(within1 / n - 0.6827)).toBeLessThan(0.01);
  });

  it("categorical follows the weights and never picks a zero weight", () => {
    const r = new Rng(14);
    const w = [1, 0, 3, 6];
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 50000; i++) counts[r.categorical(w)]++;
    expect(counts[1]).toBe(0);
    // Tolerance 0.01 is > 4.5 standard errors at n = 50,000.
    expect(Math.abs(counts[0]! / 50000 - 0.1)).toBeLessThan(0.01);
    expect(Math.abs(counts[2]! / 50000 - 0.3)).toBeLessThan(0.01);
    expect(Math.abs(counts[3]! / 50000 - 0.6)).toBeLessThan(0.01);
    expect(() => r.categorical([0, 0])).toThrow(/zero/);
    expect(() => r.categorical([1, NaN])).toThrow(/weight 1/);
  });

  it("shuffle makes every permutation of 3 equally likely", () => {
    const r = new Rng(15);
    const counts = new Map<string, number>();
    for (let i = 0; i < 60000; i++) {
      const key = r.shuffle([0, 1, 2]).join("");
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    expect(chiSquareUniform([...counts.values()])).toBeLessThan(20.5); // df 5, p = 0.999
  });

  it("sample draws distinct values with equal inclusion probability (sparse and dense paths)", () => {
    const r = new Rng(16);
    for (const [n, k] of [[100, 5], [10, 8]] as const) {
      const counts = new Array(n).fill(0);
      const trials = 20000;
      for (let t = 0; t < trials; t++) {
        const s = r.sample(n, k);
        expect(new Set(s).size).toBe(k);
        for (const x of s) counts[x]++;
      }
      // Each value is included with probability k/n.
      for (const c of counts) expect(Math.abs(c / trials - k / n)).toBeLessThan(0.02);
    }
    expect(() => r.sample(3, 4)).toThrow(RangeError);
  });

  it("sampleWeighted draws successively proportional to the weights", () => {
    const r = new Rng(17);
    const w = [8, 1, 1, 0];
    let firstIs0 = 0;
    for (let t = 0; t < 20000; t++) {
      const s = r.sampleWeighted(w, 3);
      expect(new Set(s).size).toBe(3);
      expect(s).not.toContain(3); // zero weight comes only after all positive ones
      if (s[0] === 0) firstIs0++;
    }
    expect(Math.abs(firstIs0 / 20000 - 0.8)).toBeLessThan(0.015);
  });
});
