import { describe, expect, it } from "vitest";
import { GroupCommit } from "./group-commit.js";

/** A `run` whose batches finish when the test says so. */
function gated() {
  const batches: number[][] = [];
  const finish: (() => void)[] = [];
  const fail: ((e: Error) => void)[] = [];
  const run = (requests: number[]) => {
    batches.push(requests);
    return new Promise<number[]>((resolve, reject) => {
      finish.push(() => resolve(requests.map((r) => r * 10)));
      fail.push(reject);
    });
  };
  return { batches, finish, fail, run };
}

const tick = () => new Promise((r) => setImmediate(r));

describe("GroupCommit", () => {
  it("sends a lone request at once, and what arrives meanwhile as the next batch, each answered in order", async () => {
    const g = gated();
    const commit = new GroupCommit(g.run);
    const first = commit.submit(1);
    expect(g.batches).toEqual([[1]]);
    const later = [commit.submit(2), commit.submit(3), commit.submit(4)];
    await tick();
    expect(g.batches).toEqual([[1]]);
    g.finish[0]!();
    expect(await first).toBe(10);
    await tick();
    expect(g.batches).toEqual([[1], [2, 3, 4]]);
    g.finish[1]!();
    expect(await Promise.all(later)).toEqual([20, 30, 40]);
    expect([commit.batches, commit.requests]).toEqual([2, 4]);
  });

  it("keeps batches to maxBatch and runs up to `concurrency` at once", async () => {
    const g = gated();
    const commit = new GroupCommit(g.run, { concurrency: 2, maxBatch: 2 });
    const all = [1, 2, 3, 4, 5].map((r) => commit.submit(r));
    // 1 goes alone at once, 2 too (a second batch may be in flight); 3, 4, 5 wait, then go two at a time.
    expect(g.batches).toEqual([[1], [2]]);
    g.finish[0]!();
    await tick();
    expect(g.batches).toEqual([[1], [2], [3, 4]]);
    g.finish[1]!();
    await tick();
    expect(g.batches).toEqual([[1], [2], [3, 4], [5]]);
    g.finish[2]!();
    g.finish[3]!();
    expect(await Promise.all(all)).toEqual([10, 20, 30, 40, 50]);
  });

  it("a failed batch fails each of its requests and no other; the next batch still goes", async () => {
    const g = gated();
    const commit = new GroupCommit(g.run);
    const first = commit.submit(1);
    const failing = [commit.submit(2), commit.submit(3)];
    g.finish[0]!();
    await first;
    await tick();
    g.fail[1]!(new Error("connection lost"));
    for (const p of failing) await expect(p).rejects.toThrow(/connection lost/);
    const after = commit.submit(4);
    expect(g.batches.at(-1)).toEqual([4]);
    g.finish[2]!();
    expect(await after).toBe(40);
  });
});
