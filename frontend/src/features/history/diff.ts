// What changed between two versions, as a person reads it: steps added, removed and changed (each changed
// setting side by side), the workflow's own settings, and which steps to highlight on the graph.
import type { WorkflowDocument, WorkflowTask } from "@/lib/api/types";

export type StepChangeKind = "added" | "removed" | "changed";

/** One field, before and after; `undefined` where the field is not set on that side. */
export interface FieldChange { field: string; before: unknown; after: unknown }

export interface StepChange { id: string; type: string; kind: StepChangeKind; fields: FieldChange[] }

export interface VersionDiff {
  steps: StepChange[];
  /** The workflow's own fields (name, schedule, parameters, ...), by dotted path. */
  settings: FieldChange[];
  /** Steps only moved on the canvas: not a change of what runs. */
  moved: string[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Leaf fields that differ, by dotted path ("config.path", "schedule"); arrays compare whole, since a list of
 * columns or inputs reads best side by side.
 */
export function fieldChanges(before: unknown, after: unknown, path = ""): FieldChange[] {
  if (same(before, after)) return [];
  // A settings object that exists on one side only still reads field by field.
  const left = before === undefined && isObject(after) ? {} : before;
  const right = after === undefined && isObject(before) ? {} : after;
  if (isObject(left) && isObject(right)) {
    const keys = [...new Set([...Object.keys(left), ...Object.keys(right)])];
    return keys.flatMap((k) => fieldChanges(left[k], right[k], path ? `${path}.${k}` : k));
  }
  return [{ field: path, before, after }];
}

function stepFields(task: WorkflowTask): FieldChange[] {
  return fieldChanges({}, { type: task.type, config: task.config, dependsOn: task.dependsOn, ...(task.ownTask ? { ownTask: true } : {}) })
    .map((f) => ({ ...f, before: undefined }));
}

export function diffVersions(before: WorkflowDocument, after: WorkflowDocument): VersionDiff {
  const old = new Map(before.spec.tasks.map((t) => [t.id, t]));
  const now = new Map(after.spec.tasks.map((t) => [t.id, t]));
  const steps: StepChange[] = [];
  for (const task of after.spec.tasks) {
    const was = old.get(task.id);
    if (!was) steps.push({ id: task.id, type: task.type, kind: "added", fields: stepFields(task) });
    else if (!same(was, task)) steps.push({ id: task.id, type: task.type, kind: "changed", fields: fieldChanges(was, task).filter((f) => f.field !== "id") });
  }
  for (const task of before.spec.tasks) {
    if (!now.has(task.id)) steps.push({ id: task.id, type: task.type, kind: "removed", fields: stepFields(task).map((f) => ({ ...f, before: f.after, after: undefined })) });
  }
  const specBefore = { ...before.spec, tasks: undefined };
  const specAfter = { ...after.spec, tasks: undefined };
  const settings = [...fieldChanges(before.metadata, after.metadata, "metadata"), ...fieldChanges(specBefore, specAfter, "spec")];
  const moved = after.spec.tasks
    .filter((t) => old.has(t.id) && !steps.some((s) => s.id === t.id) && !same(before.layout.nodes[t.id], after.layout.nodes[t.id]))
    .map((t) => t.id);
  return { steps, settings, moved };
}

/** Which steps the graph marks, and how: the removed ones are drawn where they were. */
export function highlights(diff: VersionDiff): Record<string, StepChangeKind> {
  return Object.fromEntries(diff.steps.map((s) => [s.id, s.kind]));
}

/** A value in a diff cell: strings as they are, the rest as compact JSON, nothing as an em dash. */
export function showValue(value: unknown): string {
  if (value === undefined) return "—";
  if (typeof value === "string") return value === "" ? '""' : value;
  return JSON.stringify(value);
}

/** "2 added, 1 removed, 3 changed", or "settings only" / "no change to steps". */
export function sizeText(changes: { stepsAdded: number; stepsRemoved: number; stepsChanged: number; otherChanges: number }): string {
  const parts = [
    changes.stepsAdded && `${changes.stepsAdded} added`,
    changes.stepsRemoved && `${changes.stepsRemoved} removed`,
    changes.stepsChanged && `${changes.stepsChanged} changed`,
  ].filter(Boolean);
  if (parts.length > 0) return `${parts.join(", ")}${changes.otherChanges ? ` · ${changes.otherChanges} setting${changes.otherChanges === 1 ? "" : "s"}` : ""}`;
  return changes.otherChanges ? `${changes.otherChanges} setting${changes.otherChanges === 1 ? "" : "s"}` : "layout only";
}
