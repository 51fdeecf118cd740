/**
 * Logged transitions from a rating log (a preset's `EnvSetup.trainLog`), for learning without environment
 * interaction (EasyRL4Rec's batch-RL setting, its "sequential" buffer).
 *
 * How the log becomes sessions:
 * - rows are grouped per user and ordered by timestamp where the log has them (MovieLens, Kuai); a log without time
 *   (Coat's rating matrix, whose rows come in item-id order, and the synthetic log) is put in a seeded random order
 *   per user, so that no state encodes the file's item order (`order` overrides);
 * - each user's ordered ratings are cut into sessions of at most `sessionLength` steps (30 by default, the
 *   simulators' step limit);
 * - a step's state is what the policy's encoder reads in the simulator: the last `historyLength` (item, feedback /
 *   `feedbackScale`) pairs of the session before the step, newest last (`readHistory`'s layout); the action is the
 *   logged item, the reward the logged rating (or click) as it is, unscaled;
 * - `done` is set on the last step of every session. A log records no quit (a user who stopped rating is not told
 *   apart from one the log ends for), so by default the end of the logged session is the only terminal state, and
 *   nothing in the data tells a learner what the simulator's quit rule punishes (near-duplicates, category streaks).
 * - With `quitRules` (the preset's `setup.makeRules()`, the rule the online learners train under), the logged items
 *   are replayed through the rule, as EasyRL4Rec builds its offline buffer: a step on which the simulator's user
 *   would quit is terminal (its logged reward still paid, as the simulator pays it), and the user's next logged item
 *   opens a new session with an empty history. Only termination comes from the rule; states, actions and rewards
 *   stay the log's.
 *
 * Masks: `mask` allows the items not yet shown in the session before the step (what `PolicyAgent` acts under by
 * default, and NX modes always), `nextMask` those not shown through the step (for bootstrap targets). Masks and
 * histories are built per batch from the session's item sequence, so the dataset's memory is O(rows), not O(rows x items).
 */
import { FarsightError, Rng } from "@farsight/core";
import type { QuitRule, RatingLog } from "@farsight/env";
import type { HistoryBatch } from "../encoders.js";
import { emptyHistory } from "../features.js";

/** How a user's rows are ordered: by timestamp, as in the file, or a seeded shuffle; `auto` = time if the log has it, else random. */
export type LogOrder = "auto" | "time" | "log" | "random";

/** Options of {@link LogDataset.fromLog}. */
export interface LogDatasetOptions {
  /** Items in the catalogue (the pad id of histories). Required. */
  numItems: number;
  /** History length L of the policy that will learn (its `options.historyLength`). Default 10. */
  historyLength: number;
  /** The policy's feedback scale (5 for 1..5 ratings): feedback in a history token is rating / scale. Default 1. */
  feedbackScale: number;
  /** Users whose rows are used (e.g. `setup.trainUsers`); default every user in the log. */
  users?: ArrayLike<number>;
  /** Steps per session at most (longer user logs are cut). Default 30. */
  sessionLength: number;
  /** Row order within a user. Default `auto`. */
  order: LogOrder;
  /** Seeds the `random` order. Default 0. */
  seed: number;
  /** The simulator's quit rules, replayed over each logged session to mark quits terminal (see above). Default none. */
  quitRules?: readonly QuitRule[];
}

export const DEFAULT_LOG_DATASET_OPTIONS: Omit<LogDatasetOptions, "numItems"> = { historyLength: 10, feedbackScale: 1, sessionLength: 30, order: "auto", seed: 0 };

/** A batch of logged transitions (B rows), as the offline learners read it. */
export interface OfflineBatch {
  readonly size: number;
  /** States before the step. */
  readonly history: HistoryBatch;
  /** The logged item of each row. */
  readonly actions: Int32Array;
  /** The logged rating / click. */
  readonly rewards: Float32Array;
  /** 1 on the last step of a logged session. */
  readonly dones: Uint8Array;
  /** States after the step (meaningless where `dones` is 1: targets mask them). */
  readonly next: HistoryBatch;
  /** Items allowed before the step (not yet shown in the session), B*N. */
  readonly mask: Uint8Array;
  /** Items allowed after the step, B*N. */
  readonly nextMask: Uint8Array;
}

