/**
 * A fake server with constrained decoding that answers *anything* the schema allows: a random JSON value of the
 * request's JSON schema (json_schema, a forced tool's parameters or Ollama's format). A component whose answers
 * from such a server fall back trusts something its schema does not say (the case the per-request schemas close).
 */
import { Rng } from "@farsight/core";
import { constrainedReply, type ConstrainedServerOptions, type FakeLlmReply, type FakeLlmRequest } from "./fake-llm-server.js";

/** Longest string / list the sampler writes where a schema sets no bound (what grammars also cap). */
const FREE_STRING = 40;
const FREE_ITEMS = 4;

/**
 * A random value valid under `schema` (the subset constrained decoders implement: type, enum, const, anyOf / oneOf,
 * properties / required, items, minItems / maxItems, minLength / maxLength, minimum / maximum). Optional properties
 * are present half of the time. Throws for a schema it cannot satisfy, naming the node.
 */
export function randomSchemaValue(schema: unknown, rng: Rng, depth = 0): unknown {
  if (depth > 16) throw new Error("randomSchemaValue: schema nested deeper than 16 levels");
  if (!schema || typeof schema !== "object") return null; // `true` / {}: any value; null is one
  const s = schema as Record<string, unknown>;
  if (Array.isArray(s.enum)) {
    if (s.enum.length === 0) throw new Error("randomSchemaValue: an empty enum has no valid value");
    return s.enum[rng.int(s.enum.length)];
  }
  if ("const" in s) return s.const;
  const branches = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
  if (Array.isArray(branches) && branches.length) return randomSchemaValue(branches[rng.int(branches.length)], rng, depth + 1);
  const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type ?? (s.properties ? "object" : "null")];
  const type = types[rng.int(types.length)];
  switch (type) {
    case "string": {
      const min = typeof s.minLength === "number" ? s.minLength : 0;
      const max = typeof s.maxLength === "number" ? s.maxLength : Math.max(min, FREE_STRING);
      const n = rng.intBetween(min, max);
      const letters = "abcdefghij klmnopqrstuvwxyz";
      return Array.from({ length: n }, () => letters[rng.int(letters.length)]).join("");
    }
    case "integer":
    case "number": {
      const lo = typeof s.minimum === "number" ? s.minimum : -1000;
      const hi = typeof s.maximum === "number" ? s.maximum : 1000;
      return type === "integer" ? rng.intBetween(Math.ceil(lo), Math.floor(hi)) : rng.uniform(lo, hi);
    }
    case "boolean":
      return rng.bernoulli(0.5);
    case "null":
      return null;
    case "array": {
      const min = typeof s.minItems === "number" ? s.minItems : 0;
      const max = typeof s.maxItems === "number" ? s.maxItems : Math.max(min, FREE_ITEMS);
      return Array.from({ length: rng.intBetween(min, max) }, () => randomSchemaValue(s.items, rng, depth + 1));
    }
    case "object": {
      const props = (s.properties ?? {}) as Record<string, unknown>;
      const required = new Set((s.required as string[] | undefined) ?? []);
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(props)) if (required.has(k) || rng.bernoulli(0.5)) out[k] = randomSchemaValue(v, rng, depth + 1);
      return out;
    }
    default:
      throw new Error(`randomSchemaValue: unsupported schema type ${JSON.stringify(type)}`);
  }
}

/** The JSON schema a request constrains its answer to: json_schema's, the forced tool's parameters, or Ollama's format. */
export function requestSchema(request: FakeLlmRequest): unknown {
  const body = request.body as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const tool = body.tools?.[0]?.function?.parameters;
  if (tool) return tool;
  const rf = body.response_format;
  if (rf?.type === "json_schema") return rf.json_schema?.schema;
  if (body.format && typeof body.format === "object") return body.format;
  return undefined;
}

/**
 * A fake-server script that answers every constrained request with a random value of its schema (seeded, one
 * stream per request index): a model whose content is arbitrary but whose form is always right. Unconstrained
 * requests get prose, as from a real constrained-decoding server asked without a constraint.
 */
export function randomSchemaAnswers(seed: number, options: ConstrainedServerOptions = { supports: ["json_schema", "tools", "format"] }) {
  return (request: FakeLlmRequest, index: number): FakeLlmReply => {
    const schema = requestSchema(request);
    const value = schema === undefined ? null : randomSchemaValue(schema, new Rng(seed, `answer/${index}`));
    return constrainedReply(request, value, options);
  };
}
