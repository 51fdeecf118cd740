/**
 * A PostgreSQL cluster of a test's own, for tests that stop and restart the database (outages): started with
 * `.ci/postgres start` on 127.0.0.1 and a free port, so the shared test database other files use is never hit.
 * Needs PostgreSQL's binaries (the ones .ci/postgres finds or installs); under root the server runs as `postgres`.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("../../../.ci/postgres", import.meta.url));

export interface TestCluster {
  /** `postgresql://postgres@127.0.0.1:<port>/postgres` */
  readonly url: string;
  readonly port: number;
  /** Stops the server (`fast`: every connection is terminated, as in a restart or failover; `immediate`: a crash). */
  stop(mode?: "fast" | "immediate"): void;
  /** Starts it again on the same port and data. */
  start(): void;
  /** Stops it for good and removes its files. */
  destroy(): void;
}

function binDir(): string {
  // As .ci/postgres looks: PATH first, then Debian's versioned folders.
  for (const d of (process.env["PATH"] ?? "").split(":")) if (d && existsSync(`${d}/pg_ctl`)) return d;
  for (const v of existsSync("/usr/lib/postgresql") ? readdirSync("/usr/lib/postgresql").sort().reverse() : []) {
    const d = `/usr/lib/postgresql/${v}/bin`;
    if (existsSync(`${d}/pg_ctl`)) return d;
  }
  throw new Error("pg_ctl not found on PATH or under /usr/lib/postgresql/*/bin (.ci/postgres start installs it)");
}

const asPg = (cmd: string, args: string[]) =>
  process.getuid?.() === 0 ? (["runuser", ["-u", "postgres", "--", cmd, ...args]] as const) : ([cmd, args] as const);

export function startTestCluster(): TestCluster {
  const out = execFileSync("bash", [SCRIPT, "start"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const url = /FARSIGHT_TEST_POSTGRES_URL=(\S+)/.exec(out)?.[1];
  const dir = /FARSIGHT_PG_DIR=(\S+)/.exec(out)?.[1];
  if (!url || !dir) throw new Error(`.ci/postgres start printed no URL: ${out}`);
  const port = Number(new URL(url).port);
  const bin = binDir();
  const pgCtl = (...args: string[]) => {
    const [cmd, a] = asPg(`${bin}/pg_ctl`, ["-D", `${dir}/data`, ...args]);
    execFileSync(cmd, a, { cwd: "/", stdio: ["ignore", "ignore", "pipe"] });
  };
  let destroyed = false;
  return {
    url,
    port,
    stop: (mode = "fast") => pgCtl("-m", mode, "-w", "stop"),
    start: () =>
      pgCtl("-l", `${dir}/server.log`, "-w", "-t", "60", "-o", `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c fsync=off -c max_connections=200`, "start"),
    destroy: () => {
      if (destroyed) return;
      destroyed = true;
      execFileSync("bash", [SCRIPT, "stop", dir], { stdio: "ignore" });
    },
  };
}
