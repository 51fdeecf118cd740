/**
 * What an IL-Rec training run looked like, for a report: learning curves (IL-Rec and the baselines it trains)
 * and the demonstration weights at every refresh, as a histogram. Progress arrives after every rollout; the
 * curves are thinned to about `CURVE_POINTS` points per series by pooling the episodes that finished between two
 * points, so a long run does not write thousands of lines.
 */
import type { IlrecProgress } from "@farsight/rl-policy/tf";

/** Points per curve (and series) kept from a training run. */
export const CURVE_POINTS = 40;

/** One point of a learning curve; `step` counts env transitions (`bc_loss`: gradient steps). */
export interface IlrecCurvePoint {
  /** The method, as the results table names it without its serving mode: "IL-Rec policy", "A2C, no demonstrations", "behaviour cloning". */
  readonly series: string;
  readonly step: number;
  /**
   * `return` and `len` (mean over the episodes that finished since the last point), `imitation_lambda`
   * (lambda_imit times the annealing scale), `discriminator_loss`, `discriminator_accuracy`,
   * `demo_mean_weight`, `demo_gated_share` (usable demonstrations whose weight is 0), `bc_loss`.
   */
  readonly metric: string;
  readonly value: number;
}

/**
 * The demonstration weights after one refresh (the discriminator was trained and the advantage gate re-run).
 * Demonstrated repeats, which the policy can never take and which always weigh 0, are left out.
 */
export interface IlrecWeightSnapshot {
  /** Env transitions of IL-Rec's training when the weights were refreshed. */
  readonly step: number;
  /** 0 for the first refresh. */
  readonly refresh: number;
  /** Usable demonstrated steps (the histogram's total). */
  readonly usable: number;
  /** Of them, how many weigh exactly 0 (gated off). Not counted in `counts`. */
  readonly zero: number;
  /** Weights > 0 per bin of `IlrecHistory.edges`: bin i is (edges[i], edges[i + 1]]; the last bin also takes everything above. */
  readonly counts: number[];
  readonly mean: number;
}

/** What {@link TrainingRecorder} collected. */
export interface IlrecHistory {
  readonly curves: IlrecCurvePoint[];
  /** The weight form (`filter`: weights in [0, 1]; `released`: mean 1, unbounded). */
  readonly weightForm: "filter" | "released";
  /** Histogram bin edges of the weights, ascending. */
  readonly edges: number[];
  readonly weights: IlrecWeightSnapshot[];
}

const FILTER_EDGES = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];
// The released form divides by the batch mean: most weights sit around 1, a few far above.
const RELEASED_EDGES = [0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 3, 5];

/** Pools progress reports between curve points: episodes are weighted by how many finished in each report. */
class CurveBucket {
  private returns = 0;
  private lengths = 0;
  private episodes = 0;
  private lengthEpisodes = 0;

  add(p: IlrecProgress, finished: number): void {
    if (finished <= 0) return;
    if (Number.isFinite(p.meanReturn)) {
      this.returns += p.meanReturn * finished;
      this.episodes += finished;
    }
    if (Number.isFinite(p.meanLength)) {
      this.lengths += p.meanLength * finished;
      this.lengthEpisodes += finished;
    }
  }

  take(): { return: number; len: number } {
    const out = { return: this.episodes ? this.returns / this.episodes : NaN, len: this.lengthEpisodes ? this.lengths / this.lengthEpisodes : NaN };
    this.returns = this.lengths = this.episodes = this.lengthEpisodes = 0;
    return out;
  }
}

/** Collects the curves and weight snapshots of one pipeline run (one seed). */
export class TrainingRecorder {
  readonly curves: IlrecCurvePoint[] = [];
  readonly weights: IlrecWeightSnapshot[] = [];
  readonly edges: number[];

  constructor(
    /** Training budget in env transitions (sets the spacing of the curve points). */
    private readonly steps: number,
    readonly weightForm: "filter" | "released",
  ) {
    this.edges = weightForm === "released" ? RELEASED_EDGES : FILTER_EDGES;
  }

  /**
   * A progress callback for one method's training. `imitationCoef` (IL-Rec only) turns the annealing scale into
   * the lambda in effect.
   */
  progress(series: string, imitationCoef?: number): (p: IlrecProgress) => void {
    const every = Math.max(1, this.steps / CURVE_POINTS);
    const bucket = new CurveBucket();
    let next = every;
    let episodes = 0;
    return (p) => {
      bucket.add(p, p.episodes - episodes);
      episodes = p.episodes;
      if (p.envSteps < next && p.envSteps < this.steps) return;
      while (next <= p.envSteps) next += every;
      const { return: ret, len } = bucket.take();
      const point = (metric: string, value: number) => Number.isFinite(value) && this.curves.push({ series, step: p.envSteps, metric, value });
      point("return", ret);
      point("len", len);
      if (imitationCoef === undefined) return;
      point("imitation_lambda", imitationCoef * p.imitationScale);
      point("discriminator_loss", p.discriminatorLoss);
      point("discriminator_accuracy", p.discriminatorAccuracy);
      point("demo_mean_weight", p.meanWeight);
      point("demo_gated_share", p.gatedShare);
    };
  }

  /** A step callback for behaviour cloning: its loss, averaged over runs of gradient steps. */
  bcStep(series: string, totalSteps: number): (step: number, loss: number) => void {
    const every = Math.max(1, Math.ceil(totalSteps / CURVE_POINTS));
    let sum = 0, n = 0;
    return (step, loss) => {
      if (Number.isFinite(loss)) {
        sum += loss;
        n++;
      }
      if (step % every !== 0 && step !== totalSteps) return;
      if (n > 0) this.curves.push({ series, step, metric: "bc_loss", value: sum / n });
      sum = n = 0;
    };
  }

  /** Records the demonstration weights of one refresh; rows with `usable[i] = 0` are left out. */
  snapshot(step: number, weights: ArrayLike<number>, usable: ArrayLike<number>): void {
    const counts = new Array<number>(this.edges.length - 1).fill(0);
    let zero = 0, total = 0, sum = 0;
    for (let i = 0; i < weights.length; i++) {
      if (!usable[i]) continue;
      const w = weights[i]!;
      total++;
      sum += w;
      if (w === 0) {
        zero++;
        continue;
      }
      let bin = 0;
      while (bin < counts.length - 1 && w > this.edges[bin + 1]!) bin++;
      counts[bin]!++;
    }
    this.weights.push({ step, refresh: this.weights.length, usable: total, zero, counts, mean: total ? sum / total : NaN });
  }

  history(): IlrecHistory {
    return { curves: this.curves, weightForm: this.weightForm, edges: [...this.edges], weights: this.weights };
  }
}
