/**
 * Group commit: requests of many sessions (a save, a lock, a read) that arrive while an earlier batch is on its
 * way to the database go together in the next one, one statement for the lot. Nothing waits for a timer: a
 * request that finds fewer than `concurrency` batches in flight is sent at once (alone when the server is
 * idle), so one session pays no latency; under load, batches grow with the number of sessions waiting, and
 * each round trip (a socket write, a wake-up of the database, a statement and its commit) is shared.
 */

export interface GroupCommitOptions {
  /** Batches in flight at once. Default 1 (the fewest statements: everything that arrives meanwhile waits for the next). */
  readonly concurrency?: number;
  /** Requests per batch at most. Default 64. */
  readonly maxBatch?: number;
}

interface Waiting<Req, Res> {
  readonly request: Req;
  resolve(r: Res): void;
  reject(e: unknown): void;
}

export class GroupCommit<Req, Res> {
  private readonly concurrency: number;
  private readonly maxBatch: number;
  private queue: Waiting<Req, Res>[] = [];
  private inFlight = 0;
  /** Batches sent and requests answered (for tests and the bench). */
  batches = 0;
  requests = 0;

  /** `run` answers a batch: one result per request, in order; a throw fails every request of the batch. */
  constructor(
    private readonly run: (requests: Req[]) => Promise<Res[]>,
    options: GroupCommitOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 1;
    this.maxBatch = options.maxBatch ?? 64;
  }

  submit(request: Req): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.concurrency && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight++;
      this.batches++;
      this.requests += batch.length;
      let answers: Promise<Res[]>;
      try {
        answers = this.run(batch.map((w) => w.request));
      } catch (err) {
        answers = Promise.reject(err);
      }
      answers
        .then((results) => {
          if (results.length !== batch.length) throw new Error(`group commit: ${results.length} answers for ${batch.length} requests`);
          batch.forEach((w, i) => w.resolve(results[i]!));
        })
        .catch((err: unknown) => batch.forEach((w) => w.reject(err)))
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
  }
}
