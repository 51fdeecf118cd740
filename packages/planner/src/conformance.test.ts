import { ScriptedChatModel } from "@farsight/llm";
import { plannerConformance } from "../../testing/src/planner-conformance.js";
import { AllCategoriesPlanner, ItemRuleOraclePlanner, NoisyOraclePlanner, OracleSaturationPlanner, RandomCategoryPlanner, ReflectionGuidedPlanner, SaturationAwarePlanner } from "./index.js";
import { LlmCategoryPlanner, LlmThoughtPlanner } from "./llm.js";

plannerConformance("AllCategoriesPlanner", { usesModel: false, create: () => new AllCategoriesPlanner() });
plannerConformance("RandomCategoryPlanner", { usesModel: false, create: ({ seed }) => new RandomCategoryPlanner({ seed }) });
plannerConformance("SaturationAwarePlanner", { usesModel: false, create: ({ seed }) => new SaturationAwarePlanner({ seed }) });
plannerConformance("ReflectionGuidedPlanner", { usesModel: false, create: ({ seed }) => new ReflectionGuidedPlanner({ seed }) });
plannerConformance("OracleSaturationPlanner (category window)", {
  usesModel: false,
  create: ({ seed }) => new OracleSaturationPlanner({ seed, rule: { kind: "category-window", window: 4, threshold: 1 } }),
});
plannerConformance("OracleSaturationPlanner (temper)", { usesModel: false, create: ({ seed }) => new OracleSaturationPlanner({ seed, rule: { kind: "temper" } }) });

for (const q of [0, 0.5, 1]) {
  plannerConformance(`NoisyOraclePlanner (q = ${q}, category-window oracle)`, {
    usesModel: false,
    create: ({ seed }) => new NoisyOraclePlanner({ seed, q, oracle: new OracleSaturationPlanner({ seed, rule: { kind: "category-window", window: 4, threshold: 1 } }) }),
  });
}
// A toy item rule: item i has category i % 14 and value (i * 7) % 10; an item whose category the last slate showed is unsafe.
plannerConformance("ItemRuleOraclePlanner", {
  usesModel: false,
  create: ({ seed }) =>
    new ItemRuleOraclePlanner({
      seed,
      knowledge: ({ itemHistory, categories }) => {
        const last = new Set((itemHistory.at(-1)?.items ?? []).map((i) => i % 14));
        return categories.map((c) => {
          const values = [c, c + 14, c + 28].map((i) => (i * 7) % 10);
          return { safeValue: last.has(c) ? null : Math.max(...values), bestValue: Math.max(...values), safeItems: last.has(c) ? 0 : 3 };
        });
      },
    }),
});

plannerConformance("LlmCategoryPlanner", {
  usesModel: true,
  create: ({ seed, answer, stats }) => new LlmCategoryPlanner({ model: new ScriptedChatModel({ responses: answer }), stats, seed }),
});

// Cohort mode: one call plans up to 4 sessions; the scripted model answers each label with the suite's answer.
plannerConformance("LlmCategoryPlanner (cohort of 4, plan every 2 steps)", {
  usesModel: true,
  create: ({ seed, answer, stats }) =>
    new LlmCategoryPlanner({
      model: new ScriptedChatModel({ responses: (prompt, i) => cohortAnswer(prompt, answer(prompt, i)) }),
      stats,
      seed,
      cohortSize: 4,
      planEvery: 2,
    }),
});

plannerConformance("LlmThoughtPlanner", {
  usesModel: true,
  create: ({ seed, answer, stats }) => new LlmThoughtPlanner({ model: new ScriptedChatModel({ responses: answer }), stats, seed }),
});

/** Wraps a single-session answer into a cohort answer for every "S<n> (" label of the prompt; garbage stays garbage. */
function cohortAnswer(prompt: string, single: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(single);
  } catch {
    return single;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed) || !("thought" in parsed)) return single;
  const labels = [...prompt.matchAll(/^(S\d+) \(step/gm)].map((m) => m[1]);
  return JSON.stringify({ plans: labels.map((session) => ({ session, ...(parsed as object) })) });
}
