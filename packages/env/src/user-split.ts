/**
 * Which users and ratings train and which test: the seeded user split, the fold-in of held-out users' logs,
 * and logs restricted to some users or rows.
 */
import { FarsightError, Rng } from "@farsight/core";
import type { RatingLog } from "./data/dataset.js";

/** Splits users 0..n-1 into train and test (a seeded shuffle); testFraction 0 puts every user in both. */
export function splitUsers(numUsers: number, testFraction: number, seed = 0): { train: Int32Array; test: Int32Array } {
  const all = Int32Array.from({ length: numUsers }, (_, u) => u);
  if (testFraction <= 0) return { train: all, test: all };
  const order = new Rng(seed, "user-split").shuffle(all.slice());
  const nTest = Math.max(1, Math.round(numUsers * testFraction));
  return { test: order.slice(0, nTest).sort(), train: order.slice(nTest).sort() };
}

/**
 * Which of a held-out user's ratings the learned models see: `earliest` (a returning user's history, then
 * the later ratings withheld; needs timestamps) or `random` (a seeded draw, for logs without time).
 */
export type FoldInOrder = "earliest" | "random";

/**
 * Splits a log for held-out users: train users' ratings stay whole; of each test user's ratings a `foldIn`
 * share (rounded) stays and the rest is withheld. The share kept is the user's earliest ratings when the log
 * has timestamps (ties broken by a seeded draw), else a seeded random draw; `order` says which ran.
 */
export function foldInLog(log: RatingLog, testUsers: Int32Array, numUsers: number, foldIn: number, seed = 0): { seen: RatingLog; withheld: RatingLog; order: FoldInOrder } {
  if (!(foldIn >= 0 && foldIn <= 1)) throw new FarsightError("env/bad-option", `foldIn must be a share in [0, 1], got ${foldIn}`, { foldIn });
  const isTest = new Uint8Array(numUsers);
  for (const u of testUsers) isTest[u] = 1;
  const rowsOf = new Map<number, number[]>();
  for (let j = 0; j < log.user.length; j++) {
    const u = log.user[j]!;
    if (!isTest[u]) continue;
    let rows = rowsOf.get(u);
    if (!rows) rowsOf.set(u, (rows = []));
    rows.push(j);
  }
  const withheld = new Uint8Array(log.user.length);
  const rng = new Rng(seed, "fold-in");
  const time = log.timestamp;
  for (const u of [...rowsOf.keys()].sort((a, b) => a - b)) {
    // Shuffled first, so that a stable sort by time breaks ties (same-second ratings) by a seeded draw.
    const rows = rng.shuffle(rowsOf.get(u)!);
    if (time) rows.sort((a, b) => time[a]! - time[b]!);
    for (const j of rows.slice(Math.round(foldIn * rows.length))) withheld[j] = 1;
  }
  const seen: number[] = [], held: number[] = [];
  for (let j = 0; j < log.user.length; j++) (withheld[j] ? held : seen).push(j);
  return { seen: pickRows(log, seen), withheld: pickRows(log, held), order: time ? "earliest" : "random" };
}

function pickRows(log: RatingLog, idx: readonly number[]): RatingLog {
  const pick = (a: ArrayLike<number>) => idx.map((j) => a[j]!);
  return {
    user: Int32Array.from(pick(log.user)),
    item: Int32Array.from(pick(log.item)),
    rating: Float32Array.from(pick(log.rating)),
    ...(log.timestamp ? { timestamp: Float64Array.from(pick(log.timestamp)) } : {}),
  };
}

/** A log restricted to some users. */
export function filterLog(log: RatingLog, users: Int32Array, numUsers: number): RatingLog {
  const keep = new Uint8Array(numUsers);
  for (const u of users) keep[u] = 1;
  const idx: number[] = [];
  for (let j = 0; j < log.user.length; j++) if (keep[log.user[j]!]) idx.push(j);
  return pickRows(log, idx);
}
