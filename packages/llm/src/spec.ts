import { FarsightError, redactUrl } from "@farsight/core";
import { METHOD_CHAINS, STRUCTURED_METHODS, type MethodFamily, type StructuredMethod } from "./methods.js";
import { parsePoolSpec, type PoolSpec } from "./pool-spec.js";

/** A parsed model spec string; `structured` is the `?structured=<method>` override, when given. */
export type ModelSpec = (
  | { provider: "none" }
  | { provider: "openai"; model: string }
  | { provider: "openai-compatible"; baseURL: string; model: string }
  | { provider: "ollama"; model: string; host?: string }
  | { provider: "llama-cpp"; path?: string }
  | { provider: "scripted"; file: string }
  | ({ provider: "pool" } & Omit<PoolSpec, "structured">)
) & { structured?: StructuredMethod };

/** Which structured-output methods a provider can use (see {@link METHOD_CHAINS}). */
export function methodFamily(provider: ModelSpec["provider"]): MethodFamily {
  if (provider === "openai" || provider === "openai-compatible") return "openai";
  if (provider === "ollama" || provider === "llama-cpp") return provider;
  return "other";
}

/**
 * The structured-output methods a parsed spec can use, strongest first. A pool uses the methods every one of
 * its endpoints has (a pool mixing Ollama and OpenAI-compatible servers: `prompt` only), because one method
 * state is shared by all its endpoints.
 */
export function specMethods(parsed: ModelSpec): StructuredMethod[] {
  if (parsed.provider !== "pool") return [...METHOD_CHAINS[methodFamily(parsed.provider)]];
  const chains = parsed.endpoints.map((e) => METHOD_CHAINS[methodFamily(e.provider)]);
  return chains[0]!.filter((m) => chains.every((c) => c.includes(m)));
}

/** The accepted spec forms, as shown in errors and help texts. */
export const MODEL_SPEC_FORMS: readonly string[] = [
  "none                                  no model: LLM components refuse, non-LLM ones run",
  "openai:<model>                        OpenAI API (OPENAI_API_KEY), e.g. openai:gpt-4o-mini",
  "openai-compatible:<baseURL>#<model>   vLLM, llama.cpp server, LM Studio, e.g. openai-compatible:http://127.0.0.1:8000/v1#Qwen2.5-7B-Instruct",
  "ollama:<model>[@<host>]               Ollama (OLLAMA_HOST), e.g. ollama:llama3.1 or ollama:qwen2.5:7b@http://gpu-box:11434",
  "llama-cpp:[<path.gguf>|<name>]        in process (node-llama-cpp); a name or no path: a model from `farsight models fetch` (default smollm2) or FARSIGHT_GGUF",
  "scripted:<file.jsonl>                 replays recorded answers (see recordTo / --record)",
  "pool:<spec>[?concurrency=N],<spec>,...  several openai/openai-compatible/ollama endpoints as one model: least-busy routing, health probes, failover",
  "pool:<file.json>                      the same from a file: {\"endpoints\": [\"<spec>\", {\"spec\": \"<spec>\", \"concurrency\": N}]}",
  "<any of these>?structured=<method>    start structured output at <method>: json-schema, tools, json-mode (openai*), format (ollama), grammar (llama-cpp), prompt",
];

function badSpec(spec: string, problem: string): FarsightError {
  return new FarsightError("llm/bad-spec", `bad model spec "${redactUrl(spec)}": ${problem}. Accepted forms:\n  ${MODEL_SPEC_FORMS.join("\n  ")}`, { spec: redactUrl(spec), problem });
}

/** Parses a spec string such as "ollama:llama3.1" (see {@link MODEL_SPEC_FORMS}); throws a FarsightError listing the forms. */
export function parseModelSpec(spec: string): ModelSpec {
  const { rest: s, method } = splitMethod(spec);
  const parsed = parseBase(spec, s);
  if (!method) return parsed;
  if (parsed.provider === "none") throw badSpec(spec, `"none" has no structured output to configure`);
  return withMethod(spec, parsed, method);
}

