import { FarsightError, redactUrl } from "@farsight/core";
import { METHOD_CHAINS, STRUCTURED_METHODS, type MethodFamily, type StructuredMethod } from "./methods.js";

/** A parsed model spec string; `structured` is the `?structured=<method>` override, when given. */
export type ModelSpec = (
  | { provider: "none" }
  | { provider: "openai"; model: string }
  | { provider: "openai-compatible"; baseURL: string; model: string }
  | { provider: "ollama"; model: string; host?: string }
  | { provider: "llama-cpp"; path?: string }
  | { provider: "scripted"; file: string }
) & { structured?: StructuredMethod };

/** Which structured-output methods a provider can use (see {@link METHOD_CHAINS}). */
export function methodFamily(provider: ModelSpec["provider"]): MethodFamily {
  if (provider === "openai" || provider === "openai-compatible") return "openai";
  if (provider === "ollama" || provider === "llama-cpp") return provider;
  return "other";
}

/** The accepted spec forms, as shown in errors and help texts. */
export const MODEL_SPEC_FORMS: readonly string[] = [
  "none                                  no model: LLM components refuse, non-LLM ones run",
  "openai:<model>                        OpenAI API (OPENAI_API_KEY), e.g. openai:gpt-4o-mini",
  "openai-compatible:<baseURL>#<model>   vLLM, llama.cpp server, LM Studio, e.g. openai-compatible:http://127.0.0.1:8000/v1#Qwen2.5-7B-Instruct",
  "ollama:<model>[@<host>]               Ollama (OLLAMA_HOST), e.g. ollama:llama3.1 or ollama:qwen2.5:7b@http://gpu-box:11434",
  "llama-cpp:[<path.gguf>|<name>]        in process (node-llama-cpp); a name or no path: a model from `farsight models fetch` (default smollm2) or FARSIGHT_GGUF",
  "scripted:<file.jsonl>                 replays recorded answers (see recordTo / --record)",
  "<any of these>?structured=<method>    start structured output at <method>: json-schema, tools, json-mode (openai*), format (ollama), grammar (llama-cpp), prompt",
];

function badSpec(spec: string, problem: string): FarsightError {
  return new FarsightError("llm/bad-spec", `bad model spec "${redactUrl(spec)}": ${problem}. Accepted forms:\n  ${MODEL_SPEC_FORMS.join("\n  ")}`, { spec: redactUrl(spec) });
}

/** Parses a spec string such as "ollama:llama3.1" (see {@link MODEL_SPEC_FORMS}); throws a FarsightError listing the forms. */
export function parseModelSpec(spec: string): ModelSpec {
  const { rest: s, method } = splitMethod(spec);
  const parsed = parseBase(spec, s);
  if (!method) return parsed;
  if (parsed.provider === "none") throw badSpec(spec, `"none" has no structured output to configure`);
  const family = methodFamily(parsed.provider);
  if (!METHOD_CHAINS[family].includes(method)) {
    throw badSpec(spec, `structured=${method} is not available for ${parsed.provider}; use one of ${METHOD_CHAINS[family].join(", ")}`);
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
