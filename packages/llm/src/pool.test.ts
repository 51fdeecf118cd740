// The endpoint pool (`pool:` specs) against fake model servers this test starts on 127.0.0.1: real ChatOpenAI
// and ChatOllama clients, real sockets, servers killed with their connections destroyed.
// (Imported by path: @farsight/testing depends on @farsight/llm, not back.)
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { FarsightError } from "@farsight/core";
import {
  constrainedReply,
  startFakeOllamaServer,
  startFakeOpenAiServer,
  type FakeLlmReply,
  type FakeLlmScript,
  type FakeLlmServer,
} from "../../testing/src/fake-llm-server.js";
import { createChatModel, LlmStats, poolOf, structured, type ChatModelOptions, type EndpointSnapshot } from "./index.js";

const pick = z.object({ category: z.string(), score: z.number() });
const good = JSON.stringify({ category: "jazz", score: 0.5 });

let servers: FakeLlmServer[] = [];
let cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const c of cleanups) c();
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  cleanups = [];
});

async function openai(script: FakeLlmScript, port?: number): Promise<FakeLlmServer> {
  const s = await startFakeOpenAiServer(script, port === undefined ? {} : { port });
  servers.push(s);
  return s;
}

const member = (s: FakeLlmServer) => `openai-compatible:${s.url}#fake-model`;

async function poolModel(spec: string, options: ChatModelOptions = {}) {
  const stats = new LlmStats();
  const model = await createChatModel(spec, { stats, cache: false, retryBaseDelayMs: 5, pool: { probeIntervalMs: 20 }, ...options });
  if (!model) throw new Error("expected a model");
  cleanups.push(() => poolOf(model)?.close());
  return { model, stats };
}

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const sum = (eps: Record<string, EndpointSnapshot>, key: "requests" | "successes" | "failures" | "failovers" | "promptTokens" | "completionTokens") =>
  Object.values(eps).reduce((n, e) => n + e[key], 0);

describe("pool: three endpoints, one killed mid-run", () => {
  it("answers every request, counts add up, the killed endpoint's in-flight requests fail over, the slow endpoint gets fewer", async () => {
    const fast = await openai(() => ({ content: good, delayMs: 10 }));
    // Answers two requests, then holds every further one open (a model mid-generation) until it is killed.
    const doomed = await openai((_req, i): FakeLlmReply => (i < 2 ? { content: good, delayMs: 10 } : { hang: true }));
    const slow = await openai(() => ({ content: good, delayMs: 250 }));
    const { model, stats } = await poolModel(`pool:${member(fast)},${member(doomed)},${member(slow)}`);

    const total = 60;
    const run = Promise.all(Array.from({ length: total }, (_, i) => structured(model, pick, `Pick a category for user ${i}.`, { stats, name: "pick" })));
    // The default limit of an openai-compatible endpoint is 4: the doomed one is full of requests that never end.
    await until(() => doomed.requests.length === 6 && doomed.inFlight === 4, "four requests held by the doomed server");
    const inFlightAtKill = doomed.inFlight;
    await doomed.close();
    const results = await run;

    expect(results.filter((r) => r.ok)).toHaveLength(total);
    const s = stats.snapshot();
    const e = s.endpoints;
    const [f, d, w] = [member(fast), member(doomed), member(slow)];
    expect(Object.keys(e).sort()).toEqual([f, d, w].sort());
    // Every request answered exactly once, wherever it ended up.
    expect(s.requests).toBe(total);
    expect(sum(e, "successes")).toBe(total);
    expect(sum(e, "requests")).toBe(s.calls);
    expect(sum(e, "failures")).toBe(s.failures);
    for (const x of Object.values(e)) expect(x.requests, `${JSON.stringify(x)}`).toBe(x.successes + x.failures + x.inFlight);
    // The killed endpoint: its requests in flight at the kill failed over, nothing else failed anywhere.
    expect(inFlightAtKill).toBe(4);
    expect(e[d]!.successes).toBe(2);
    expect(e[d]!.failovers).toBe(inFlightAtKill);
    expect(e[d]!.failures).toBe(inFlightAtKill);
    expect(s.failovers).toBe(inFlightAtKill);
    expect(e[f]!.failures + e[w]!.failures).toBe(0);
    expect(e[d]!.state).toBe("down");
    expect(e[d]!.lastError).toBeDefined();
    // The servers agree with the counts: answers and tokens.
    expect(e[f]!.successes).toBe(fast.answered);
    expect(e[w]!.successes).toBe(slow.answered);
    expect(sum(e, "promptTokens")).toBe(s.promptTokens);
    expect(s.promptTokens).toBe(fast.promptTokensSent + doomed.promptTokensSent + slow.promptTokensSent);
    expect(sum(e, "completionTokens")).toBe(fast.completionTokensSent + doomed.completionTokensSent + slow.completionTokensSent);
    // Least busy: the slow endpoint keeps its slots longer, so it gets fewer requests; no limit was exceeded.
    expect(e[w]!.requests).toBeLessThan(e[f]!.requests);
    for (const server of [fast, doomed, slow]) expect(server.maxInFlight).toBeLessThanOrEqual(4);
  });
});

