/**
 * Offline RL from a log: the dataset converter (sessions, states, masks, done) and every offline learner on a log
 * with a known structure. Ground-truth results on Coat are a measurement, not a test (see the README): what the
 * learners do there depends on the quit rule, which no log records.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rng } from "@farsight/core";
import type { QuitRule, RatingLog } from "@farsight/env";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend, tf } from "../backend.js";
import { loadCheckpoint, loadOfflineCheckpoint, loadPolicy, saveCheckpoint } from "../checkpoint.js";
import { banditBatch, banditRewards, tinyContext } from "../fixtures.js";
import type { PolicyContext } from "../policy.js";
import { createOfflineAlgorithm, LogDataset, OFFLINE_ALGORITHMS, trainOffline, type OfflineKind } from "./index.js";

beforeAll(async () => {
  await initBackend();
});

const log = (rows: [user: number, item: number, rating: number, time?: number][]): RatingLog => ({
  user: Int32Array.from(rows, (r) => r[0]),
  item: Int32Array.from(rows, (r) => r[1]),
  rating: Float32Array.from(rows, (r) => r[2]),
  ...(rows.every((r) => r[3] !== undefined) ? { timestamp: Float64Array.from(rows, (r) => r[3]!) } : {}),
});

describe("LogDataset: logged sessions as transitions", () => {
  // User 1's rows come out of time order in the file; user 0 has five ratings, cut into sessions of 3 and 2.
  const timed = log([
    [1, 4, 2, 30],
    [0, 0, 5, 1],
    [0, 1, 4, 2],
    [1, 3, 1, 10],
    [0, 2, 3, 3],
    [0, 5, 1, 4],
    [0, 6, 2, 5],
  ]);

  it("orders each user's rows by time, cuts sessions at sessionLength and ends each with done", () => {
    const d = LogDataset.fromLog(timed, { numItems: 8, sessionLength: 3, historyLength: 2, feedbackScale: 5 });
    expect(d.order).toBe("time");
    expect(Array.from(d.actions)).toEqual([0, 1, 2, 5, 6, 3, 4]);
    expect(Array.from(d.users)).toEqual([0, 0, 0, 0, 0, 1, 1]);
    expect(Array.from(d.rewards)).toEqual([5, 4, 3, 1, 2, 1, 2]);
    expect(Array.from(d.dones)).toEqual([0, 0, 1, 0, 1, 0, 1]);
    expect(d.sessions).toBe(3);
  });

  it("states are the session's last L (item, rating / scale) pairs, newest last; next states add the step", () => {
    const d = LogDataset.fromLog(timed, { numItems: 8, sessionLength: 3, historyLength: 2, feedbackScale: 5 });
    const b = d.batch([0, 2, 3]);
    // Row 0 opens a session: an empty state (pad id 8). Row 2 sees items 0 and 1 cut to the last 2. Row 3 opens
    // the second session of user 0: nothing of the first session leaks in.
    expect(Array.from(b.history.items)).toEqual([8, 8, 0, 1, 8, 8]);
    expect(Array.from(b.history.valid)).toEqual([0, 0, 1, 1, 0, 0]);
    expect(Array.from(b.history.feedback)).toEqual(Array.from(Float32Array.of(0, 0, 1, 0.8, 0, 0)));
    expect(Array.from(b.next.items)).toEqual([8, 0, 1, 2, 8, 5]);
    expect(Array.from(b.actions)).toEqual([0, 2, 5]);
  });

  it("masks forbid the items shown earlier in the session (next masks the step's item too)", () => {
    const d = LogDataset.fromLog(timed, { numItems: 8, sessionLength: 3, historyLength: 2 });
    const b = d.batch([2]);
    expect(Array.from(b.mask)).toEqual([0, 0, 1, 1, 1, 1, 1, 1]);
    expect(Array.from(b.nextMask)).toEqual([0, 0, 0, 1, 1, 1, 1, 1]);
    // A log that holds an item twice in one session: its logged action stays allowed.
    const twice = LogDataset.fromLog(log([[0, 3, 1], [0, 3, 2]]), { numItems: 5, order: "log" });
    expect(twice.batch([1]).mask[3]).toBe(1);
  });

  it("with quitRules, a logged step the simulator's user would quit on is terminal and the next opens a new session", () => {
    // A rule that quits on an item within 1 of an item of the session's last two steps, told steps as the simulator
    // tells them (t = steps already taken in the session, asked before the item joins its window).
    const asked: [number, number][] = [];
    const near: QuitRule = (() => {
      let items: number[] = [];
      return {
        name: "near",
        bind: () => {},
        reset: () => void (items = []),
        shouldQuit: (_slot, t, slates, offset) => {
          asked.push([t, slates[offset]!]);
          return items.slice(Math.max(0, t - 2), t).some((i) => Math.abs(i - slates[offset]!) <= 1);
        },
        push: (_slot, t, slates, offset) => void (items[t] = slates[offset]!),
      };
    })();
    const rows = log([[0, 0, 5], [0, 4, 4], [0, 5, 3], [0, 9, 2], [0, 2, 1], [1, 7, 2]]);
    const plain = LogDataset.fromLog(rows, { numItems: 10, order: "log", historyLength: 3 });
    expect(Array.from(plain.dones)).toEqual([0, 0, 0, 0, 1, 1]);
    expect(plain.quits).toBe(0);
    const d = LogDataset.fromLog(rows, { numItems: 10, order: "log", historyLength: 3, quitRules: [near] });
    // Item 5 comes right after 4: the user quits there (its reward 3 still paid); 9 opens a new session.
    expect(Array.from(d.dones)).toEqual([0, 0, 1, 0, 1, 1]);
    expect(Array.from(d.rewards)).toEqual([5, 4, 3, 2, 1, 2]);
    expect(Array.from(d.sessionStart)).toEqual([0, 0, 0, 3, 3, 5]);
    expect([d.sessions, d.quits]).toEqual([3, 1]);
    expect(asked).toEqual([[0, 0], [1, 4], [2, 5], [0, 9], [1, 2], [0, 7]]);
    // The new session's state is empty: nothing from before the quit leaks in.
    expect(Array.from(d.batch([3]).history.valid)).toEqual([0, 0, 0]);
    expect(Array.from(d.batch([4]).history.items)).toEqual([10, 10, 9]);
  });

  it("a log without time gets a seeded order per user by default, and the file's order on request", () => {
    const rows = Array.from({ length: 20 }, (_, i) => [0, i, 1] as [number, number, number]);
    const a = LogDataset.fromLog(log(rows), { numItems: 20, seed: 1 });
    const b = LogDataset.fromLog(log(rows), { numItems: 20, seed: 1 });
    const c = LogDataset.fromLog(log(rows), { numItems: 20, seed: 2 });
    expect(a.order).toBe("random");
    expect(Array.from(a.actions)).toEqual(Array.from(b.actions));
    expect(Array.from(a.actions)).not.toEqual(Array.from(c.actions));
    expect([...a.actions].sort((x, y) => x - y)).toEqual(rows.map((r) => r[1]));
    expect(Array.from(LogDataset.fromLog(log(rows), { numItems: 20, order: "log" }).actions)).toEqual(rows.map((r) => r[1]));
  });

  it("keeps only the users asked for, and names the row of a bad item or rating", () => {
    expect(Array.from(LogDataset.fromLog(timed, { numItems: 8, users: [1] }).users)).toEqual([1, 1]);
    expect(() => LogDataset.fromLog(log([[0, 1, 1], [0, 9, 1]]), { numItems: 8 })).toThrow(/log row 1: item 9 is outside the catalogue of 8 items/);
    expect(() => LogDataset.fromLog(log([[0, 1, Number.NaN]]), { numItems: 8 })).toThrow(/log row 0: rating NaN/);
    expect(() => LogDataset.fromLog(timed, { numItems: 8, users: [7] })).toThrow(/no rows for the 1 users/);
    expect(() => LogDataset.fromLog(log([[0, 1, 1]]), { numItems: 8, order: "time" })).toThrow(/needs a log with timestamps/);
  });
});

/**
 * A log whose logging policy is half expert: after an item of category c, with probability 1/2 it shows an item of
 * category c + 1 (mod C), which pays 1; otherwise a random item, paying 1 only if it happens to be of that category.
 * The right item depends on the state (the bandit fixture's rule), so a state-blind learner stays at 1/C.
 */