function withMethod(spec: string, parsed: ModelSpec, method: StructuredMethod): ModelSpec {
  const methods = specMethods(parsed);
  if (!methods.includes(method)) {
    const what = parsed.provider === "pool" ? "this pool (the methods all its endpoints have)" : parsed.provider;
    throw badSpec(spec, `structured=${method} is not available for ${what}; use one of ${methods.join(", ")}`);
  }
  return { ...parsed, structured: method };
}

/** Strips a trailing "?structured=<method>" (the one option a spec string carries besides its address). */
function splitMethod(spec: string): { rest: string; method?: StructuredMethod } {
  const s = spec.trim();
  const m = /\?structured=([a-z-]*)$/.exec(s);
  if (!m) return { rest: s };
  const method = m[1] as StructuredMethod;
  if (!STRUCTURED_METHODS.includes(method)) throw badSpec(spec, `unknown structured output method "${m[1]}"; known: ${STRUCTURED_METHODS.join(", ")}`);
  return { rest: s.slice(0, m.index), method };
}

function parseBase(spec: string, s: string): ModelSpec {
  if (s === "none" || s === "") return { provider: "none" };
  const colon = s.indexOf(":");
  if (colon < 0) throw badSpec(spec, "no provider prefix");
  const provider = s.slice(0, colon);
  const rest = s.slice(colon + 1);
  switch (provider) {
    case "openai":
      if (!rest) throw badSpec(spec, "openai needs a model name");
      return { provider, model: rest };
    case "openai-compatible": {
      const hash = rest.lastIndexOf("#");
      if (hash < 0) throw badSpec(spec, "openai-compatible needs <baseURL>#<model>");
      const baseURL = rest.slice(0, hash);
      const model = rest.slice(hash + 1);
      if (!/^https?:\/\/\S+$/.test(baseURL)) throw badSpec(spec, `"${baseURL}" is not an http(s) URL`);
      if (!model) throw badSpec(spec, "the model name after # is empty");
      return { provider, baseURL, model };
    }
    case "ollama": {
      // Model names may contain ":" (qwen2.5:7b) but not "@", so the last "@" starts the host.
      const at = rest.lastIndexOf("@");
      const model = at < 0 ? rest : rest.slice(0, at);
      const host = at < 0 ? undefined : normalizeHost(rest.slice(at + 1));
      if (!model) throw badSpec(spec, "ollama needs a model name");
      if (at >= 0 && !host) throw badSpec(spec, "the host after @ is empty");
      return host ? { provider, model, host } : { provider, model };
    }
    case "llama-cpp":
      return rest ? { provider, path: rest } : { provider };
    case "scripted":
      if (!rest) throw badSpec(spec, "scripted needs a file");
      return { provider, file: rest };
    case "pool": {
      const { structured, ...pool } = parsePoolSpec(rest, (problem) => badSpec(spec, problem));
      // Every endpoint must itself be a valid spec; its own error says what is wrong with it.
      for (const e of pool.endpoints) {
        try {
          parseBase(e.spec, e.spec);
        } catch (err) {
          throw badSpec(spec, `endpoint "${redactUrl(e.spec)}": ${String((err as FarsightError).context?.problem ?? (err as Error).message)}`);
        }
      }
      const parsed: ModelSpec = { provider, ...pool };
      if (structured === undefined) return parsed;
      if (!STRUCTURED_METHODS.includes(structured as StructuredMethod)) throw badSpec(spec, `unknown structured output method "${structured}" in ${pool.file}; known: ${STRUCTURED_METHODS.join(", ")}`);
      return withMethod(spec, parsed, structured as StructuredMethod);
    }
    default:
      throw badSpec(spec, `unknown provider "${provider}"`);
  }
}

/** "gpu-box:11434" -> "http://gpu-box:11434"; a URL stays as it is. */
export function normalizeHost(host: string): string {
  const h = host.trim().replace(/\/+$/, "");
  if (!h) return "";
  return /^https?:\/\//.test(h) ? h : `http://${h}`;
}
