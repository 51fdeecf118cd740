/**
 * @farsight/sweep-postgres, an optional peer of the CLI: only `farsight sweep --queue` and `farsight worker` need
 * it (and with it pg-boss and its scheduler dependencies), so a user who never spreads a sweep over machines does
 * not install them. Loaded on first use, or an error naming the package to install.
 */
import { FarsightError } from "@farsight/core";

type SweepQueue = typeof import("@farsight/sweep-postgres");

export async function loadSweepQueue(load: () => Promise<unknown> = () => import("@farsight/sweep-postgres")): Promise<SweepQueue> {
  try {
    return (await load()) as SweepQueue;
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") throw cause;
    throw new FarsightError(
      "cli/sweep-queue-missing",
      "--queue and `farsight worker` need @farsight/sweep-postgres, an optional peer of @farsight/cli that is not installed: npm install @farsight/sweep-postgres",
      { package: "@farsight/sweep-postgres" },
      { cause },
    );
  }
}
