// Every change to a workflow document goes through applyOperation: the editor, undo/redo and
// the collaboration hub client all use it, so a change means the same thing everywhere.
import type { ExecutionMode, ParamSpec, WorkflowDocument, WorkflowTask } from "@/lib/api/types";
import { wouldCreateCycle } from "./graph";

export interface Position { x: number; y: number }

/** The workflow-level fields the settings panel edits. */
export interface WorkflowSettings {
  name: string;
  description: string;
  tags: string[];
  schedule: string | null;
  timezone: string;
  catchup: boolean;
  maxActiveRuns: number;
  /** null: the document names none (made before fused execution), which runs per step. */
  execution: ExecutionMode | null;
  params: Record<string, ParamSpec>;
  retries: number;
  retryDelaySeconds: number;
}

export type Operation =
  | { kind: "addNode"; task: WorkflowTask; position: Position; index?: number }
  | { kind: "deleteNode"; id: string }
  | { kind: "moveNode"; id: string; position: Position }
  /** Renames a task, replaces its config, or sets whether it runs as its own Airflow task (false removes the mark). */
  | { kind: "updateNode"; id: string; newId?: string; config?: Record<string, unknown>; ownTask?: boolean }
  /** Sets one config property (path of keys); value undefined removes it. */
  | { kind: "updateConfig"; id: string; path: string[]; value: unknown }
  /** Edge source -> target: target.dependsOn gets source (at index, else appended). */
  | { kind: "addEdge"; source: string; target: string; index?: number }
  | { kind: "deleteEdge"; source: string; target: string }
  | { kind: "updateSettings"; changes: Partial<WorkflowSettings> }
  | { kind: "batch"; ops: Operation[] };

export type ApplyResult =
  | { ok: true; doc: WorkflowDocument; inverse: Operation }
  | { ok: false; reason: string };

export const TASK_ID_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;

const fail = (reason: string): ApplyResult => ({ ok: false, reason });

function withTasks(doc: WorkflowDocument, tasks: WorkflowTask[]): WorkflowDocument {
  return { ...doc, spec: { ...doc.spec, tasks } };
}

function withLayout(doc: WorkflowDocument, nodes: Record<string, Position>): WorkflowDocument {
  return { ...doc, layout: { ...doc.layout, nodes } };
}

function replaceTask(doc: WorkflowDocument, id: string, update: (t: WorkflowTask) => WorkflowTask): WorkflowDocument {
  return withTasks(doc, doc.spec.tasks.map((t) => (t.id === id ? update(t) : t)));
}

