import { FarsightError } from "./errors.js";

/**
 * Loads the implementation behind an entry point that needs optional peers (say `@farsight/planner/llm`, which needs
 * `@farsight/llm`, `@langchain/core` and `zod`). An ES module that imports a missing package fails while it is
 * linked, before any of its code runs, with Node's `Cannot find package`; so such an entry imports its
 * implementation through `load` (a dynamic `import()`) and this turns that failure, when it names one of `peers`,
 * into a `core/peer-missing` error that says what to install. Any other failure is rethrown as it is.
 */
export async function importWithPeers<T>(entry: string, peers: readonly string[], load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    const missing = missingPeer(err, peers);
    if (missing === undefined) throw err;
    throw new FarsightError(
      "core/peer-missing",
      `${entry} needs ${missing}, an optional peer that is not installed: npm install ${peers.join(" ")}`,
      { entry, package: missing, peers: [...peers] },
      { cause: err },
    );
  }
}

/** The peer a module-not-found error names (Node: `Cannot find package '<name>' imported from ...`), if any. */
function missingPeer(err: unknown, peers: readonly string[]): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") return undefined;
  const message = String((err as { message?: unknown }).message);
  return peers.find((p) => message.includes(`'${p}'`) || message.includes(`"${p}"`) || message.includes(`'${p}/`));
}
