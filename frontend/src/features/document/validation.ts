// Maps validation problems (JSON pointers into the document) to where the user sees them.
import type { ValidationProblem, WorkflowDocument } from "@/lib/api/types";

export interface Issue { message: string; field?: string; source: "server" | "schema" }
export interface IssueMap {
  byNode: Record<string, Issue[]>;
  /** Settings fields: name, description, tags, schedule, timezone, params, retries, ... */
  settings: Issue[];
  general: Issue[];
}

export function parsePointer(pointer: string): string[] {
  if (pointer === "" || pointer === "/") return [];
  return pointer.replace(/^\//, "").split("/").map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
}

const settingsFields: Record<string, string> = {
  "metadata.name": "name",
  "metadata.description": "description",
  "metadata.tags": "tags",
  "metadata.key": "name",
  "spec.schedule": "schedule",
  "spec.timezone": "timezone",
  "spec.catchup": "catchup",
  "spec.maxActiveRuns": "maxActiveRuns",
  "spec.params": "params",
  "spec.defaults": "retries",
};

/** Where one problem belongs: a node (and its config field), a settings field, or the workflow as a whole. */
export function locateProblem(doc: WorkflowDocument, pointer: string):
  | { kind: "node"; nodeId: string; field?: string }
  | { kind: "settings"; field: string }
  | { kind: "general" } {
  const parts = parsePointer(pointer);
  if (parts[0] === "spec" && parts[1] === "tasks" && parts[2] !== undefined) {
    const task = doc.spec.tasks[Number(parts[2])];
    if (!task) return { kind: "general" };
    if (parts[3] === "config") return { kind: "node", nodeId: task.id, field: parts.slice(4).join(".") || undefined };
    return { kind: "node", nodeId: task.id, field: parts[3] };
  }
  if (parts[0] === "layout" && parts[1] === "nodes" && parts[2]) return { kind: "node", nodeId: parts[2] };
  const key = settingsFields[`${parts[0]}.${parts[1]}`];
  if (key) return { kind: "settings", field: key };
  return { kind: "general" };
}

export function mapProblems(doc: WorkflowDocument, problems: ValidationProblem[], source: Issue["source"] = "server"): IssueMap {
  const map: IssueMap = { byNode: {}, settings: [], general: [] };
  for (const p of problems) {
    const where = locateProblem(doc, p.pointer);
    if (where.kind === "node") (map.byNode[where.nodeId] ??= []).push({ message: p.message, field: where.field, source });
    else if (where.kind === "settings") map.settings.push({ message: p.message, field: where.field, source });
    else map.general.push({ message: p.message, source });
  }
  return map;
}

/**
 * Combines the editor's own findings (a) with the server's (b). The server repeats what the schema
 * check already says in other words, so a node shows the server's problems only when the editor found none.
 */
export function mergeIssues(a: IssueMap, b: IssueMap): IssueMap {
  const byNode: Record<string, Issue[]> = { ...a.byNode };
  for (const [id, issues] of Object.entries(b.byNode)) {
    if (!byNode[id]?.length) byNode[id] = issues;
  }
  return { byNode, settings: [...a.settings, ...b.settings], general: [...a.general, ...b.general] };
}

export function countIssues(map: IssueMap): number {
  return Object.values(map.byNode).reduce((n, list) => n + list.length, 0) + map.settings.length + map.general.length;
}