function getIn(value: unknown, path: string[]): unknown {
  let current = value;
  for (const key of path) {
    // Own fields only: config.constructor is not a field just because every object inherits one.
    if (current === null || typeof current !== "object" || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function setIn(obj: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  const [head, ...rest] = path;
  if (head === undefined) return obj;
  const copy = { ...obj };
  if (rest.length === 0) {
    if (value === undefined) delete copy[head];
    else copy[head] = value;
    return copy;
  }
  const child = copy[head];
  const childObj = child !== null && typeof child === "object" && !Array.isArray(child) ? (child as Record<string, unknown>) : {};
  copy[head] = setIn(childObj, rest, value);
  return copy;
}

export function readSettings(doc: WorkflowDocument): WorkflowSettings {
  return {
    name: doc.metadata.name,
    description: doc.metadata.description ?? "",
    tags: doc.metadata.tags ?? [],
    schedule: doc.spec.schedule,
    timezone: doc.spec.timezone,
    catchup: doc.spec.catchup,
    maxActiveRuns: doc.spec.maxActiveRuns,
    execution: doc.spec.execution ?? null,
    params: doc.spec.params,
    retries: doc.spec.defaults.retries,
    retryDelaySeconds: doc.spec.defaults.retryDelaySeconds,
  };
}

function writeSettings(doc: WorkflowDocument, s: WorkflowSettings): WorkflowDocument {
  return {
    ...doc,
    metadata: { ...doc.metadata, name: s.name, description: s.description, tags: s.tags },
    spec: withOptional({
      ...doc.spec,
      schedule: s.schedule,
      timezone: s.timezone,
      catchup: s.catchup,
      maxActiveRuns: s.maxActiveRuns,
      params: s.params,
      defaults: { ...doc.spec.defaults, retries: s.retries, retryDelaySeconds: s.retryDelaySeconds },
    }, "execution", s.execution ?? undefined),
  };
}

/** The object with `key` set to `value`, or without `key` when value is undefined (absent, not undefined, as the server stores it). */
function withOptional<T extends object, K extends keyof T>(obj: T, key: K, value: T[K] | undefined): T {
  const copy = { ...obj };
  if (value === undefined) delete copy[key];
  else copy[key] = value;
  return copy;
}

/** Applies one operation; returns the new document and the operation that undoes it, or why it was refused. */
export function applyOperation(doc: WorkflowDocument, op: Operation): ApplyResult {
  const tasks = doc.spec.tasks;
  const find = (id: string) => tasks.find((t) => t.id === id);
  switch (op.kind) {
    case "addNode": {
      const { task } = op;
      if (!TASK_ID_PATTERN.test(task.id)) return fail(`"${task.id}" is not a valid task id (lower-case letters, digits and _; starts with a letter).`);
      if (find(task.id)) return fail(`A task called "${task.id}" already exists.`);
      for (const up of task.dependsOn) {
        if (!find(up)) return fail(`Task "${up}" no longer exists.`);
      }
      const index = op.index === undefined ? tasks.length : Math.max(0, Math.min(op.index, tasks.length));
      const next = [...tasks.slice(0, index), { ...task, dependsOn: [...task.dependsOn] }, ...tasks.slice(index)];
      const added = withLayout(withTasks(doc, next), { ...doc.layout.nodes, [task.id]: { ...op.position } });
      return { ok: true, doc: added, inverse: { kind: "deleteNode", id: task.id } };
    }
    case "deleteNode": {
      const index = tasks.findIndex((t) => t.id === op.id);
      const task = tasks[index];
      if (!task) return fail(`Task "${op.id}" no longer exists.`);
      const restoreEdges: Operation[] = [];
      const remaining = tasks
        .filter((t) => t.id !== op.id)
        .map((t) => {
          const at = t.dependsOn.indexOf(op.id);
          if (at < 0) return t;
          restoreEdges.push({ kind: "addEdge", source: op.id, target: t.id, index: at });
          return { ...t, dependsOn: t.dependsOn.filter((d) => d !== op.id) };
        });
      const { [op.id]: position, ...nodes } = doc.layout.nodes;
      const inverse: Operation = {
        kind: "batch",
        ops: [{ kind: "addNode", task, position: position ?? { x: 0, y: 0 }, index }, ...restoreEdges],
      };
      return { ok: true, doc: withLayout(withTasks(doc, remaining), nodes), inverse };
    }
    case "moveNode": {
      if (!find(op.id)) return fail(`Task "${op.id}" no longer exists.`);
      const before = doc.layout.nodes[op.id] ?? { x: 0, y: 0 };
      return {
        ok: true,
        doc: withLayout(doc, { ...doc.layout.nodes, [op.id]: { ...op.position } }),
        inverse: { kind: "moveNode", id: op.id, position: { ...before } },
      };
    }
    case "updateNode": {
      const task = find(op.id);
      if (!task) return fail(`Task "${op.id}" no longer exists.`);
      let next = doc;
      const inverse: Extract<Operation, { kind: "updateNode" }> = { kind: "updateNode", id: op.newId ?? op.id };
      if (op.config !== undefined) {
        next = replaceTask(next, op.id, (t) => ({ ...t, config: op.config ?? {} }));
        inverse.config = task.config;
      }
      if (op.ownTask !== undefined) {
        next = replaceTask(next, op.id, (t) => withOptional(t, "ownTask", op.ownTask || undefined));
        inverse.ownTask = task.ownTask === true;
      }
      if (op.newId !== undefined && op.newId !== op.id) {
        const newId = op.newId;
        if (!TASK_ID_PATTERN.test(newId)) return fail(`"${newId}" is not a valid task id (lower-case letters, digits and _; starts with a letter).`);
        if (find(newId)) return fail(`A task called "${newId}" already exists.`);
        next = withTasks(
          next,
          next.spec.tasks.map((t) => ({
            ...t,
            id: t.id === op.id ? newId : t.id,
            dependsOn: t.dependsOn.map((d) => (d === op.id ? newId : d)),
          })),
        );
        const nodes: Record<string, Position> = {};
        for (const [key, pos] of Object.entries(next.layout.nodes)) nodes[key === op.id ? newId : key] = pos;
        next = withLayout(next, nodes);
        inverse.newId = op.id;
      }
      return { ok: true, doc: next, inverse };
    }
    case "updateConfig": {
      const task = find(op.id);
      if (!task) return fail(`Task "${op.id}" no longer exists.`);
      if (op.path.length === 0) return fail("A config change needs a field name.");
      // Assigning "__proto__" would replace an object's prototype instead of adding a field, and the server
      // (which stores it as a field) would end with a different document.
      if (op.path.includes("__proto__")) return fail('"__proto__" cannot be a config field name.');
      // Undo removes the outermost object this change had to create, so undo leaves no empty {} behind.
      let undoPath = op.path;
      for (let i = 1; i < op.path.length; i++) {
        if (getIn(task.config, op.path.slice(0, i)) === undefined) {
          undoPath = op.path.slice(0, i);
          break;
        }
      }
      return {
        ok: true,
        doc: replaceTask(doc, op.id, (t) => ({ ...t, config: setIn(t.config, op.path, op.value) })),
        inverse: { kind: "updateConfig", id: op.id, path: [...undoPath], value: getIn(task.config, undoPath) },
      };
    }
    case "addEdge": {
      const target = find(op.target);
      if (!find(op.source)) return fail(`Task "${op.source}" no longer exists.`);
      if (!target) return fail(`Task "${op.target}" no longer exists.`);
      if (target.dependsOn.includes(op.source)) return fail(`"${op.target}" already depends on "${op.source}".`);
      if (wouldCreateCycle(doc, op.source, op.target)) return fail(`Connecting "${op.source}" to "${op.target}" would create a cycle.`);
      const deps = [...target.dependsOn];
      const index = op.index === undefined ? deps.length : Math.max(0, Math.min(op.index, deps.length));
      deps.splice(index, 0, op.source);
      return {
        ok: true,
        doc: replaceTask(doc, op.target, (t) => ({ ...t, dependsOn: deps })),
        inverse: { kind: "deleteEdge", source: op.source, target: op.target },
      };
    }
    case "deleteEdge": {
      const target = find(op.target);
      const index = target ? target.dependsOn.indexOf(op.source) : -1;
      if (!target || index < 0) return fail(`"${op.target}" does not depend on "${op.source}".`);
      return {
        ok: true,
        doc: replaceTask(doc, op.target, (t) => ({ ...t, dependsOn: t.dependsOn.filter((d) => d !== op.source) })),
        inverse: { kind: "addEdge", source: op.source, target: op.target, index },
      };
    }
    case "updateSettings": {
      const current = readSettings(doc);
      const before: Partial<WorkflowSettings> = {};
      for (const key of Object.keys(op.changes) as (keyof WorkflowSettings)[]) {
        (before as Record<string, unknown>)[key] = current[key];
      }
      return { ok: true, doc: writeSettings(doc, { ...current, ...op.changes }), inverse: { kind: "updateSettings", changes: before } };
    }
    case "batch": {
      // All or nothing: a refused step refuses the whole batch.
      let next = doc;
      const inverses: Operation[] = [];
      for (const step of op.ops) {
        const result = applyOperation(next, step);
        if (!result.ok) return result;
        next = result.doc;
        inverses.unshift(result.inverse);
      }
      return { ok: true, doc: next, inverse: { kind: "batch", ops: inverses } };
    }
  }
}

/** Replays unsaved operations on a newer document; returns the result and the ones that no longer apply. */
export function rebase(doc: WorkflowDocument, ops: Operation[]): { doc: WorkflowDocument; refused: string[] } {
  let current = doc;
  const refused: string[] = [];
  for (const op of ops) {
    const r = applyOperation(current, op);
    if (r.ok) current = r.doc;
    else refused.push(r.reason);
  }
  return { doc: current, refused };
}

/** Suggests a free task id such as "extract_csv_2" for a new node of a task type. */
export function freeTaskId(doc: WorkflowDocument, typeId: string): string {
  const base = typeId.replace(/[^a-z0-9]+/g, "_").replace(/^[^a-z]+/, "").slice(0, 56) || "task";
  const taken = new Set(doc.spec.tasks.map((t) => t.id));
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) {
    const candidate = `${base}_${i}`;
    if (!taken.has(candidate)) return candidate;
  }
}

export function emptyDocument(name = "Untitled workflow"): WorkflowDocument {
  return {
    apiVersion: "workflowcontrol.io/v1",
    kind: "Workflow",
    metadata: { name, description: "", tags: [] },
    spec: {
      schedule: null,
      timezone: "UTC",
      catchup: false,
      maxActiveRuns: 1,
      params: {},
      defaults: { retries: 1, retryDelaySeconds: 300 },
      tasks: [],
    },
    layout: { nodes: {} },
  };
}
