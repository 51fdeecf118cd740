import { appendFileSync, closeSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { FarsightError } from "@farsight/core";
import type { Layer } from "./managed.js";
import { messagesToJson, promptText, usageOf } from "./messages.js";
import { answerText } from "./methods.js";
import { ScriptedChatModel } from "./scripted.js";

/** One line of a recording: a request that reached the model and its answer. */
export interface RecordedCall {
  time: string;
  model: string;
  /** Messages as "role: content" lines; `scripted:` replays by matching this text. */
  prompt: string;
  messages: { role: string; content: string }[];
  answer: string;
  usage?: { promptTokens: number; completionTokens: number };
  latencyMs: number;
}

/**
 * Appends every answered request to a JSONL file, one line per call, written synchronously so a run killed
 * at any point keeps everything it paid for. `createChatModel("scripted:<file>")` replays the file.
 */
export class JsonlRecorder {
  constructor(readonly file: string) {
    // Opened once for appending up front: a path that cannot be written (a directory, no permission) fails
    // here, as a write error, before any model call it could be mistaken for.
    try {
      mkdirSync(dirname(file), { recursive: true });
      closeSync(openSync(file, "a"));
    } catch (err) {
      throw recordError(file, err, "cannot be opened for writing");
    }
  }

  write(entry: RecordedCall): void {
    try {
      appendFileSync(this.file, JSON.stringify(entry) + "\n");
    } catch (err) {
      throw recordError(this.file, err, "could not be written (the model did answer)");
    }
  }
}

function recordError(file: string, err: unknown, what: string): FarsightError {
  const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  return new FarsightError("llm/record-write-failed", `the recording file ${file} ${what}: ${code}. Pass another --record path`, { file }, { cause: err });
}

/** Records each answer that came back through this layer (place it inside the cache: hits are not recorded). */
export function recorderLayer(recorder: JsonlRecorder, modelId: string): Layer {
  return async (call, next) => {
    const started = performance.now();
    const answer = await next(call);
    recorder.write({
      time: new Date().toISOString(),
      model: modelId,
      prompt: promptText(call.messages),
      messages: messagesToJson(call.messages),
      // A tool call's arguments are the answer of a structured request; replay hands them back as text.
      answer: answerText(answer),
      usage: usageOf(answer),
      latencyMs: Math.round(performance.now() - started),
    });
    return answer;
  };
}

/**
 * A scripted model replaying a JSONL file. Lines with a `prompt` answer requests with exactly that prompt
 * text (in recorded order when a prompt repeats); lines with only an `answer` (or `response`) are handed out
 * in file order to any other request. Hand-written files can be just `{"answer": "..."}` lines.
 */
export function loadScriptedModel(file: string): ScriptedChatModel {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new FarsightError("llm/scripted-file", `cannot read the scripted answers file "${file}": ${(err as Error).message}`, { file });
  }
  const byPrompt = new Map<string, string[]>();
  const inOrder: string[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    let entry: { prompt?: unknown; answer?: unknown; response?: unknown };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch (err) {
      throw new FarsightError("llm/scripted-file", `${file}:${i + 1}: not valid JSON (${(err as Error).message})`, { file, line: i + 1 });
    }
    const answer = entry.answer ?? entry.response;
    if (typeof answer !== "string") {
      throw new FarsightError("llm/scripted-file", `${file}:${i + 1}: needs a string "answer" field`, { file, line: i + 1 });
    }
    if (typeof entry.prompt === "string") {
      const queue = byPrompt.get(entry.prompt) ?? [];
      queue.push(answer);
      byPrompt.set(entry.prompt, queue);
    } else {
      inOrder.push(answer);
    }
  });
  let nextInOrder = 0;
  return new ScriptedChatModel({
    name: `scripted:${file}`,
    responses: (prompt) => {
      const queue = byPrompt.get(prompt);
      if (queue && queue.length > 0) return queue.length > 1 ? queue.shift()! : queue[0]!;
      if (nextInOrder < inOrder.length) return inOrder[nextInOrder++]!;
      throw new FarsightError(
        "llm/scripted-miss",
        `scripted file "${file}" has no answer for this prompt (and no unkeyed answers left): ${JSON.stringify(prompt.slice(0, 300))}`,
        { file },
      );
    },
  });
}
