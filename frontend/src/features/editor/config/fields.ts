// What the step panel's text fields accept before they reach the document.
import { accept, reject, type Parse } from "../fields/draft";
import { TASK_ID_PATTERN } from "@/features/document/operations";

/** A new id for step `current`: the task id rule, and not another step's id. */
export function parseStepId(taken: readonly string[], current: string): Parse<string> {
  return (text) => {
    const id = text.trim();
    if (!TASK_ID_PATTERN.test(id)) return reject("A step id uses lower-case letters, digits and _, starts with a letter and has at most 64 characters.");
    if (id !== current && taken.includes(id)) return reject(`Another step is already called “${id}”.`);
    return accept(id, id);
  };
}

/** A configuration text: the server keeps any text while a step is being edited (its checks show under the field). */
export const parseConfigText: Parse<string> = (text) => accept(text, text);

/** A number field of a configuration: empty removes the value. */
export const parseConfigNumber: Parse<string> = (text) => {
  const t = text.trim();
  if (t === "") return accept("", "");
  return Number.isFinite(Number(t)) ? accept(String(Number(t)), String(Number(t))) : reject("Type a number, e.g. 20.");
};
