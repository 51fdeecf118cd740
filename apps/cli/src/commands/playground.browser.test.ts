/**
 * The playground in a real headless Chromium (Debian's, driven by playwright-core): the server this test starts
 * in process on 127.0.0.1 (SQLite storage, the synthetic preset, the non-LLM planner and reflector, as
 * `farsight serve` without --llm) serves the page, and the test plays a whole session by clicking: it clicks the
 * first item of some slates, skips others, leaves, and checks what the page showed against the server's thread.
 * Every request not to the server is blocked and counted. A third test plays against `farsight serve --llm` on a
 * fake OpenAI-compatible model server (also on 127.0.0.1), so the page shows the model's plan and reflection. Saves .ci/out/playground.png (the end of the session)
 * and .ci/out/playground-slate.png (a first slate, on a phone-sized window).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { plannerAnswer, reflectorAnswer, startFakeOpenAiServer, type FakeLlmServer } from "@farsight/testing";
import { openStorage, playground, presetSession, sessionAssistant, startServer, type PresetSession, type RunningServer } from "@farsight/server";
import { CHROMIUM_ARGS, findChromium } from "../report/browser.js";
import { ensureChromium } from "../report/test-chromium.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
const outDir = join(repoRoot, ".ci/out");
const SLATE = 3;
const bin = fileURLToPath(new URL("../../dist/bin.js", import.meta.url));

interface ShownSlate {
  step: string;
  items: number[];
  titles: string[];
  categories: string[][];
  plan: string[];
  source: string | undefined;
}

/** What the page shows of the current slate. */
async function readSlate(page: Page): Promise<ShownSlate> {
  const cards = page.locator("#slate li");
  return {
    step: (await page.locator("#step-number").textContent()) ?? "",
    items: (await cards.evaluateAll((lis) => lis.map((li) => li.getAttribute("data-item")))).map(Number),
    titles: await page.locator("#slate li .title").allTextContents(),
    categories: await cards.evaluateAll((lis) => lis.map((li) => Array.from(li.querySelectorAll(".chip"), (c: { textContent: string | null }) => c.textContent ?? ""))),
    plan: await page.locator("#plan .chip").allTextContents(),
    source: (await page.locator("#plan").getAttribute("data-source")) ?? undefined,
  };
}

/** The error box's text, once it shows. */
async function alertText(page: Page): Promise<string> {
  const alert = page.getByRole("alert");
  await alert.waitFor({ state: "visible" });
  return (await alert.textContent()) ?? "";
}

/** Waits until no run is in flight (the page sets aria-busy on the body while it waits for the server). */
const settled = (page: Page) => page.locator("body:not([aria-busy])").waitFor({ state: "attached" });

