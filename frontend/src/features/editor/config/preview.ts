// Decisions of the data preview in the config panel: whether a step can be previewed, whether the preview
// would show the saved settings rather than what is on screen, and how values appear in the table.
import { api } from "@/lib/api/client";
import { roleRank, type PreviewColumn, type PreviewResult, type Role, type TaskType, type WorkflowDocument } from "@/lib/api/types";

export const PREVIEW_ROWS = 50;

export type PreviewAvailability = { ok: true; note?: string } | { ok: false; reason: string };

/** The step and everything it reads from, dependencies first: what a preview runs. */
export function previewedTasks(doc: WorkflowDocument, taskId: string): WorkflowDocument["spec"]["tasks"] {
  const byId = new Map(doc.spec.tasks.map((t) => [t.id, t]));
  const needed = new Set<string>();
  const pending = [taskId];
  while (pending.length > 0) {
    const id = pending.pop() as string;
    const task = byId.get(id);
    if (!task || needed.has(id)) continue;
    needed.add(id);
    pending.push(...task.dependsOn);
  }
  return doc.spec.tasks.filter((t) => needed.has(t.id));
}

function sameSteps(a: WorkflowDocument["spec"]["tasks"], b: WorkflowDocument["spec"]["tasks"]): boolean {
  const key = (tasks: WorkflowDocument["spec"]["tasks"]) =>
    JSON.stringify([...tasks].sort((x, y) => x.id.localeCompare(y.id)).map((t) => [t.id, t.type, t.config, t.dependsOn]));
  return key(a) === key(b);
}

/** The server previews the saved version, so unsaved changes to the step or what it reads from are pointed out. */
export function previewAvailability(type: TaskType | undefined, role: Role, saved: WorkflowDocument | null, current: WorkflowDocument, taskId: string): PreviewAvailability {
  if (!type) return { ok: false, reason: "This step's type is not in the catalog, so it cannot be previewed." };
  if (!type.preview) return { ok: false, reason: `“${type.title}” steps write or send data; they have no data preview.` };
  if ((roleRank[role] ?? 0) < roleRank.execute) return { ok: false, reason: `Previews run the step, which needs the execute role; you have ${role}.` };
  if (!saved || !saved.spec.tasks.some((t) => t.id === taskId)) return { ok: false, reason: "Save the workflow first: previews run the saved version of this step." };
  if (!sameSteps(previewedTasks(saved, taskId), previewedTasks(current, taskId))) {
    return { ok: true, note: "You have unsaved changes to this step or the steps it reads from; the preview uses the saved settings. Save to preview your changes." };
  }
  return { ok: true };
}

/** Text for one cell: missing values stand out, nested values stay readable. */
export function formatCell(value: unknown): { text: string; missing: boolean } {
  if (value === null || value === undefined) return { text: "—", missing: true };
  if (typeof value === "object") return { text: JSON.stringify(value), missing: false };
  return { text: String(value), missing: false };
}

/** The column's type as shown in the header, with the time zone of timestamps. */
export function columnLabel(column: PreviewColumn): string {
  return column.timezone ? `${column.type} (${column.timezone})` : column.type;
}

export function fetchPreview(workflowId: string, taskId: string, limit = PREVIEW_ROWS): Promise<PreviewResult> {
  return api.post<PreviewResult>(`/workflows/${workflowId}/tasks/${encodeURIComponent(taskId)}/preview`, { limit });
}
