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

/** How a step on the editor's canvas is marked when it shows what changed since a version. */
export type CanvasMark = "added" | "changed";

export interface CanvasChanges {
  /** Steps of the current document that the version did not have, or had otherwise. */
  marks: Record<string, CanvasMark>;
  /** Steps the version had that are gone: they are not on the canvas, so they are listed instead. */
  removed: { id: string; type: string }[];
}

/** What the canvas marks when it shows the changes from a version to the current document. */
export function canvasChanges(version: WorkflowDocument, current: WorkflowDocument): CanvasChanges {
  const marks: Record<string, CanvasMark> = {};
  const removed: CanvasChanges["removed"] = [];
  for (const step of diffVersions(version, current).steps) {
    if (step.kind === "removed") removed.push({ id: step.id, type: step.type });
    else marks[step.id] = step.kind;
  }
  return { marks, removed };
}

/** The editor's address parameter that keeps the changes shown across a reload. */
export const CHANGES_SINCE = "changesSince";

/** The editor of a workflow with the changes since `version` marked on its canvas. */
export const changesOnCanvasHref = (workflowId: string, version: number) => `/workflows/${workflowId}?${CHANGES_SINCE}=${version}`;

/** The version in `?changesSince=`, or null when there is none or it is not a version number. */
export function changesSinceParam(value: string | null): number | null {
  if (value === null || !/^[1-9]\d{0,8}$/.test(value.trim())) return null;
  return Number(value.trim());
}
