/**
 * A component as a LangChain Runnable (`asRunnable` from @farsight/graph/runnables): a planner behind an
 * unreliable service is retried with `.withRetry()`, falls back to a non-LLM planner with `.withFallbacks()`,
 * and is piped between the step that builds plan requests from the simulator and the step that turns plans
 * into the category masks an RL policy acts under. A run collector shows the trace: one `planner:<name>` run
 * per attempt, inside the chain's run.
 *
 *   slots -> plan requests -> planner (retry x3, else fallback planner) -> category masks
 *
 * Run it through its test: `npx vitest run examples/planner-with-retry.test.ts`.
 */
import { RunnableLambda } from "@langchain/core/runnables";
import { RunCollectorCallbackHandler } from "@langchain/core/tracers/run_collector";
import type { Plan, PlanRequest } from "@farsight/core";
import { loadPreset, makeSimulator } from "@farsight/env";
import { asRunnable } from "@farsight/graph/runnables";
import { buildPlanRequest, SaturationAwarePlanner, type Planner } from "@farsight/planner";

/** A planner whose service fails its first `failures` calls (as a remote model does when it times out). */
export function unreliable(planner: Planner, failures: number): Planner & { readonly calls: () => number } {
  let calls = 0;
  return {
    name: `unreliable-${planner.name}`,
    usesLlm: planner.usesLlm,
    calls: () => calls,
    async plan(requests: readonly PlanRequest[], options) {
      calls++;
      if (calls <= failures) throw new Error(`planner service timed out (call ${calls})`);
      return planner.plan(requests, options);
    },
  };
}

/** Names of a traced run and its children, depth first, as the collector recorded them. */
type TracedRun = { readonly name: string; readonly child_runs: readonly TracedRun[]; readonly error?: string };
const flatten = (run: TracedRun): { name: string; failed: boolean }[] => [{ name: run.name, failed: !!run.error }, ...run.child_runs.flatMap(flatten)];

export async function planWithRetry(o: { planner: Planner; attempts?: number; seed?: number }) {
  const seed = o.seed ?? 0;
  const env = await makeSimulator(await loadPreset("synthetic"), "test", { batchSize: 8, seed });
  env.reset();
  const C = env.catalog.numCategories;

  const requests = RunnableLambda.from((slots: number[]) => slots.map((b) => buildPlanRequest(env.observation(b), { catalog: env.catalog })));
  const planner = asRunnable(o.planner)
    .withRetry({ stopAfterAttempt: o.attempts ?? 3 })
    .withFallbacks([asRunnable(new SaturationAwarePlanner({ seed }))]);
  const masks = RunnableLambda.from((plans: Plan[]) => ({
    plans,
    masks: plans.map((p) => Uint8Array.from({ length: C }, (_, c) => (p.categories.includes(c) ? 1 : 0))),
  }));
  const chain = requests.pipe(planner).pipe(masks).withConfig({ runName: "plan-step" });

  const trace = new RunCollectorCallbackHandler();
  const out = await chain.invoke([...Array(env.batchSize).keys()], { callbacks: [trace] });
  return { ...out, numCategories: C, trace: flatten(trace.tracedRuns[0] as unknown as TracedRun) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { plans, trace } = await planWithRetry({ planner: unreliable(new SaturationAwarePlanner(), 2) });
  console.log(plans.map((p) => p.categories.join(",")), trace.map((r) => `${r.name}${r.failed ? " (failed)" : ""}`));
}