describe.each([
  { flavour: "openai-compatible", start: startFakeOpenAiServer, spec: (s: FakeLlmServer) => member(s), probe: "/v1/models" },
  { flavour: "ollama", start: startFakeOllamaServer, spec: (s: FakeLlmServer) => `ollama:fake-model@${s.url}`, probe: "/api/tags" },
])("pool of $flavour endpoints", ({ start, spec }) => {
  async function server(port?: number): Promise<FakeLlmServer> {
    const s = await start(() => good, port === undefined ? {} : { port });
    servers.push(s);
    return s;
  }

  it("a down endpoint comes back once its health probe answers, and gets requests again", async () => {
    const first = await server();
    const second = await server();
    const { model, stats } = await poolModel(`pool:${spec(first)},${spec(second)}`);
    const id = spec(first);
    await first.close();

    expect((await structured(model, pick, "user 1", { stats })).ok).toBe(true);
    expect(stats.endpoint(id).snapshot()).toMatchObject({ state: "down", failovers: 1, successes: 0, downs: 1 });
    await until(() => stats.endpoint(id).probeFailures >= 1, "a failed probe of the dead endpoint");

    const restarted = await server(first.port);
    await until(() => stats.endpoint(id).state === "up", "the restarted endpoint to be probed back up");
    expect(restarted.probes).toBeGreaterThanOrEqual(1);
    expect(stats.endpoint(id).recoveries).toBe(1);
    for (let i = 2; i <= 5; i++) expect((await structured(model, pick, `user ${i}`, { stats })).ok).toBe(true);
    // One at a time, both equally idle: the requests alternate between the two endpoints.
    expect(restarted.requests).toHaveLength(2);
    expect(stats.endpoint(id).snapshot()).toMatchObject({ successes: 2, failures: 1 });
  });

  it("every endpoint down: a FarsightError naming each endpoint and its last error, after the pool-level retries", async () => {
    const a = await server();
    const b = await server();
    const { model, stats } = await poolModel(`pool:${spec(a)},${spec(b)}`, { retries: 2 });
    await Promise.all([a.close(), b.close()]);

    const err = await model.invoke("Pick one.").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FarsightError);
    expect((err as FarsightError).code).toBe("llm/pool-unavailable");
    const message = (err as Error).message;
    for (const s of [a, b]) expect(message).toMatch(new RegExp(`${spec(s).replace(/[.?*+^$()[\]{}|\\]/g, "\\$&")}: down \\(last error: .*(ECONNREFUSED|fetch failed|Connection error)`));
    // The first round tried both endpoints; the two retries found both down without sending anything.
    expect(stats.retries).toBe(2);
    expect(stats.calls).toBe(2);
    const r = await structured(model, pick, "Pick one.", { stats });
    expect(r).toMatchObject({ ok: false, error: expect.stringContaining(spec(a)) });
  });
});

