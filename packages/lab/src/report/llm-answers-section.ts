/**
 * The report's "LLM answers" section, from `llm-records.jsonl` (a run with `--record`): per role, the calls, the
 * share of valid answers and of fallbacks with their reasons, the distinct-answer share, and a few prompt/answer
 * pairs, so a reader sees what the model was asked and what it said, not only how often it failed.
 */
import type { RunDirData } from "../run-dir/read-run-dir.js";
import { LLM_RECORDS_FILE, type RoleAnswers } from "../run-dir/llm-records.js";
import type { Section } from "./sections.js";
import { esc } from "./svg.js";

const pct = (x: number) => (Number.isFinite(x) ? `${Math.round(100 * x)}%` : "–");

function roleRow(r: RoleAnswers): string {
  const reasons = r.fallbackReasons.length
    ? `<ul>${r.fallbackReasons.slice(0, 4).map((x) => `<li>${x.count}× ${esc(x.reason)}</li>`).join("")}</ul>`
    : "–";
  const cells = [
    `<td><code>${esc(r.role)}</code></td>`,
    `<td class="num">${r.answers}</td>`,
    `<td class="num">${r.calls}</td>`,
    `<td class="num">${r.sessions}</td>`,
    `<td class="num">${pct(r.validShare)}</td>`,
    `<td class="num">${pct(r.invalidCallShare)}</td>`,
    `<td class="num">${pct(r.fallbackShare)}</td>`,
    `<td>${reasons}</td>`,
    `<td class="num">${pct(r.distinctShare)}</td>`,
    `<td class="num">${Number.isFinite(r.meanLatencyMs) ? Math.round(r.meanLatencyMs) : "–"}</td>`,
  ];
  return `<tr>${cells.join("")}</tr>`;
}

function examples(r: RoleAnswers): string {
  if (r.examples.length === 0) return "";
  const items = r.examples.map((e) =>
    `<tr><td>${esc(e.outcome)}${e.session ? `<br><span class="dir">session ${esc(e.session)}</span>` : ""}</td>` +
      `<td><pre class="llm">${esc(e.prompt)}</pre></td><td><pre class="llm">${esc(e.answer)}</pre>${e.reason ? `<p class="note">fallback: ${esc(e.reason)}</p>` : ""}</td></tr>`,
  );
  return `<h4>${esc(r.role)}: examples</h4><table class="examples"><thead><tr><th>outcome</th><th>request (last message)</th><th>model's answer</th></tr></thead><tbody>${items.join("")}</tbody></table>`;
}

/** The section, or null when the run directory has no answer records (the run was not recorded). */
export function llmAnswersSection(data: RunDirData): Section | null {
  const s = data.llmAnswers;
  if (!s) return null;
  const title = "LLM answers";
  if (s.roles.length === 0) return { id: "llm-answers", title, html: `<p class="missing"><code>${LLM_RECORDS_FILE}</code> holds no valid answer record.</p>` };
  const head = ["role", "answers", "calls", "sessions", "valid", "invalid calls", "fallback", "fallback reasons", "distinct answers", "ms / answer"];
  const table = `<table class="llm-answers"><thead><tr>${head.map((h) => `<th>${h}</th>`).join("")}</tr></thead><tbody>${s.roles.map(roleRow).join("")}</tbody></table>`;
  const caption =
    `<p class="caption"><b>What to look for:</b> from <code>${LLM_RECORDS_FILE}</code> (${s.records} answers, recorded with <code>--record</code>). ` +
    `<i>valid</i> = answers whose model answer was used; <i>invalid calls</i> = structured calls whose answer failed validation before any repair; ` +
    `<i>distinct answers</i> = distinct valid answers / valid answers. A role with few distinct answers across many sessions says the same thing to everyone, ` +
    `however valid its JSON; read its examples.</p>`;
  return { id: "llm-answers", title, html: table + caption + s.roles.map(examples).join("") };
}
