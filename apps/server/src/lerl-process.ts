/**
 * Runs LERL training in a child process (lerl-child.ts) and waits for it: the server's event loop stays free
 * while it trains, and an abort kills the process at once (SIGKILL: nothing of the run is kept, as a cancel
 * keeps nothing of the node in progress).
 */
import { fork, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { FarsightError } from "@farsight/core";
import type { LerlStateValue } from "@farsight/graph";
import { HttpError } from "./served-graph.js";

// Beside this module in dist/; from the sources (tests import them), the built one.
const CHILD = [new URL("./lerl-child.js", import.meta.url), new URL("../dist/lerl-child.js", import.meta.url)].map((u) => fileURLToPath(u)).find((p) => existsSync(p)) ?? fileURLToPath(new URL("./lerl-child.js", import.meta.url));

export interface TrainingJob {
  readonly preset: string;
  readonly dataDir?: string;
  readonly steps: number;
  readonly seed: number;
}

/** Training processes alive now (started and neither ended nor killed). */
const alive = new Set<ChildProcess>();
export const trainingProcesses = () => alive.size;
/** Progress reports received from training processes so far (they train: they are not just starting). */
let progressReports = 0;
export const trainingProgress = () => progressReports;

export function trainInProcess(job: TrainingJob, onProgress: (p: unknown) => void, signal?: AbortSignal): Promise<Partial<LerlStateValue>> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const child = fork(CHILD, [], { serialization: "advanced", stdio: ["ignore", "inherit", "inherit", "ipc"] });
    alive.add(child);
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      alive.delete(child);
      signal?.removeEventListener("abort", stop);
      fn();
    };
    const stop = () => {
      child.kill("SIGKILL");
      finish(() => reject(signal?.reason ?? new Error("training cancelled")));
    };
    signal?.addEventListener("abort", stop, { once: true });
    child.on("message", (m: { kind: string; progress?: unknown; result?: Partial<LerlStateValue>; message?: string }) => {
      if (m.kind === "progress") {
        progressReports++;
        onProgress(m.progress);
      }
      else if (m.kind === "done") finish(() => resolve(m.result!));
      else if (m.kind === "error") finish(() => reject(new FarsightError("server/bad-request", `LERL training failed: ${m.message ?? "?"}`, { job })));
    });
    child.once("error", (err) => finish(() => reject(err)));
    child.once("exit", (code, sig) => finish(() => reject(new HttpError(500, "server/run-lost", `the LERL training process ended (${code ?? sig}) before it answered`, { job }))));
    child.send(job);
  });
}
