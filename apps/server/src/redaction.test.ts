/**
 * No secret reaches a file the server writes. A secret sits in every credential position of an --llm spec
 * (URL user info, an api_key query parameter, the Basic header built from the user info, a key taken from the
 * environment) and the session's components leak all of them: the model's reflection quotes them, a planner
 * failure's message holds the whole spec. Every file written under the state directory is then searched.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generateSynthetic, SyntheticWorld } from "@farsight/env";
import { SaturationAwarePlanner, type Planner } from "@farsight/planner";
import { TemplateReflector, type Reflector } from "@farsight/reflector";
import { openStorage, secretsOf, sessionAssistant, startServer } from "./index.js";

const PASSWORD = "pw-Zq81userinfo";
const QUERY_KEY = "qk-Yx72apikeyquery";
const ENV_KEY = "sk-envderived-Wv63abc";
const SPEC = `openai-compatible:http://ada:${PASSWORD}@127.0.0.1:9/v1?api_key=${QUERY_KEY}#fake-model`;
const BASIC = Buffer.from(`ada:${PASSWORD}`).toString("base64");
const ENV = { OPENAI_API_KEY: ENV_KEY, PATH: "/usr/bin" };
const LEAK = `model at ${SPEC} (Authorization: Basic ${BASIC}; Bearer ${ENV_KEY}); password ${PASSWORD}, key ${QUERY_KEY}`;

const dir = mkdtempSync(join(tmpdir(), "farsight-redaction-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function filesUnder(d: string): string[] {
  return readdirSync(d).flatMap((name) => {
    const p = join(d, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe("redaction at the write boundary", () => {
  it("finds the secrets of an --llm spec and its environment, and none of them is in any file under the state directory", async () => {
    expect(secretsOf([SPEC], ENV)).toEqual(expect.arrayContaining([PASSWORD, QUERY_KEY, BASIC, ENV_KEY]));
    expect(secretsOf([SPEC], ENV)).not.toContain("/usr/bin");

    const data = generateSynthetic({ numCategories: 5, numItems: 40, numUsers: 10, embeddingDim: 4, seed: 1 });
    const storage = await openStorage(`sqlite:${join(dir, "state", "server.sqlite")}`, { secrets: secretsOf([SPEC], ENV) });
    const inner = new SaturationAwarePlanner();
    const planner: Planner = { name: inner.name, usesLlm: true, plan: async (requests) => {
      if (requests.some((r) => r.userId === 7)) throw new Error(`request to ${SPEC} failed: 401 for Basic ${BASIC}`);
      return inner.plan(requests);
    } };
    const template = new TemplateReflector();
    const reflector: Reflector = { name: "leaky", usesLlm: true, reflect: async (episode, context) => {
      const r = await template.reflect(episode, context);
      return { ...r, text: `${r.text} ${LEAK}` };
    } };
    const session = await sessionAssistant(
      { catalog: data.catalog, numUsers: 10, planner, scorer: new SyntheticWorld(data).scorer, reflector, slateSize: 2, maxSteps: 3, describe: { llm: SPEC } },
      { checkpointer: storage.checkpointer, store: storage.store, replicaId: "r1" },
    );
    const server = await startServer({ graphs: [session], storage });
    const post = (path: string, body: unknown) =>
      fetch(server.url + path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) }).then((r) => r.json() as Promise<Record<string, unknown>>);
    const t = String((await post("/threads", { metadata: { note: LEAK } }))["thread_id"]);
    await post(`/threads/${t}/runs/wait`, { assistant_id: "session", input: { userId: 1, sessionId: `s-${PASSWORD}` } });
    for (let step = 0; step < 3; step++) await post(`/threads/${t}/runs/wait`, { assistant_id: "session", command: { resume: { feedback: [1, 0] } } });
    const values = (await fetch(`${server.url}/threads/${t}/state`).then((r) => r.json())) as { values: { reflection?: string; done?: boolean } };
    expect(values.values.done).toBe(true);
    expect(values.values.reflection).toMatch(/model at openai-compatible:http:\/\/\*\*\*@127\.0\.0\.1:9/);
    const failed = String((await post("/threads", {}))["thread_id"]);
    const err = await post(`/threads/${failed}/runs/wait`, { assistant_id: "session", input: { userId: 7 } });
    expect(String(err["detail"])).toMatch(/request to/);
    expect(JSON.stringify(err)).not.toContain(PASSWORD);
    const bg = await post(`/threads/${failed}/runs`, { assistant_id: "session" });
    await fetch(`${server.url}/threads/${failed}/runs/${String(bg["run_id"])}/join`);
    await server.close();

    const files = filesUnder(dir);
    expect(files.some((f) => f.endsWith("server.sqlite"))).toBe(true);
    for (const f of files) {
      const bytes = readFileSync(f).toString("latin1");
      for (const secret of [PASSWORD, QUERY_KEY, BASIC, ENV_KEY]) expect({ file: f, secret, found: bytes.includes(secret) }).toEqual({ file: f, secret, found: false });
    }
  });
});