describe("pool routing and failure handling", () => {
  it("an HTTP 5xx fails the request over and the endpoint is back after one probe", async () => {
    const flaky = await openai((_req, i): FakeLlmReply => (i === 0 ? { status: 503, error: "overloaded" } : { content: good }));
    const steady = await openai(() => good);
    const { model, stats } = await poolModel(`pool:${member(flaky)},${member(steady)}`);
    expect((await structured(model, pick, "user 1", { stats })).ok).toBe(true);
    expect(stats.endpoint(member(flaky)).snapshot()).toMatchObject({ failovers: 1, downs: 1 });
    expect(stats.endpoint(member(steady)).successes).toBe(1);
    await until(() => stats.endpoint(member(flaky)).state === "up", "the probe to bring the endpoint back");
    expect(flaky.probes).toBe(1);
  });

  it("an endpoint that answers its probe but fails its requests again waits twice as long each time it comes back", async () => {
    const broken = await openai(() => ({ status: 500, error: "model crashed" })); // /v1/models still answers
    const steady = await openai(() => good);
    const { model, stats } = await poolModel(`pool:${member(broken)},${member(steady)}`);
    const pool = poolOf(model)!;
    const delays: (number | undefined)[] = [];
    for (let round = 1; round <= 3; round++) {
      await until(() => pool.states[0]!.up, "the broken endpoint to be probed back");
      // Idle endpoints tie and alternate: within two requests one goes to the broken endpoint and fails over.
      while (pool.states[0]!.up) expect((await structured(model, pick, `user ${round}`, { stats, maxRepairs: 0 })).ok).toBe(true);
      delays.push(pool.states[0]!.probeDelayMs);
    }
    expect(delays).toEqual([20, 40, 80]);
    expect(stats.endpoint(member(broken)).snapshot()).toMatchObject({ downs: 3, recoveries: 2, successes: 0, failovers: 3 });
  });

  it("a request that times out at one endpoint fails over to another (counted as a timeout there)", async () => {
    const stuck = await openai(() => ({ hang: true }));
    const steady = await openai(() => good);
    // Long enough for the steady server to answer on a busy machine; the stuck one costs exactly this long.
    const { model, stats } = await poolModel(`pool:${member(stuck)},${member(steady)}`, { timeoutMs: 1500 });
    expect((await structured(model, pick, "user 1", { stats })).ok).toBe(true);
    expect(stats.endpoint(member(stuck)).snapshot()).toMatchObject({ timeouts: 1, failovers: 1, state: "down" });
    expect(stats.timeouts).toBe(1);
  });

  it("routes to the least busy endpoint, not in turn: a request held at one endpoint sends the next ones to the other", async () => {
    const holding = await openai(() => ({ hang: true }));
    const free = await openai(() => good);
    // The timeout only bounds a wrongly routed request (it would hang); routed right, none waits for it.
    const { model, stats } = await poolModel(`pool:${member(holding)},${member(free)}`, { timeoutMs: 10_000 });
    const held = structured(model, pick, "user 0", { stats }); // a tie: the first endpoint gets it, and keeps it
    await until(() => holding.inFlight === 1, "the first request to reach the holding server");
    for (let i = 1; i <= 4; i++) expect((await structured(model, pick, `user ${i}`, { stats })).ok).toBe(true);
    expect(holding.requests).toHaveLength(1);
    expect(free.requests).toHaveLength(4);
    await holding.close(); // the held request fails over to the free endpoint
    expect((await held).ok).toBe(true);
    expect(free.requests).toHaveLength(5);
    expect(stats.endpoint(member(holding)).failovers).toBe(1);
  });

  it("honours per-endpoint ?concurrency= limits and queues at the pool when all are full", async () => {
    const narrow = await openai(() => ({ content: good, delayMs: 30 }));
    const wide = await openai(() => ({ content: good, delayMs: 30 }));
    const { model, stats } = await poolModel(`pool:${member(narrow)}?concurrency=1,${member(wide)}?concurrency=3`);
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => structured(model, pick, `user ${i}`, { stats })));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(narrow.maxInFlight).toBe(1);
    expect(wide.maxInFlight).toBeLessThanOrEqual(3);
    expect(narrow.requests.length + wide.requests.length).toBe(12);
    expect(narrow.requests.length).toBeGreaterThanOrEqual(1);
  });

  it("shares one structured-output method state: a method one endpoint rejects is not sent to the others", async () => {
    const toolsOnly: FakeLlmScript = (req) => constrainedReply(req, { category: "jazz", score: 0.5 }, { supports: ["tools"] });
    const a = await openai(toolsOnly);
    const b = await openai(toolsOnly);
    const { model, stats } = await poolModel(`pool:${member(a)},${member(b)}`);
    for (let i = 0; i < 4; i++) {
      const r = await structured(model, pick, `user ${i}`, { stats });
      expect(r.ok && r.method).toBe("tools");
    }
    const sent = [...a.requests, ...b.requests];
    expect(sent.filter((r) => r.body.response_format !== undefined)).toHaveLength(1);
    expect(a.requests.length).toBeGreaterThanOrEqual(2);
    expect(b.requests.length).toBeGreaterThanOrEqual(2);
    expect(stats.downgrades).toBe(1);
    // A rejected method is the request's fault, not the endpoint's: nobody was marked down.
    expect(stats.failovers).toBe(0);
    expect(Object.values(stats.snapshot().endpoints).map((e) => e.state)).toEqual(["up", "up"]);
  });

  it("streams the endpoint's chunks through the pool", async () => {
    const a = await openai(() => "one two three four");
    const { model } = await poolModel(`pool:${member(a)}`);
    const chunks: string[] = [];
    for await (const chunk of await model.stream("Say four words.")) chunks.push(String(chunk.content));
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join("")).toBe("one two three four");
  });
});
