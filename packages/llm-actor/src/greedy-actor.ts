import { FarsightError, topK, type Catalog, type ItemScorer } from "@farsight/core";
import { planCandidates } from "./candidates.js";
import { catalogTitles } from "./grounding.js";
import type { ActDecision, Actor, ActRequest, GroundingResult } from "@farsight/core";

/** Options of {@link CatalogGreedyActor}. */
export interface CatalogGreedyActorOptions {
  /** The catalogue recommended from. Required. */
  catalog: Catalog;
  /** What ranks the items: the environment's ground truth (then the actor is an oracle) or a learned model. Required. */
  scorer: ItemScorer;
  /** Name in provenance and logs. Default "catalog-greedy". */
  name?: string;
}

/**
 * Non-LLM actor: the k best items for the session's user under an {@link ItemScorer} (a reward matrix, a
 * learned world model), inside the plan's categories, skipping excluded items. Deterministic (ties go to the
 * smaller id). This is the offline teacher for IL-Rec: demonstrations without an LLM.
 */
export class CatalogGreedyActor implements Actor {
  readonly name: string;
  private readonly scores: Float32Array;

  readonly catalog: Catalog;
  readonly scorer: ItemScorer;

  /** `new CatalogGreedyActor({ catalog, scorer, ...options })`. */
  constructor(options: CatalogGreedyActorOptions);
  /** @deprecated Pass one options object: `new CatalogGreedyActor({ catalog, scorer, ...options })`. This form goes in the next minor release. */
  constructor(catalog: Catalog, scorer: ItemScorer, options?: Omit<CatalogGreedyActorOptions, "catalog" | "scorer">);
  constructor(first: CatalogGreedyActorOptions | Catalog, scorerArg?: ItemScorer, rest: Omit<CatalogGreedyActorOptions, "catalog" | "scorer"> = {}) {
    // The old positional form always passes the scorer second.
    const options: CatalogGreedyActorOptions = scorerArg !== undefined ? { ...rest, catalog: first as Catalog, scorer: scorerArg } : (first as CatalogGreedyActorOptions);
    const { catalog, scorer } = options;
    this.catalog = catalog;
    this.scorer = scorer;
    if (scorer.numItems !== catalog.numItems) {
      throw new FarsightError("llm-actor/scorer-mismatch", `CatalogGreedyActor: the scorer scores ${scorer.numItems} items but the catalogue has ${catalog.numItems}`, { scorerItems: scorer.numItems, catalogItems: catalog.numItems });
    }
    this.name = options.name ?? "catalog-greedy";
    this.scores = new Float32Array(catalog.numItems);
  }

  async act(request: ActRequest): Promise<ActDecision> {
    const { observation } = request;
    const k = Math.max(1, Math.floor(request.k ?? 1));
    if (!Number.isInteger(observation.userId) || observation.userId < 0 || observation.userId >= this.scorer.numUsers) {
      throw new FarsightError("llm-actor/unknown-user", `CatalogGreedyActor: user ${observation.userId} is not scored (0..${this.scorer.numUsers - 1})`, { userId: observation.userId });
    }
    const exclude = new Set(request.exclude ?? []);
    const candidates = planCandidates(this.catalog, request.plan, exclude);
    if (candidates.items.length === 0) {
      throw new FarsightError("llm-actor/no-items", "CatalogGreedyActor: every catalogue item is excluded", { excluded: exclude.size });
    }
    const scores = this.scorer.scoreAll(observation.userId, this.scores);
    const allowed = new Uint8Array(this.catalog.numItems);
    for (const i of candidates.items) allowed[i] = 1;
    const slate = topK(scores, k, allowed);
    const titles = catalogTitles(this.catalog);
    const grounding: GroundingResult[] = slate.map((item) => ({
      text: titles[item]!, item, method: "direct", score: 1, replaced: false,
      ...(candidates.widened && request.plan ? { reason: candidates.widened } : {}),
    }));
    return {
      slate,
      grounding,
      source: { kind: "heuristic", by: this.name, ...(candidates.widened ? { detail: candidates.widened } : {}) },
    };
  }
}
