// Client-side checks of each task against its type's config schema, before the server is asked.
import validator from "@rjsf/validator-ajv8";
import type { JsonSchema, TaskType, WorkflowDocument, WorkflowTask } from "@/lib/api/types";
import type { Issue, IssueMap } from "@/features/document/validation";

interface AjvError { instancePath?: string; keyword: string; message?: string; params?: Record<string, unknown> }

// Results per schema and config object: with 500 nodes only the configs that changed are checked again.
const cache = new WeakMap<object, WeakMap<object, Issue[]>>();

function fieldTitle(schema: JsonSchema, field: string): string {
  return schema.properties?.[field]?.title ?? field;
}

function describePath(parts: string[]): string {
  return parts.map((p) => (/^\d+$/.test(p) ? `item ${Number(p) + 1}` : p)).join(" › ");
}

export function configIssues(config: Record<string, unknown>, schema: JsonSchema): Issue[] {
  const { errors } = validator.rawValidation<AjvError>(schema as never, config);
  return (errors ?? []).map((e) => {
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
    else message = `${title}${rest.length ? ` (${describePath(rest)})` : ""} ${e.message ?? "is not valid"}.`;
    return { field, message, source: "schema" as const };
  });
}

function taskIssues(task: WorkflowTask, type: TaskType | undefined, catalogLoaded: boolean): Issue[] {
  if (!type) return catalogLoaded ? [{ message: `Unknown task type ${task.type}.`, source: "schema" }] : [];
  let perSchema = cache.get(type.configSchema);
  if (!perSchema) cache.set(type.configSchema, (perSchema = new WeakMap()));
  let issues = perSchema.get(task.config);
  if (!issues) perSchema.set(task.config, (issues = configIssues(task.config, type.configSchema)));
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
