import { describe, expect, it } from "vitest";
import { eta, fitToWidth, formatDuration, makeProgress } from "./progress.js";

describe("progress output", () => {
  it("formats durations and estimates the time left from the average rate", () => {
    expect(formatDuration(42_000)).toBe("42s");
    expect(formatDuration(185_000)).toBe("3m05s");
    expect(formatDuration(3_720_000)).toBe("1h02m");
    expect(eta(0, 100, 5000)).toBe("?");
    expect(eta(25, 100, 10_000)).toBe("30s"); // 25 units in 10 s: 75 more take 30 s
  });

  it("cuts a terminal line to the width so it never wraps, and leaves short lines alone", () => {
    const long = "x".repeat(200);
    expect(fitToWidth(long, 80)).toHaveLength(79);
    expect(fitToWidth(long, 80).endsWith("…")).toBe(true);
    expect(fitToWidth("short", 80)).toBe("short");
  });

  it("shows ETA on a terminal inside the width, and one plain line per tenth in a log", () => {
    let t = 0;
    const tty: string[] = [];
    const show = makeProgress({ write: (s) => tty.push(s), isTTY: true }, "[seed 0] PPO (flat)", 1000, { columns: 60, now: () => t });
    t = 20_000;
    show("R 5.31 | len 17.2 | updates 5 | pool 118 | llm 0 calls", 250);
    expect(tty[0]).toContain("ETA 1m00s");
    expect(tty[0]!.replace("\r\x1b[2K", "").length).toBeLessThan(60);
    const log: string[] = [];
    const plain = makeProgress({ write: (s) => log.push(s), isTTY: false }, "x", 100, { now: () => 0 });
    for (let d = 1; d <= 100; d++) plain("", d);
    plain("", 100, true);
    expect(log).toHaveLength(11); // 0%, 10%, ..., 100%; the final call does not repeat 100%
  });
});
