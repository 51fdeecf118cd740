/**
 * Env agents (baselines, references, saved policies) for evaluations such as `farsight eval` and `bench learn`, resolved from a spec string through a registry: `name` or `name:arg`
 * (e.g. `policy:<dir>`). A package adds its agents with one `registerAgent(...)` line below.
 */
import { FarsightError } from "@farsight/core";
import { GreedyAgent, LoggingAgent, OracleAgent, PopularityAgent, QuitAwareOracleAgent, RandomAgent, RoundRobinAgent, type Agent, type EnvSetup, type EvalMode } from "@farsight/env";
import { initBackend, loadPolicy, PolicyAgent } from "@farsight/rl-policy/tf";

export interface AgentContext {
  /** The environment preset the agent will be evaluated on. */
  readonly setup: EnvSetup;
  /** Evaluation seed (one agent is built per seed). */
  readonly seed: number;
  /** The part of the spec after the first ":" (e.g. the directory of `policy:<dir>`), if any. */
  readonly arg: string | undefined;
  /**
   * The evaluation mode, when the caller names one. In FB the agents that can repeat do (random, saved
   * policies: EasyRL4Rec's FB); absent or NX, nothing repeats.
   */
  readonly mode?: EvalMode;
}

/** Whether an agent that can repeat an item in a session should be kept from it: everywhere but in FB mode. */
export function masksRepeats(mode: EvalMode | undefined): boolean {
  return mode !== "FB";
}

export interface AgentEntry {
  /** One line for `farsight eval --help`. */
  readonly summary: string;
  /** How a learned policy chooses its slates; absent for baselines (rules, not policies). */
  readonly choice?: "greedy" | "sampled";
  /** What follows the ":" of a spec: "required" (`policy:DIR`) or, by default, nothing (`random:x` is refused). */
  readonly arg?: "required" | "none";
  /** True for an agent that repeats items in FB mode (random, saved policies); the others never repeat. */
  readonly repeatsInFB?: boolean;
  create(ctx: AgentContext): Agent | Promise<Agent>;
}

const registry = new Map<string, AgentEntry>();

const badOption = (message: string) => new FarsightError("lab/bad-option", message);

/** Registers an agent under `name` (the part of the spec before ":"). */
export function registerAgent(name: string, entry: AgentEntry): void {
  registry.set(name, entry);
}

/** Registered names with their summaries, for help texts. */
export function agentNames(): [string, string][] {
  return [...registry.entries()].map(([n, e]) => [n, e.summary]);
}

function entryOf(spec: string): { entry: AgentEntry; arg: string | undefined } {
  const colon = spec.indexOf(":");
  const name = colon < 0 ? spec : spec.slice(0, colon);
  const entry = registry.get(name);
  if (!entry) throw badOption(`unknown agent "${spec}"; known: ${[...registry.keys()].join(", ")}`);
  const arg = colon < 0 ? undefined : spec.slice(colon + 1);
  if ((entry.arg ?? "none") === "none" && arg !== undefined) throw badOption(`agent "${name}" takes no argument, got "${spec}"; pass --agent ${name}`);
  if (entry.arg === "required" && !arg) throw badOption(`agent "${name}" needs an argument: --agent ${name}:DIR`);
  return { entry, arg };
}

/** Builds the agent a spec names; an unknown name is a `lab/bad-option` error listing the known ones. */
export async function resolveAgent(spec: string, setup: EnvSetup, seed: number, mode?: EvalMode): Promise<Agent> {
  const { entry, arg } = entryOf(spec);
  return entry.create({ setup, seed, arg, ...(mode ? { mode } : {}) });
}

/** Whether the agent a spec names may show an item twice in a session when evaluated in `mode`. */
export function agentMayRepeat(spec: string, mode: EvalMode | undefined): boolean {
  return !masksRepeats(mode) && entryOf(spec).entry.repeatsInFB === true;
}

/** "greedy" or "sampled" for a learned policy, "baseline" for a rule (what a results line must say). */
export function agentChoice(spec: string): "greedy" | "sampled" | "baseline" {
  return entryOf(spec).entry.choice ?? "baseline";
}

