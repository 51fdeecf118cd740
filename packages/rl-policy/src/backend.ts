/**
 * TF.js backend selection. Order: `tensorflow` (tfjs-node, when the user installed it), `wasm`, `cpu`.
 *
 * `@tensorflow/tfjs-node` is an optional accelerator, never a dependency: it cannot install on machines
 * without network access to its libtensorflow download. We try to import it by a computed name so that
 * bundlers and `tsc` do not require it.
 */
// TF.js itself at run time and here; the structural view of ./tensor-view.ts in a consumer's compiler (see there).
import * as tf from "#tfjs";
import { FarsightError } from "@farsight/core";
import { BUNDLED_BACKENDS } from "./bundled-backends.js";
import { registerGradients } from "./gradients.js";
import { type BackendName, type BackendReport } from "./plain-types.js";
export type { BackendName, BackendReport } from "./plain-types.js";


/** Default preference: fastest first. */
export const DEFAULT_BACKEND_ORDER: readonly BackendName[] = ["tensorflow", "wasm", "cpu"];


let tfjsNodeTried: Promise<string | null> | null = null;

/** Imports tfjs-node once; resolves to null on success or the reason it is unavailable. */
function tryTfjsNode(): Promise<string | null> {
  tfjsNodeTried ??= (async () => {
    const name = "@tensorflow/tfjs-node";
    try {
      await import(/* @vite-ignore */ name);
      return null;
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      // Node says "Cannot find package"; bundlers and vite-node "Could not resolve".
      const missing = (err as { code?: string }).code === "ERR_MODULE_NOT_FOUND" || /Cannot find (package|module)|Could not resolve/.test(msg);
      return missing ? `${name} not installed` : `${name} failed to load: ${msg.split("\n")[0]}`;
    }
  })();
  return tfjsNodeTried;
}

/**
 * Selects the first backend of `order` that initialises, registers this package's gradients, and reports
 * the choice. Safe to call repeatedly: the same backend is kept when it is already active.
 *
 * @param order preference order; `FARSIGHT_TF_BACKEND=wasm` (or cpu, tensorflow) in the environment forces one.
 */
export async function initBackend(order: readonly BackendName[] = DEFAULT_BACKEND_ORDER): Promise<BackendReport> {
  registerGradients();
  const forced = process.env["FARSIGHT_TF_BACKEND"];
  const wanted = forced ? [forced as BackendName] : order;
  const skipped: { backend: BackendName; reason: string }[] = [];
  for (const backend of wanted) {
    if (backend === "tensorflow") {
      const reason = await tryTfjsNode();
      if (reason) {
        skipped.push({ backend, reason });
        continue;
      }
    }
    if (tf.getBackend() === backend) return report(backend, skipped);
    try {
      if (await tf.setBackend(backend)) {
        await tf.ready();
        // The cpu backend prints an "install tfjs-node" banner to stdout on first use, which would corrupt
        // `--json` output; the report above already says why tensorflow was skipped.
        if (backend === "cpu") (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
        return report(backend, skipped);
      }
      skipped.push({ backend, reason: "setBackend returned false" });
    } catch (err) {
      skipped.push({ backend, reason: err instanceof Error ? err.message.split("\n")[0]! : String(err) });
    }
  }
  throw new FarsightError("rl-policy/no-backend", `No TF.js backend could be initialised (tried ${wanted.join(", ")})`, { skipped });
}

function report(backend: BackendName, skipped: { backend: BackendName; reason: string }[]): BackendReport {
  const why = skipped.map((s) => `${s.backend} skipped: ${s.reason}`).join("; ");
  return { backend, skipped, summary: `TF.js backend: ${backend}${why ? ` (${why})` : ""}` };
}

/**
 * Throws a {@link FarsightError} naming {@link initBackend} when no TF.js backend is ready, instead of TF.js's
 * own "Backend 'wasm' has not yet been initialized" from deep inside the first tensor op. Called by every
 * constructor that allocates tensors.
 */
export function requireBackend(what: string): void {
  try {
    tf.backend();
  } catch (err) {
    throw new FarsightError(
      "rl-policy/backend-not-initialised",
      `${what} needs a TF.js backend, and none is ready: call \`await initBackend()\` from @farsight/rl-policy once before creating policies (TF.js: ${err instanceof Error ? err.message.split("\n")[0] : String(err)})`,
      { what },
      { cause: err },
    );
  }
}

/** Backends that can be initialised here, in preference order (for `farsight bench policy`). */
export async function availableBackends(): Promise<BackendName[]> {
  const out: BackendName[] = [];
  if ((await tryTfjsNode()) === null) out.push("tensorflow");
  for (const b of BUNDLED_BACKENDS) if (tf.findBackendFactory(b) !== null) out.push(b);
  return out;
}

export { tf };