describe("the playground in headless Chromium", () => {
  let unavailable: string | null = null;
  let browser: Browser | undefined;
  let server: RunningServer | undefined;
  let session: PresetSession | undefined;
  const children: ChildProcess[] = [];
  const fakes: FakeLlmServer[] = [];
  const dir = mkdtempSync(join(tmpdir(), "farsight-playground-"));

  beforeAll(async () => {
    unavailable = ensureChromium("playground.browser.test");
    if (unavailable) {
      console.warn(`SKIPPING the playground browser test: ${unavailable}`);
      return;
    }
    session = await presetSession({ preset: "synthetic", slateSize: SLATE });
    const storage = await openStorage(`sqlite:${join(dir, "server.sqlite")}`);
    const assistant = await sessionAssistant(session, { checkpointer: storage.checkpointer, store: storage.store, replicaId: "playground-test" });
    server = await startServer({ graphs: [assistant], storage, port: 0, staticFiles: playground(session.catalog) });
    browser = await chromium.launch({ executablePath: findChromium()!, args: [...CHROMIUM_ARGS] });
  }, 900_000);

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
    for (const f of fakes) await f.close();
    await browser?.close();
    await server?.close();
    session?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A page that may only talk to the server; every other request is aborted and listed in `blocked`. */
  async function openPage(viewport: { width: number; height: number }, base = server!.url) {
    const page = await browser!.newPage({ viewport });
    const blocked: string[] = [];
    const errors: string[] = [];
    page.on("console", (m) => void (m.type() === "error" && errors.push(m.text())));
    page.on("pageerror", (e) => errors.push(e.message));
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith(`${base}/`)) return route.continue();
      blocked.push(url);
      return route.abort();
    });
    await page.goto(`${base}/`, { waitUntil: "load" });
    await page.locator("#served", { hasText: "Serving preset synthetic" }).waitFor();
    return { page, blocked, errors };
  }

  it("plays a whole session by clicking: slates never repeat, the plan is shown, the reflection ends it, the server agrees", async (ctx) => {
    if (unavailable || !browser) return ctx.skip();
    const { page, blocked, errors } = await openPage({ width: 900, height: 900 });
    await page.getByLabel("User id").fill("7");
    await page.getByRole("button", { name: "Start session" }).click();

    const shown: ShownSlate[] = [];
    const clicked: number[][] = [];
    const planned = ["click", "skip", "click", "click", "skip", "click"];
    for (const [t, choice] of planned.entries()) {
      await page.locator("#session").waitFor({ state: "visible" });
      await settled(page);
      const slate = await readSlate(page);
      expect(slate.step, `slate ${t + 1} is numbered`).toMatch(new RegExp(`^${t + 1} of at most 30$`));
      expect(slate.items).toHaveLength(SLATE);
      expect(slate.plan.length, `slate ${t + 1} shows the plan's categories`).toBeGreaterThan(0);
      expect(slate.source).toBe("heuristic");
      expect(await page.locator("#plan .source").textContent()).toBe(`planned without a language model (${session!.planner.name})`);
      for (const [k, item] of slate.items.entries()) {
        expect(slate.titles[k]).toBe(session!.catalog.itemTitles![item]);
        expect(slate.categories[k]![0]).toBe(session!.catalog.categoryNames[session!.catalog.itemCategory[item]!]);
      }
      shown.push(slate);
      const feedback = slate.items.map((_, k) => (choice === "click" && k === 0 ? 1 : 0));
      if (choice === "click") await page.locator("#slate li").first().getByRole("button", { name: "Click" }).click();
      const pressed = await page.locator("#slate li button.toggle").evaluateAll((bs) => bs.map((b) => (b.getAttribute("aria-pressed") === "true" ? 1 : 0)));
      expect(pressed, `the toggles show what was clicked on slate ${t + 1}`).toEqual(feedback);
      clicked.push(feedback);
      await page.getByRole("button", { name: "Send feedback" }).click();
      await page.locator("#step-number", { hasText: new RegExp(`^${t + 2} `) }).waitFor();
    }
    const all = shown.flatMap((s) => s.items);
    expect(new Set(all).size, `no item is shown twice in a session`).toBe(all.length);
    await settled(page);
    await page.getByRole("button", { name: "Leave session" }).click();
    await page.locator("#end").waitFor({ state: "visible" });

    const summary = Object.fromEntries(await page.locator("#summary dd").evaluateAll((dds) => dds.map((d) => [d.getAttribute("data-key"), d.textContent])));
    const reflection = (await page.locator("#reflection").textContent()) ?? "";
    const clicks = clicked.flat().filter((f) => f > 0).length;
    expect(summary).toEqual({ steps: String(planned.length), clicks: `${clicks} of ${planned.length * SLATE} items shown`, return: (clicks / SLATE).toFixed(2) });
    expect(reflection.length, `the reflection is shown`).toBeGreaterThan(20);
    expect(await page.locator("#history li").count()).toBe(planned.length);

    // The server's thread holds what the page showed and what was clicked.
    const threadId = /#thread=([\w-]+)$/.exec(page.url())?.[1];
    expect(threadId).toBeDefined();
    const thread = (await (await fetch(`${server!.url}/threads/${threadId}`)).json()) as { status: string; values: { done: boolean; reflection: string; steps: { slate: number[]; feedback: number[]; planCategories: number[] }[]; returnSoFar: number }; interrupts: object };
    expect(thread.status).toBe("idle");
    expect(thread.interrupts).toEqual({});
    expect(thread.values.done).toBe(true);
    expect(thread.values.steps.map((s) => s.slate)).toEqual(shown.map((s) => s.items));
    expect(thread.values.steps.map((s) => s.feedback)).toEqual(clicked);
    expect(thread.values.steps.map((s) => s.planCategories.map((c) => session!.catalog.categoryNames[c]))).toEqual(shown.map((s) => s.plan));
    expect(thread.values.returnSoFar).toBeCloseTo(clicks / SLATE);
    expect(thread.values.reflection).toBe(reflection);

    expect(blocked, `the page asks nothing of any address but the server`).toEqual([]);
    expect(errors).toEqual([]);
    mkdirSync(outDir, { recursive: true });
    const png = join(outDir, "playground.png");
    await page.screenshot({ path: png, fullPage: true });
    expect(statSync(png).size).toBeGreaterThan(10_000);
    console.log(`playground screenshot: ${png}`);
    await page.close();
  });

  it("shows the server's error when it refuses or does not answer, and a reloaded page continues its thread", async (ctx) => {
    if (unavailable || !browser) return ctx.skip();
    const { page, blocked } = await openPage({ width: 390, height: 900 });
    await page.getByLabel("User id").fill("100000");
    await page.getByRole("button", { name: "Start session" }).click();
    expect(await alertText(page)).toMatch(/user id must be a whole number from 0 to 299/);

    // A thread the server does not know: its 404 and detail reach the person.
    await page.goto(`${server!.url}/#thread=no-such-thread`);
    await page.reload();
    expect(await alertText(page)).toMatch(/GET \/threads\/no-such-thread failed \(404\): .*no-such-thread/);
    // A thread without a session (created, never started) is named as such.
    const empty = ((await (await fetch(`${server!.url}/threads`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" })).json()) as { thread_id: string }).thread_id;
    await page.goto(`${server!.url}/#thread=${empty}`);
    await page.reload();
    expect(await alertText(page)).toBe(`thread ${empty} holds no session; start one below`);

    await page.goto(`${server!.url}/`);
    await page.locator("#served", { hasText: "Serving" }).waitFor();
    // A server that stopped answering: the person is told which request failed and what to check.
    await page.route(`${server!.url}/threads`, (route) => route.abort("connectionrefused"));
    await page.getByLabel("User id").fill("2");
    await page.getByRole("button", { name: "Start session" }).click();
    expect(await alertText(page)).toMatch(/^the server did not answer POST \/threads \(.*\); is farsight serve still running\?$/);
    await page.unroute(`${server!.url}/threads`);

    await page.getByRole("button", { name: "Start session" }).click();
    await page.locator("#step-number", { hasText: /^1 / }).waitFor();
    const first = await readSlate(page);
    await page.locator("#slate li").nth(1).getByRole("button", { name: "Click" }).click();
    mkdirSync(outDir, { recursive: true });
    await page.screenshot({ path: join(outDir, "playground-slate.png"), fullPage: true });
    const overflow = Number(await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"));
    expect(overflow, `nothing sticks out of a phone-sized window`).toBeLessThanOrEqual(0);
    await page.reload();
    await page.locator("#step-number", { hasText: /^1 / }).waitFor();
    expect((await readSlate(page)).items, `the reloaded page shows the pending slate again`).toEqual(first.items);
    expect(blocked).toEqual([]);
    await page.close();
  });

  it("with a model configured (farsight serve --llm), shows the model's plan and its reflection", async (ctx) => {
    if (unavailable || !browser) return ctx.skip();
    // The model's answers: the preflight's question, LERL's planning prompt (categories 2 and 5), the reflection.
    const fake = await startFakeOpenAiServer((request) => {
      if (request.promptText.includes("Which one content category")) return JSON.stringify({ category: "jazz", confidence: 0.9 });
      if (request.promptText.includes("high-level planning assistant")) return plannerAnswer([2, 5]);
      return reflectorAnswer();
    });
    fakes.push(fake);
    const child = spawn(process.execPath, [bin, "serve", "--port", "0", "--memory", "--slate", String(SLATE), "--llm", `openai-compatible:${fake.url}#fake-model`], { stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += String(d)));
    const url = await new Promise<string>((ok, fail) => {
      createInterface({ input: child.stdout! }).on("line", (line) => {
        const m = /^listening (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
        if (m) ok(m[1]!);
      });
      child.once("exit", (code) => fail(new Error(`farsight serve exited (${code}): ${stderr}`)));
    });
    expect(stderr).toContain(`playground at ${url}/`);

    const { page, blocked, errors } = await openPage({ width: 900, height: 900 }, url);
    expect(await page.locator("#served").textContent()).toMatch(/planner llm-category, reflector llm, model openai-compatible:/);
    await page.getByLabel("User id").fill("4");
    await page.getByRole("button", { name: "Start session" }).click();
    const names = session!.catalog.categoryNames;
    for (let t = 0; t < 2; t++) {
      await page.locator("#step-number", { hasText: new RegExp(`^${t + 1} `) }).waitFor();
      await settled(page);
      const slate = await readSlate(page);
      expect(slate.source).toBe("llm");
      expect(slate.plan).toEqual([names[2], names[5]]);
      expect(slate.categories.every((c) => c[0] === names[2] || c[0] === names[5]), `the slate comes from the model's categories`).toBe(true);
      await page.locator("#slate li").first().getByRole("button", { name: "Click" }).click();
      await page.getByRole("button", { name: "Send feedback" }).click();
    }
    await page.locator("#step-number", { hasText: /^3 / }).waitFor();
    await settled(page);
    await page.getByRole("button", { name: "Leave session" }).click();
    await page.locator("#end").waitFor({ state: "visible" });
    expect(await page.locator("#reflection").textContent()).toBe(JSON.parse(reflectorAnswer()).reflection);
    expect(fake.requests.filter((r) => r.promptText.includes("high-level planning assistant")).length, `one plan per slate`).toBe(3);
    expect(blocked).toEqual([]);
    expect(errors).toEqual([]);
    await page.screenshot({ path: join(outDir, "playground-llm.png"), fullPage: true });
    await page.close();
  });
});
