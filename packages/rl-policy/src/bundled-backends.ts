// Registers the TF.js backends this package depends on (importing them is what registers them). Apart from
// backend.ts because a declaration file keeps a module's bare imports: backend.d.ts, which every entry reaches,
// would otherwise send a consumer's compiler into the backends' own .d.ts (tfjs-backend-wasm's needs the
// `EmscriptenModule` global of @types/emscripten). backend.ts imports a value from here, which its
// declarations do not need, so they do not import this file.
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import type { BackendName } from "./plain-types.js";

/** The backends registered by importing this package, in preference order. */
export const BUNDLED_BACKENDS: readonly BackendName[] = ["wasm", "cpu"];
