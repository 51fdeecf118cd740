/**
 * A LangChain `Runnable` view of every component kind of `@farsight/core` (Planner, Reflector, Critic, Actor,
 * Policy), so a component composes like any LangChain step: `.pipe`, `.withRetry`, `.withFallbacks`,
 * `.withConfig`, callbacks and tracing. The view is a `RunnableLambda` from `@langchain/core` (no retry or
 * tracing logic of our own) named after the component (`planner:saturation-aware`), so a trace or a callback
 * handler shows one run per component call. The config's `signal` reaches the component (an LLM call aborts).
 *
 * It lives here, not in `@farsight/core`, because core has no `@langchain/core` dependency; import it from
 * `@farsight/graph/runnables` to load only this file and `@langchain/core`.
 */
import { RunnableBinding, RunnableLambda, type Runnable, type RunnableConfig } from "@langchain/core/runnables";
import {
  FarsightError,
  type ActDecision,
  type ActRequest,
  type Actor,
  type Critic,
  type CriticJudgement,
  type CriticRequest,
  type Episode,
  type Plan,
  type PlanRequest,
  type Planner,
  type Policy,
  type PolicyActRequest,
  type PolicyActResult,
  type ReflectContext,
  type Reflection,
  type Reflector,
} from "@farsight/core";

/** The component kinds a Runnable view exists for. */
export type ComponentKind = "planner" | "reflector" | "critic" | "actor" | "policy";