function structuredLog(ctx: PolicyContext, users: number, steps: number, seed: number): RatingLog {
  const rng = new Rng(seed, "offline-test/log");
  const rows: [number, number, number][] = [];
  const c = ctx.numCategories, perCategory = ctx.numItems / c;
  for (let u = 0; u < users; u++) {
    let prev = rng.int(ctx.numItems);
    rows.push([u, prev, 1]);
    for (let t = 1; t < steps; t++) {
      const want = (ctx.itemCategory[prev]! + 1) % c;
      // Items of category k are k, k + C, k + 2C, ... (tinyContext's i mod C).
      const item = rng.float() < 0.5 ? want + c * rng.int(perCategory) : rng.int(ctx.numItems);
      rows.push([u, item, ctx.itemCategory[item] === want ? 1 : 0]);
      prev = item;
    }
  }
  return log(rows);
}

/** The diagnostic each learner must bring down: what it fits to the log. */
const FIT_TERM: Record<OfflineKind, string> = { bc: "nll", bcq: "behaviour", cql: "conservative", crr: "nll" };
/** The Q learners' TD error (Huber, to targets from the frozen target network); BC has none. */
const TD_TERM = { bcq: "td", cql: "td", crr: "critic" } as const;

describe.each(OFFLINE_ALGORITHMS)("%s, trained on a logged dataset alone (shipped defaults)", (kind) => {
  it("fits the log (its fit term falls over the epochs) and acts on the state's structure, from chance to mostly right", async () => {
    const ctx = tinyContext(40, 4, 1);
    const data = LogDataset.fromLog(structuredLog(ctx, 160, 8, 0), { numItems: ctx.numItems, historyLength: 4, order: "log" });
    const algo = createOfflineAlgorithm({ algorithm: kind, context: ctx, policy: { seed: 3, historyLength: 4 } });
    const greedy = () => {
      const h = banditBatch(64, 4, ctx, 999);
      const r = banditRewards(h, algo.policy.act({ history: h, deterministic: true }).slates, ctx);
      return r.reduce((a, x) => a + x, 0) / r.length;
    };
    const before = greedy();
    const epochs = await trainOffline(algo, data, { epochs: 8, batchSize: 64 });
    expect(epochs).toHaveLength(8);
    expect(epochs.at(-1)!.stats[FIT_TERM[kind]]!).toBeLessThan(epochs[0]!.stats[FIT_TERM[kind]]!);
    expect(before).toBeLessThan(0.5);
    expect(greedy()).toBeGreaterThan(0.8);
    // An epoch leaks no tensors (both counts taken right after an update, with no cached item table).
    await trainOffline(algo, data, { epochs: 1 });
    const after = tf.memory().numTensors;
    await trainOffline(algo, data, { epochs: 1 });
    expect(tf.memory().numTensors).toBe(after);
    algo.dispose();
    algo.policy.dispose();
  }, 120_000);
});

