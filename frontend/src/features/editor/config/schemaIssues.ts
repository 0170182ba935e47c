// Client-side checks of each task against its type's config schema, before the server is asked.
import type { JsonSchema, TaskType, WorkflowDocument, WorkflowTask } from "@/lib/api/types";
import type { Issue, IssueMap } from "@/features/document/validation";
import { stepRuleProblems } from "./stepRules";
import { schemaCheck } from "./schemaChecks";

interface AjvError { instancePath?: string; keyword: string; message?: string; params?: Record<string, unknown> }

// Results per schema and config object: with 500 nodes only the configs that changed are checked again.
const cache = new WeakMap<object, WeakMap<object, Issue[]>>();

function fieldTitle(schema: JsonSchema, field: string): string {
  return schema.properties?.[field]?.title ?? field;
}

function describePath(parts: string[]): string {
  return parts.map((p) => (/^\d+$/.test(p) ? `item ${Number(p) + 1}` : p)).join(" › ");
}

const TYPE_WORDS: Record<string, string> = {
  string: "text", number: "a number", integer: "a whole number", boolean: "yes or no", array: "a list", object: "a group of settings", null: "empty",
};

/** AJV's wording ("must NOT have fewer than 1 items") in the words of a form. */
export function humanMessage(e: AjvError): string {
  const p = e.params ?? {};
  const limit = Number(p.limit);
  switch (e.keyword) {
    case "minItems": return limit === 1 ? "needs at least one entry" : `needs at least ${limit} entries`;
    case "maxItems": return `takes at most ${limit} entries`;
    case "minLength": return limit === 1 ? "is required" : `needs at least ${limit} characters`;
    case "maxLength": return `may be at most ${limit} characters long`;
    case "minimum": return `must be ${limit} or more`;
    case "maximum": return `must be ${limit} or less`;
    case "enum": return `must be one of: ${((p.allowedValues as unknown[]) ?? []).map((v) => JSON.stringify(v)).join(", ")}`;
    case "type": return `must be ${String(p.type ?? "").split(",").map((t) => TYPE_WORDS[t] ?? t).join(" or ")}`;
    case "pattern": return "contains characters that are not allowed here";
    case "uniqueItems": return "lists the same entry twice";
    default: return e.message ?? "is not valid";
  }
}

export function configIssues(config: Record<string, unknown>, schema: JsonSchema): Issue[] {
  const check = schemaCheck(schema);
  // Without a check, the server's validation (asked a moment after opening and each change) reports these problems.
  if (!check || check(config)) return [];
  const errors = (check.errors ?? []) as AjvError[];
  return errors.map((e) => {
    const path = (e.instancePath ?? "").split("/").filter(Boolean);
    const missing = e.keyword === "required" ? String(e.params?.missingProperty ?? "") : "";
    const field = path[0] ?? (missing || undefined);
    if (!field) return { message: e.keyword === "additionalProperties" ? `Unknown setting “${String(e.params?.additionalProperty)}”.` : `Settings ${e.message ?? "are not valid"}.`, source: "schema" as const };
    const title = fieldTitle(schema, field);
    const rest = path.slice(1);
    let message: string;
    if (path.length === 0) message = `${title} is required.`;
    else if (missing) message = `${title}: ${rest.length ? `${describePath(rest)} needs` : "needs"} “${missing}”.`;
    else if (e.keyword === "additionalProperties") message = `${title}: unknown setting “${String(e.params?.additionalProperty)}”.`;
    else message = `${title}${rest.length ? ` (${describePath(rest)})` : ""} ${humanMessage(e)}.`;
    return { field, message, source: "schema" as const };
  });
}

function taskIssues(task: WorkflowTask, type: TaskType | undefined, catalogLoaded: boolean): Issue[] {
  if (!type) return catalogLoaded ? [{ message: `Unknown task type ${task.type}.`, source: "schema" }] : [];
  let perSchema = cache.get(type.configSchema);
  if (!perSchema) cache.set(type.configSchema, (perSchema = new WeakMap()));
  let issues = perSchema.get(task.config);
  if (!issues) {
    issues = [...configIssues(task.config, type.configSchema), ...stepRuleProblems(task.type, task.config).map((p) => ({ ...p, source: "schema" as const }))];
    perSchema.set(task.config, issues);
  }
  if (type.inputs.length > 0 && task.dependsOn.length === 0) {
    return [{ field: "dependsOn", message: `Connect an input: ${type.title} needs data from an earlier step.`, source: "schema" }, ...issues];
  }
  return issues;
}

export function schemaIssues(doc: WorkflowDocument, catalog: ReadonlyMap<string, TaskType>): IssueMap {
  const byNode: IssueMap["byNode"] = {};
  for (const task of doc.spec.tasks) {
    const issues = taskIssues(task, catalog.get(task.type), catalog.size > 0);
    if (issues.length > 0) byNode[task.id] = issues;
  }
  return { byNode, settings: [], general: [] };
}
