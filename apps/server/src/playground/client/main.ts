/**
 * The playground's controller: the page moves between three views (start, session, end) as runs return.
 * The thread id is kept in the address (`#thread=<id>`), so a reloaded page continues the same session.
 */
import { PlaygroundApi, PlaygroundError, summarise, type AssistantInfo, type CatalogInfo, type RunOutcome } from "./api.js";
import { byId, feedbackOf, renderHistory, renderPlan, renderSlate, renderSummary } from "./view.js";

const api = new PlaygroundApi("", "session", tokenFromAddress());
let catalog: CatalogInfo | undefined;
let assistant: AssistantInfo | undefined;
let threadId: string | undefined;

const views = { start: byId("start"), session: byId("session"), end: byId("end") };
const busyButtons = () => [...document.querySelectorAll<HTMLButtonElement>("main button")];

function show(view: keyof typeof views): void {
  for (const [name, section] of Object.entries(views)) section.hidden = name !== view;
}

function showError(err: unknown): void {
  const box = byId("error");
  const message = err instanceof PlaygroundError ? err.message : `the playground failed: ${err instanceof Error ? err.message : String(err)}`;
  box.textContent = message;
  box.hidden = false;
}

/** Runs `work` with the buttons disabled and `waiting` announced; errors are shown, never thrown. */
async function busy(waiting: string, work: () => Promise<void>): Promise<void> {
  const status = byId("status");
  byId("error").hidden = true;
  status.textContent = waiting;
  document.body.setAttribute("aria-busy", "true");
  for (const b of busyButtons()) b.disabled = true;
  try {
    await work();
    status.textContent = "";
  } catch (err) {
    status.textContent = "";
    showError(err);
  } finally {
    for (const b of busyButtons()) b.disabled = false;
    document.body.removeAttribute("aria-busy");
  }
}

function render(outcome: RunOutcome): void {
  const { values, prompt } = outcome;
  const history = byId("history-section");
  history.hidden = values.steps.length === 0;
  renderHistory(byId("history"), values, catalog);
  if (prompt) {
    byId("step-number").textContent = `${prompt.step + 1}${typeof assistant?.metadata["maxSteps"] === "number" ? ` of at most ${assistant.metadata["maxSteps"]}` : ""}`;
    const s = summarise(values);
    byId("tally").textContent = `User ${values.userId}: ${s.clicks} click${s.clicks === 1 ? "" : "s"} so far, return ${s.return.toFixed(2)}.`;
    renderPlan(byId("plan"), prompt, catalog, assistant?.metadata["planner"]);
    renderSlate(byId("slate"), prompt, catalog);
    show("session");
    byId("slate").querySelector<HTMLButtonElement>("button.toggle")?.focus();
    byId("history-title").textContent = "Slates so far";
  } else {
    byId("history-title").textContent = "The session's slates";
    renderSummary(byId("summary"), byId("reflection"), summarise(values));
    show("end");
    byId("again").focus();
  }
}

function describeServer(a: AssistantInfo): string {
  const m = a.metadata;
  const parts = [`preset ${String(m["preset"] ?? "?")}`, `recommender ${String(m["recommender"] ?? "?")}`, `planner ${String(m["planner"] ?? "?")}`, `reflector ${String(m["reflector"] ?? "?")}`];
  if (m["llm"]) parts.push(`model ${String(m["llm"])}`);
  return `Serving ${parts.join(", ")}.`;
}

/**
 * A server started with a bearer token is opened as `/#token=<token>`: the token is kept for this tab
 * (sessionStorage) and dropped from the address, so it is not left in the history or a shared link.
 */
function tokenFromAddress(): string | undefined {
  const m = /^#token=([^&]+)$/.exec(location.hash);
  if (m) {
    sessionStorage.setItem("farsight-token", decodeURIComponent(m[1]!));
    history.replaceState(null, "", location.pathname);
  }
  return sessionStorage.getItem("farsight-token") ?? undefined;
}

function threadFromAddress(): string | undefined {
  const m = /^#thread=([\w-]+)$/.exec(location.hash);
  return m?.[1];
}

async function init(): Promise<void> {
  await busy("Connecting to the server…", async () => {
    [assistant, catalog] = await Promise.all([api.assistant(), api.catalog()]);
    byId("served").textContent = describeServer(assistant);
    const numUsers = assistant.metadata["numUsers"];
    if (typeof numUsers === "number") {
      byId<HTMLInputElement>("user-id").max = String(numUsers - 1);
      byId("user-range").textContent = `0 to ${numUsers - 1}`;
    }
    threadId = threadFromAddress();
    if (threadId) render(await api.current(threadId));
  });
  if (!threadId) show("start");
}

byId("start-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const input = byId<HTMLInputElement>("user-id");
  const userId = Number(input.value);
  const max = Number(input.max || Infinity);
  if (input.value === "" || !Number.isInteger(userId) || userId < 0 || userId > max) {
    showError(new PlaygroundError(`the user id must be a whole number from 0 to ${input.max || "the number of users - 1"}; got "${input.value}"`, 0, "input"));
    input.focus();
    return;
  }
  void busy("Starting the session: the planner plans the first slate…", async () => {
    threadId = await api.createThread({ userId });
    history.replaceState(null, "", `#thread=${threadId}`);
    render(await api.start(threadId, userId));
  });
});

byId("slate-form").addEventListener("submit", (e) => {
  e.preventDefault();
  if (!threadId) return;
  const id = threadId;
  void busy("Sending your feedback; the planner plans the next slate…", async () => render(await api.answer(id, feedbackOf(byId("slate")))));
});

byId("leave").addEventListener("click", () => {
  if (!threadId) return;
  const id = threadId;
  void busy("Leaving: the reflector writes the session's reflection…", async () => render(await api.leave(id)));
});

byId("again").addEventListener("click", () => {
  threadId = undefined;
  history.replaceState(null, "", location.pathname);
  byId("history-section").hidden = true;
  show("start");
  byId("user-id").focus();
});

void init();
