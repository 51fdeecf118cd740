import { ScriptedChatModel } from "@farsight/llm";
import { reflectorConformance } from "../../testing/src/reflector-conformance.js";
import { TemplateReflector } from "./index.js";
import { LlmFailureReflector, LlmReflector } from "./llm.js";

reflectorConformance("TemplateReflector", { usesModel: false, create: () => new TemplateReflector() });

reflectorConformance("LlmReflector", {
  usesModel: true,
  maxWords: 20,
  create: ({ answer, stats }) => new LlmReflector({ model: new ScriptedChatModel({ responses: answer }), stats }),
});

reflectorConformance("LlmFailureReflector", {
  usesModel: true,
  maxWords: 60,
  create: ({ answer, stats }) => new LlmFailureReflector({ model: new ScriptedChatModel({ responses: answer }), stats }),
});