/** How a component's runs are named and labelled in traces and callbacks. */
export interface ComponentRunnableOptions {
  /** The run name. Default `<kind>:<component name>` (a policy's name is its `kind`, e.g. `policy:ppo`). */
  readonly runName?: string;
  /** Extra tags on every run (the kind is always tagged: `farsight:planner`). */
  readonly tags?: readonly string[];
  /** Extra metadata on every run (`farsight_component` and `farsight_name` are always set; `uses_llm` where the component says). */
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** A reflector's view also takes what a reflection may name (category names, item titles), fixed when it is built. */
export interface ReflectorRunnableOptions extends ComponentRunnableOptions {
  readonly context?: Omit<ReflectContext, "signal">;
}

/** A planner as `Runnable<PlanRequest[], Plan[]>`: one plan per request, same order. */
export type PlannerRunnable = Runnable<readonly PlanRequest[], Plan[]>;
/** A reflector as `Runnable<Episode, Reflection>`. */
export type ReflectorRunnable = Runnable<Episode, Reflection>;
/** A critic as `Runnable<CriticRequest, CriticJudgement>`. */
export type CriticRunnable = Runnable<CriticRequest, CriticJudgement>;
/** An actor as `Runnable<ActRequest, ActDecision>`. */
export type ActorRunnable = Runnable<ActRequest, ActDecision>;
/** A policy as `Runnable<PolicyActRequest, PolicyActResult>` (the policy acts synchronously; the view is async). */
export type PolicyRunnable = Runnable<PolicyActRequest, PolicyActResult>;

function named<I, O>(
  fn: (input: I, config: RunnableConfig | undefined) => Promise<O>,
  kind: ComponentKind,
  name: string,
  llm: boolean | undefined,
  o: ComponentRunnableOptions,
): Runnable<I, O> {
  const labelled = RunnableLambda.from<I, O>((input, config) => fn(input, config as RunnableConfig | undefined)).withConfig({
    runName: o.runName ?? `${kind}:${name}`,
    tags: [`farsight:${kind}`, ...(o.tags ?? [])],
    metadata: { ...o.metadata, farsight_component: kind, farsight_name: name, ...(llm === undefined ? {} : { uses_llm: llm }) },
  });
  // A binding's `.withConfig` replaces its tags and metadata; one more binding around the labelled one makes a
  // user's `.withConfig({ tags })` add to ours (LangChain merges them at invocation), as tags given to `invoke` do.
  return new RunnableBinding<I, O>({ bound: labelled, config: {}, kwargs: {} });
}

/** The caller's signal, unless the request carries its own. */
const signalOf = (config: RunnableConfig | undefined) => (config?.signal ? { signal: config.signal } : {});

export function plannerRunnable(planner: Planner, o: ComponentRunnableOptions = {}): PlannerRunnable {
  return named((requests: readonly PlanRequest[], config) => planner.plan(requests, signalOf(config)), "planner", planner.name, planner.usesLlm, o);
}

export function reflectorRunnable(reflector: Reflector, o: ReflectorRunnableOptions = {}): ReflectorRunnable {
  return named((episode: Episode, config) => reflector.reflect(episode, { ...o.context, ...signalOf(config) }), "reflector", reflector.name, reflector.usesLlm, o);
}

export function criticRunnable(critic: Critic, o: ComponentRunnableOptions = {}): CriticRunnable {
  return named((request: CriticRequest, config) => critic.evaluate({ ...signalOf(config), ...request }), "critic", critic.name, usesLlm(critic), o);
}

export function actorRunnable(actor: Actor, o: ComponentRunnableOptions = {}): ActorRunnable {
  return named((request: ActRequest, config) => actor.act({ ...signalOf(config), ...request }), "actor", actor.name, usesLlm(actor), o);
}

export function policyRunnable(policy: Policy, o: ComponentRunnableOptions = {}): PolicyRunnable {
  return named(async (request: PolicyActRequest) => policy.act(request), "policy", policy.kind, false, o);
}

/** Critic and Actor interfaces have no `usesLlm`: the metadata says it only when the implementation declares it. */
function usesLlm(c: object): boolean | undefined {
  const v = (c as { usesLlm?: unknown }).usesLlm;
  return typeof v === "boolean" ? v : undefined;
}

/** Which kind a component is, from the methods it has (Policy before Actor: both `act`, only a policy has `kind`). */
export function componentKind(component: unknown): ComponentKind {
  const c = component as Record<string, unknown> | null;
  const has = (m: string) => typeof c?.[m] === "function";
  if (has("plan")) return "planner";
  if (has("reflect")) return "reflector";
  if (has("evaluate") && Array.isArray(c?.range)) return "critic";
  if (has("act") && typeof c?.kind === "string" && typeof c?.context === "object") return "policy";
  if (has("act")) return "actor";
  throw new FarsightError(
    "graph/not-a-component",
    "asRunnable: the value is not a Farsight component (a Planner has plan(), a Reflector reflect(), a Critic evaluate() and range, an Actor act(), a Policy act() and kind)",
    { got: c === null ? "null" : typeof c === "object" ? Object.keys(c).slice(0, 10) : typeof c },
  );
}

/**
 * The Runnable view of any component, typed by its kind:
 *
 * ```ts
 * const plans = await asRunnable(planner).withRetry({ stopAfterAttempt: 3 }).invoke(requests);
 * ```
 */
export function asRunnable(component: Planner, options?: ComponentRunnableOptions): PlannerRunnable;
export function asRunnable(component: Reflector, options?: ReflectorRunnableOptions): ReflectorRunnable;
export function asRunnable(component: Critic, options?: ComponentRunnableOptions): CriticRunnable;
export function asRunnable(component: Actor, options?: ComponentRunnableOptions): ActorRunnable;
export function asRunnable(component: Policy, options?: ComponentRunnableOptions): PolicyRunnable;
export function asRunnable(
  component: Planner | Reflector | Critic | Actor | Policy,
  options: ReflectorRunnableOptions = {},
): PlannerRunnable | ReflectorRunnable | CriticRunnable | ActorRunnable | PolicyRunnable {
  switch (componentKind(component)) {
    case "planner":
      return plannerRunnable(component as Planner, options);
    case "reflector":
      return reflectorRunnable(component as Reflector, options);
    case "critic":
      return criticRunnable(component as Critic, options);
    case "policy":
      return policyRunnable(component as Policy, options);
    case "actor":
      return actorRunnable(component as Actor, options);
  }
}