/** Logged sessions as transitions; rows are in session order (row r+1 follows r within a session). */
export class LogDataset {
  /** Logged item per row. */
  readonly actions: Int32Array;
  readonly rewards: Float32Array;
  readonly dones: Uint8Array;
  /** User per row. */
  readonly users: Int32Array;
  /** First row of the row's session. */
  readonly sessionStart: Int32Array;
  /** Feedback per row as a history token reads it (rating / feedbackScale). */
  private readonly tokenFeedback: Float32Array;

  private constructor(
    readonly options: LogDatasetOptions,
    rows: { actions: Int32Array; rewards: Float32Array; dones: Uint8Array; users: Int32Array; sessionStart: Int32Array },
    /** Sessions in the dataset. */
    readonly sessions: number,
    /** How rows were ordered within users (what `auto` resolved to). */
    readonly order: Exclude<LogOrder, "auto">,
    /** Steps the quit rules marked terminal (0 without `quitRules`). */
    readonly quits: number,
  ) {
    this.actions = rows.actions;
    this.rewards = rows.rewards;
    this.dones = rows.dones;
    this.users = rows.users;
    this.sessionStart = rows.sessionStart;
    this.tokenFeedback = Float32Array.from(rows.rewards, (r) => r / options.feedbackScale);
  }

  /** Builds the dataset from a rating log. Errors name the log row and the problem. */
  static fromLog(log: RatingLog, options: Partial<LogDatasetOptions> & { numItems: number }): LogDataset {
    const o: LogDatasetOptions = { ...DEFAULT_LOG_DATASET_OPTIONS, ...options };
    for (const k of ["numItems", "historyLength", "sessionLength"] as const) {
      if (!Number.isInteger(o[k]) || o[k] < 1) throw new FarsightError("rl-policy/bad-option", `log dataset option ${k} must be an integer >= 1, got ${o[k]}`, { [k]: o[k] });
    }
    if (!(o.feedbackScale > 0)) throw new FarsightError("rl-policy/bad-option", `log dataset option feedbackScale must be > 0, got ${o.feedbackScale}`, {});
    const order = o.order === "auto" ? (log.timestamp ? "time" : "random") : o.order;
    if (order === "time" && !log.timestamp) throw new FarsightError("rl-policy/bad-option", "log dataset order \"time\" needs a log with timestamps; this one has none (use \"random\" or \"log\")", {});
    const keep = o.users ? new Set(Array.from(o.users)) : null;
    const byUser = new Map<number, number[]>();
    for (let r = 0; r < log.user.length; r++) {
      const u = log.user[r]!, item = log.item[r]!, rating = log.rating[r]!;
      if (keep && !keep.has(u)) continue;
      if (!(item >= 0 && item < o.numItems)) throw new FarsightError("rl-policy/bad-log", `log row ${r}: item ${item} is outside the catalogue of ${o.numItems} items`, { row: r, item });
      if (!Number.isFinite(rating)) throw new FarsightError("rl-policy/bad-log", `log row ${r}: rating ${rating} is not a finite number`, { row: r });
      let list = byUser.get(u);
      if (!list) byUser.set(u, (list = []));
      list.push(r);
    }
    const rng = new Rng(o.seed, "log-dataset/order");
    const n = [...byUser.values()].reduce((a, l) => a + l.length, 0);
    const rows = { actions: new Int32Array(n), rewards: new Float32Array(n), dones: new Uint8Array(n), users: new Int32Array(n), sessionStart: new Int32Array(n) };
    const rules = o.quitRules ?? [];
    for (const rule of rules) rule.bind(1, 1);
    const slate = new Int32Array(1), feedback = new Float32Array(1);
    let at = 0, sessions = 0, quits = 0;
    for (const u of [...byUser.keys()].sort((a, b) => a - b)) {
      let list = byUser.get(u)!;
      if (order === "time") list = list.sort((a, b) => log.timestamp![a]! - log.timestamp![b]! || a - b);
      else if (order === "random") list = Array.from(rng.shuffle(Int32Array.from(list)));
      // t: steps already taken in the current session (the quit rules' step index).
      let t = 0;
      for (let i = 0; i < list.length; i++) {
        const r = list[i]!;
        if (t === 0) {
          sessions++;
          for (const rule of rules) rule.reset(0);
        }
        slate[0] = log.item[r]!;
        feedback[0] = log.rating[r]!;
        // The simulator's order: asked before the item joins the rule's window, the step's reward paid either way.
        const quit = rules.some((rule) => rule.shouldQuit(0, t, slate, 0, feedback));
        for (const rule of rules) rule.push(0, t, slate, 0);
        if (quit) quits++;
        rows.actions[at] = slate[0];
        rows.rewards[at] = feedback[0];
        rows.users[at] = u;
        rows.sessionStart[at] = t === 0 ? at : rows.sessionStart[at - 1]!;
        const end = quit || i === list.length - 1 || t + 1 === o.sessionLength;
        rows.dones[at] = end ? 1 : 0;
        t = end ? 0 : t + 1;
        at++;
      }
    }
    if (n === 0) throw new FarsightError("rl-policy/empty-log", `the log has no rows${keep ? ` for the ${keep.size} users asked for` : ""}: nothing to learn from`, {});
    return new LogDataset(o, rows, sessions, order, quits);
  }

