// What the settings fields accept, as the API checks it (workflow.v1.schema.json, WorkflowValidator): a typed
// text becomes a value only when the server would keep it, so a half-typed one never reaches the document.
import type { ParamType } from "@/lib/api/types";
import { accept as ok, reject as no, type Parse } from "../fields/draft";
import { scheduleProblem, timeZoneProblem } from "./schedule";

export const parseName: Parse<string> = (text) => {
  const name = text.trim();
  if (!name) return no("A workflow needs a name.");
  return name.length > 200 ? no(`A name has at most 200 characters; this one has ${name.length}.`) : ok(name, name);
};

export const parseDescription: Parse<string> = (text) =>
  text.length > 20000 ? no(`A description has at most 20,000 characters; this one has ${text.length.toLocaleString("en-GB")}.`) : ok(text, text);

export const tagsText = (tags: string[]) => tags.join(", ");

export const parseTags: Parse<string[]> = (text) => {
  const tags = [...new Set(text.split(",").map((t) => t.trim()).filter(Boolean))];
  const long = tags.find((t) => t.length > 50);
  if (long) return no(`A tag has at most 50 characters: “${long.slice(0, 20)}…” is longer.`);
  return tags.length > 20 ? no(`At most 20 tags; there are ${tags.length}.`) : ok(tags, tagsText(tags));
};

/** A five-field cron expression or a preset; spaces between the fields do not matter, so they are stored single. */
export const parseCron: Parse<string> = (text) => {
  const schedule = text.trim().split(/\s+/).join(" ");
  if (!schedule) return no("Type a schedule, e.g. 0 6 * * 1-5, or choose “Manual only” above.");
  const problem = scheduleProblem(schedule);
  return problem ? no(problem) : ok(schedule, schedule);
};

/** A time zone the API accepts (see timeZoneProblem); `zones` is GET /schedules/timezones, null while on its way. */
export function parseTimeZone(zones: readonly string[] | null): Parse<string> {
  return (text) => {
    const zone = text.trim();
    const problem = timeZoneProblem(zone, zones);
    return problem ? no(problem) : ok(zone, zone);
  };
}

/** A whole number from min to max (number fields of the settings). */
export function parseWholeNumber(what: string, min: number, max: number): Parse<number> {
  return (text) => {
    const t = text.trim();
    const n = Number(t);
    if (!t || !Number.isInteger(n)) return no(`${what} is a whole number from ${min} to ${max}.`);
    return n < min || n > max ? no(`${what} is from ${min} to ${max}; ${n} is outside.`) : ok(n, String(n));
  };
}

export const paramDefaultText = (value: unknown) => (value === undefined || value === null ? "" : String(value));

/** A parameter's default as its type reads it; empty means no default. */
export function parseParamDefault(type: ParamType): Parse<unknown> {
  return (text) => {
    const t = type === "string" ? text : text.trim();
    if (t === "") return ok(undefined, "");
    switch (type) {
      case "integer":
        return /^-?\d+$/.test(t) && Number.isSafeInteger(Number(t)) ? ok(Number(t), String(Number(t))) : no("An integer parameter's default is a whole number, e.g. 7.");
      case "number":
        return t !== "" && Number.isFinite(Number(t)) ? ok(Number(t), String(Number(t))) : no("A number parameter's default is a number, e.g. 2.5.");
      case "boolean":
        return t === "true" || t === "false" ? ok(t === "true", t) : no("A boolean parameter's default is true or false.");
      case "date":
        return isDate(t) ? ok(t, t) : no("A date parameter's default is a day written YYYY-MM-DD, e.g. 2025-03-31.");
      default:
        return ok(t, t);
    }
  };
}

function isDate(t: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(t)) return false;
  const d = new Date(`${t}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(t);
}

export const parseParamDescription: Parse<string> = (text) =>
  text.length > 2000 ? no(`A description has at most 2,000 characters; this one has ${text.length.toLocaleString("en-GB")}.`) : ok(text, text);
