/**
 * DOM pieces of the playground. Titles and category names come from data files, so text is always set with
 * `textContent`, never parsed as HTML.
 */
import type { SessionPrompt } from "@farsight/graph";
import type { CatalogInfo, SessionSummary, SessionValues } from "./api.js";

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the playground page has no #${id}; it and its script come from different versions`);
  return found as T;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: { className?: string; text?: string } = {}, ...children: Node[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (props.className) e.className = props.className;
  if (props.text !== undefined) e.textContent = props.text;
  e.append(...children);
  return e;
}

export const categoryName = (c: CatalogInfo | undefined, id: number): string => c?.categoryNames[id] ?? `category ${id}`;
const titleOf = (c: CatalogInfo | undefined, item: number): string => c?.itemTitles[item] ?? `item ${item}`;

/** What produced the plan, in words a player understands. */
export function planSourceText(kind: string, planner: unknown): string {
  const by = typeof planner === "string" && planner ? ` (${planner})` : "";
  switch (kind) {
    case "llm":
      return `planned by the language model${by}`;
    case "fallback":
      return `the model's answer was unusable; a non-LLM fallback planned${by}`;
    case "heuristic":
    case "learned":
      return `planned without a language model${by}`;
    default:
      return `plan source: ${kind || "unknown"}${by}`;
  }
}

export function renderPlan(target: HTMLElement, prompt: SessionPrompt, catalog: CatalogInfo | undefined, planner: unknown): void {
  const chips = prompt.plan.map((c) => el("span", { className: "chip planned", text: categoryName(catalog, c) }));
  target.replaceChildren(el("span", { className: "label", text: "Plan:" }), ...chips, el("span", { className: "source", text: planSourceText(prompt.planSource, planner) }));
  target.dataset["source"] = prompt.planSource;
}

/** One card per slate item, each with a Click toggle (pressed = clicked, not pressed = skipped). */
export function renderSlate(target: HTMLElement, prompt: SessionPrompt, catalog: CatalogInfo | undefined): void {
  const planned = new Set(prompt.plan);
  target.replaceChildren(
    ...prompt.slate.map((item, k) => {
      const title = prompt.titles[k] ?? titleOf(catalog, item);
      const cats = catalog?.itemCategories[item] ?? [];
      const heading = el("span", { className: "title", text: title });
      heading.id = `item-${item}-title`;
      const chips = el("span", { className: "chips" }, ...cats.map((c) => el("span", { className: planned.has(c) ? "chip planned" : "chip", text: categoryName(catalog, c) })));
      const toggle = el("button", { className: "toggle", text: "Click" });
      toggle.type = "button";
      toggle.setAttribute("aria-pressed", "false");
      toggle.setAttribute("aria-describedby", heading.id);
      const li = el("li", {}, heading, chips, toggle);
      li.dataset["item"] = String(item);
      toggle.addEventListener("click", () => {
        const on = toggle.getAttribute("aria-pressed") !== "true";
        toggle.setAttribute("aria-pressed", String(on));
        toggle.textContent = on ? "Clicked ✓" : "Click";
        li.classList.toggle("clicked", on);
      });
      return li;
    }),
  );
}

/** The feedback of the shown slate: 1 for each pressed Click, 0 for the rest, in slate order. */
export function feedbackOf(slate: HTMLElement): number[] {
  return [...slate.querySelectorAll("li")].map((li) => (li.querySelector("button.toggle")?.getAttribute("aria-pressed") === "true" ? 1 : 0));
}

/** The slates answered so far, from the server's values (so a reloaded page shows the same). */
export function renderHistory(target: HTMLElement, values: SessionValues, catalog: CatalogInfo | undefined): void {
  target.replaceChildren(
    ...values.steps.map((s, t) => {
      const items = s.slate.flatMap((item, k) => {
        const hit = (s.feedback[k] ?? 0) > 0;
        const span = el("span", { className: hit ? "hit" : "miss", text: `${hit ? "clicked" : "skipped"} ${titleOf(catalog, item)}` });
        return k === 0 ? [span] : [document.createTextNode("; "), span];
      });
      const plan = s.planCategories.map((c) => categoryName(catalog, c)).join(", ");
      const li = el("li", {}, document.createTextNode(`Slate ${t + 1} (plan: ${plan}): `), ...items);
      li.dataset["slate"] = s.slate.join(",");
      return li;
    }),
  );
}

export function renderSummary(list: HTMLElement, quote: HTMLElement, s: SessionSummary): void {
  const row = (term: string, value: string, key: string) => {
    const dd = el("dd", { text: value });
    dd.dataset["key"] = key;
    return [el("dt", { text: term }), dd];
  };
  list.replaceChildren(
    ...row("Slates answered", String(s.steps), "steps"),
    ...row("Clicks", `${s.clicks} of ${s.shown} items shown`, "clicks"),
    ...row("Return (sum of per-slate click shares)", s.return.toFixed(2), "return"),
  );
  quote.textContent = s.reflection || "No reflection was written (the server has no reflector configured).";
}