  /** Transitions in the dataset. */
  get size(): number {
    return this.actions.length;
  }

  /** The states before (or, with `after`, after) the steps of `rows`. */
  history(rows: ArrayLike<number>, after = false): HistoryBatch {
    const l = this.options.historyLength;
    const out = emptyHistory(rows.length, l, this.options.numItems);
    for (let b = 0; b < rows.length; b++) {
      const r = rows[b]!;
      const end = after ? r + 1 : r;
      const from = Math.max(this.sessionStart[r]!, end - l);
      let j = l - 1;
      for (let s = end - 1; s >= from; s--, j--) {
        out.items[b * l + j] = this.actions[s]!;
        out.feedback[b * l + j] = this.tokenFeedback[s]!;
        out.valid[b * l + j] = 1;
      }
    }
    return out;
  }

  /** Items not yet shown in the session before (or through, with `after`) the steps of `rows`, B*N (1 = allowed). */
  mask(rows: ArrayLike<number>, after = false): Uint8Array {
    const n = this.options.numItems;
    const out = new Uint8Array(rows.length * n).fill(1);
    for (let b = 0; b < rows.length; b++) {
      const r = rows[b]!;
      for (let s = this.sessionStart[r]!; s < (after ? r + 1 : r); s++) out[b * n + this.actions[s]!] = 0;
      // A log that holds the same item twice in a session: its logged action stays allowed (a learner's
      // log-likelihood of it would otherwise be minus infinity).
      if (!after) out[b * n + this.actions[r]!] = 1;
    }
    return out;
  }

  /** The transitions of `rows`. */
  batch(rows: ArrayLike<number>): OfflineBatch {
    const pick = <T extends Int32Array | Float32Array | Uint8Array>(src: T, make: (k: number) => T) => {
      const out = make(rows.length);
      for (let b = 0; b < rows.length; b++) out[b] = src[rows[b]!]!;
      return out;
    };
    return {
      size: rows.length,
      history: this.history(rows),
      actions: pick(this.actions, (k) => new Int32Array(k)),
      rewards: pick(this.rewards, (k) => new Float32Array(k)),
      dones: pick(this.dones, (k) => new Uint8Array(k)),
      next: this.history(rows, true),
      mask: this.mask(rows),
      nextMask: this.mask(rows, true),
    };
  }
}
