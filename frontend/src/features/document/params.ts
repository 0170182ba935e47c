// Workflow parameters as a person types them: the text of a form field read as the parameter's declared type.
import type { ParamType } from "@/lib/api/types";

/** The typed value of a parameter field; text that does not read as the type stays text, so the server names the problem. */
export function coerceParam(type: ParamType, raw: string): unknown {
  if (raw === "") return undefined;
  if (type === "integer") return Number.isInteger(Number(raw)) ? Number(raw) : raw;
  if (type === "number") return Number.isFinite(Number(raw)) ? Number(raw) : raw;
  if (type === "boolean") return raw === "true" ? true : raw === "false" ? false : raw;
  return raw;
}
