/**
 * Whether PostgreSQL can be reached, and what a lost connection means for a request. A restart, a failover or
 * `pg_terminate_backend` ends the server's connections under it: pooled ones are replaced by the pools, the
 * error is recorded here (never left unhandled: an `'error'` event without a listener ends the process), and
 * while the database is down the server answers 503 `server/database-unavailable` at once instead of trying
 * it with every request; a probe with back-off (250 ms, doubling up to 2 s) finds it back.
 */
import type pg from "pg";

/** First and longest wait between two probes of a database found down. */
const PROBE_FIRST_MS = 250;
const PROBE_MAX_MS = 2_000;
/** A connection attempt that takes longer fails: an unreachable host must not hold a request forever. */
export const CONNECT_TIMEOUT_MS = 5_000;

const CONNECTION_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "57P01", "57P02", "57P03"]);
const CONNECTION_MESSAGES = /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect|Client was closed|the database system is (starting up|shutting down)|terminating connection/i;

/** Whether `err` (or an error it wraps) says the database connection is gone or cannot be made. */
export function isConnectionError(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === "server/database-unavailable") return true;
    if (typeof code === "string" && (CONNECTION_CODES.has(code) || code.startsWith("08"))) return true;
    if (e instanceof Error && CONNECTION_MESSAGES.test(e.message)) return true;
    if (e instanceof AggregateError && e.errors.some(isConnectionError)) return true;
  }
  return false;
}

/** Tracks whether the database answers; see the module comment. */
export class DatabaseHealth {
  private downSince: number | undefined;
  private lastError = "";
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly where: string,
    private readonly log: (line: string) => void = (line) => console.error(line),
  ) {}

  /** Whether the database was found unreachable and has not answered a probe since. */
  get down(): boolean {
    return this.downSince !== undefined;
  }

  /** What the last failure said, for `/ready`. */
  get reason(): string {
    return this.lastError;
  }

  /** Records a lost connection; starts probing with back-off when it is the first since the database last answered. */
  markDown(err: unknown): void {
    this.lastError = err instanceof Error ? err.message : String(err);
    if (this.down || this.stopped) return;
    this.downSince = Date.now();
    this.log(`farsight server: PostgreSQL at ${this.where} is unreachable (${this.lastError}); answering 503 until it is back`);
    this.schedule(PROBE_FIRST_MS);
  }

  /** Asks the database now (`SELECT 1`); true when it answers. A failure marks it down. */
  async check(): Promise<boolean> {
    if (this.down) return false;
    try {
      await this.pool.query("SELECT 1");
      return true;
    } catch (err) {
      if (isConnectionError(err)) this.markDown(err);
      else this.lastError = err instanceof Error ? err.message : String(err);
      return false;
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.pool.query("SELECT 1").then(
        () => {
          this.log(`farsight server: PostgreSQL at ${this.where} answers again (down ${((Date.now() - (this.downSince ?? Date.now())) / 1000).toFixed(1)} s)`);
          this.downSince = undefined;
        },
        (err: unknown) => {
          this.lastError = err instanceof Error ? err.message : String(err);
          this.schedule(Math.min(ms * 2, PROBE_MAX_MS));
        },
      );
    }, ms);
    this.timer.unref();
  }
}

/**
 * Listens for `'error'` on a pool and on every client it creates, checked out or idle (pg emits it on a client
 * whose connection ends, and a client in use has no listener of the pool's): the error is reported to `health`
 * instead of ending the process. The pool drops a broken client when it is released.
 */
export function guardPool(pool: pg.Pool, health: () => DatabaseHealth | undefined): pg.Pool {
  const report = (err: unknown) => health()?.markDown(err);
  pool.on("error", report);
  pool.on("connect", (client) => client.on("error", report));
  return pool;
}