// The ranking baselines never show an item twice in a session, in any mode (a repeat is never what a ranking
// means). Random and saved policies repeat only when the caller evaluates in FB mode (see AgentContext.mode).
registerAgent("random", {
  summary: "uniformly random items; repeats only in FB mode (EasyRL4Rec's FB random)",
  repeatsInFB: true,
  create: ({ seed, mode }) => new RandomAgent({ seed, noRepeat: masksRepeats(mode) }),
});
registerAgent("logging", {
  summary: "the logging policy replayed: each user's logged items (training log + withheld rows) at random, never repeated",
  create: ({ setup, seed }) => new LoggingAgent({ numItems: setup.catalog.numItems, logs: setup.withheldLog ? [setup.trainLog, setup.withheldLog] : [setup.trainLog], seed }),
});
registerAgent("popularity", {
  summary: "most-interacted items of the training log, never repeated in a session",
  create: ({ setup }) => new PopularityAgent({ numItems: setup.catalog.numItems, items: setup.trainLog.item }),
});
registerAgent("greedy", {
  summary: "best unseen items under the predicted world model (MF trained on the training log)",
  create: async ({ setup }) => new GreedyAgent({ scorer: (await setup.predicted()).world.scorer, name: "greedy" }),
});
registerAgent("oracle", {
  summary: "best unseen items under the live ground truth (a reference, not a baseline)",
  create: ({ setup }) => {
    // The oracle reads the test simulator's world; `begin` binds it to the simulator it runs on.
    let expected: ((slot: number, user: number, item: number) => number) | undefined;
    const inner = new OracleAgent({ expected: (s, u, i) => expected!(s, u, i) });
    return {
      name: "oracle",
      begin(env) {
        const world = (env as unknown as { world?: { expected(s: number, u: number, i: number): number } }).world;
        expected = world ? (s, u, i) => world.expected(s, u, i) : (_s, u, i) => setup.groundTruth.scorer.scoreAll(u)[i]!;
      },
      act: (env, out) => inner.act(env, out),
    };
  },
});
registerAgent("oracle-quit-aware", {
  summary: "best unseen items under the live ground truth that the quit rule lets through (ORACLE: reads the rule)",
  create: ({ setup }) => {
    let expected: ((slot: number, user: number, item: number) => number) | undefined;
    const inner = new QuitAwareOracleAgent({ expected: (s, u, i) => expected!(s, u, i), makeRules: setup.makeRules });
    return {
      name: "oracle-quit-aware",
      begin(env) {
        const world = (env as unknown as { world?: { expected(s: number, u: number, i: number): number } }).world;
        expected = world ? (s, u, i) => world.expected(s, u, i) : (_s, u, i) => setup.groundTruth.scorer.scoreAll(u)[i]!;
        inner.begin(env);
      },
      act: (env, out) => inner.act(env, out),
    };
  },
});
registerAgent("round-robin", {
  summary: "cycles through categories; best unseen item of the category under the predicted model",
  create: async ({ setup, seed }) => new RoundRobinAgent({ scorer: (await setup.predicted()).world.scorer, seed }),
});
async function savedPolicy(name: string, arg: string | undefined, deterministic: boolean, mode: EvalMode | undefined): Promise<Agent> {
  if (!arg) throw badOption(`${name} agent needs a directory: --agent ${name}:DIR`);
  await initBackend();
  // Any checkpoint acts, online (PPO, A2C, DQN, REINFORCE) or offline (BC, BCQ, CQL, CRR).
  const { policy, manifest } = await loadPolicy(arg);
  return new PolicyAgent({ policy, name: `${name}:${manifest.kind}:${arg}`, deterministic, noRepeat: masksRepeats(mode) });
}

registerAgent("policy", {
  summary: "an RL policy saved by `farsight train --out DIR` (policy:DIR), acting greedily; repeats only in FB",
  choice: "greedy",
  arg: "required",
  repeatsInFB: true,
  create: ({ arg, mode }) => savedPolicy("policy", arg, true, mode),
});
registerAgent("policy-sampled", {
  summary: "the same saved policy (policy-sampled:DIR), sampling its slates as in training",
  choice: "sampled",
  arg: "required",
  repeatsInFB: true,
  create: ({ arg, mode }) => savedPolicy("policy-sampled", arg, false, mode),
});