describe.each(Object.entries(TD_TERM))("%s's critic on a tiny fixed log (shipped defaults)", (kind, td) => {
  it("regresses on its frozen targets: the TD error at least halves over four epochs, and mean Q is reported", async () => {
    const ctx = tinyContext(40, 4, 1);
    const data = LogDataset.fromLog(structuredLog(ctx, 160, 8, 0), { numItems: ctx.numItems, historyLength: 4, order: "log" });
    const algo = createOfflineAlgorithm({ algorithm: kind as OfflineKind, context: ctx, policy: { seed: 3, historyLength: 4 } });
    const epochs = await trainOffline(algo, data, { epochs: 4, batchSize: 64 });
    // 20 updates an epoch: the target network's first copy comes after update 100, so all four epochs chase the
    // same targets, and the Q head must fit them.
    expect(epochs[3]!.updates).toBe(80);
    expect(epochs[3]!.stats[td]!).toBeLessThan(0.5 * epochs[0]!.stats[td]!);
    // The logged items' Q rises from its start near 0 toward the targets (rewards 0 / 1, gamma 0.9).
    expect(epochs[3]!.stats["qLogged"]!).toBeGreaterThan(epochs[0]!.stats["qLogged"]! + 0.2);
    for (const k of ["qMean", "target"]) expect(Number.isFinite(epochs[3]!.stats[k])).toBe(true);
    algo.dispose();
    algo.policy.dispose();
  }, 60_000);
});

describe("offline checkpoints", () => {
  it.each(OFFLINE_ALGORITHMS)("%s: saved and loaded, it acts exactly as before; loadCheckpoint sends the user to loadOfflineCheckpoint", async (kind) => {
    const dir = await mkdtemp(join(tmpdir(), "rl-offline-"));
    try {
      const ctx = tinyContext(40, 4, 2);
      const data = LogDataset.fromLog(structuredLog(ctx, 20, 6, 1), { numItems: ctx.numItems, historyLength: 4 });
      const algo = createOfflineAlgorithm({ algorithm: kind, context: ctx, policy: { seed: 5, historyLength: 4 } });
      await trainOffline(algo, data, { epochs: 1 });
      const manifest = await saveCheckpoint(dir, algo, { note: kind });
      expect(manifest.kind).toBe(kind);
      const loaded = await loadOfflineCheckpoint(dir);
      expect(loaded.algorithm.updates).toBe(algo.updates);
      const h = banditBatch(8, 4, ctx, 2);
      const act = (p: { act: typeof algo.policy.act }) => Array.from(p.act({ history: h, deterministic: true }).slates);
      expect(act(loaded.policy)).toEqual(act(algo.policy));
      const { policy } = await loadPolicy(dir);
      expect(act(policy)).toEqual(act(algo.policy));
      await expect(loadCheckpoint(dir)).rejects.toThrow(new RegExp(`offline ${kind} policy .*loadOfflineCheckpoint`));
      for (const p of [algo.policy, loaded.policy, policy]) p.dispose();
      algo.dispose();
      loaded.algorithm.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
