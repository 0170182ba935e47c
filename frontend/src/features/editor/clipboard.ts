// Copy and paste of steps: internal connections survive, ids are made unique, pasted steps are offset.
import type { WorkflowDocument, WorkflowTask } from "@/lib/api/types";
import type { Operation, Position } from "@/features/document/operations";
import { pasteOffset } from "./canvas/placement";

export interface Clip { tasks: WorkflowTask[]; positions: Record<string, Position> }

export function copySelection(doc: WorkflowDocument, ids: string[]): Clip | null {
  const set = new Set(ids);
  const tasks = doc.spec.tasks.filter((t) => set.has(t.id));
  if (tasks.length === 0) return null;
  return { tasks, positions: Object.fromEntries(tasks.map((t) => [t.id, doc.layout.nodes[t.id] ?? { x: 0, y: 0 }])) };
}

/** Adds copies of the clipped steps below them, where no step stands (pasting twice stacks the copies). */
export function pasteOperations(doc: WorkflowDocument, clip: Clip): { op: Operation; ids: string[] } {
  const taken = new Set(doc.spec.tasks.map((t) => t.id));
  const rename = new Map<string, string>();
  for (const t of clip.tasks) {
    let candidate = `${t.id}_copy`.slice(0, 64);
    for (let i = 2; taken.has(candidate); i++) candidate = `${t.id.slice(0, 56)}_copy${i}`;
    taken.add(candidate);
    rename.set(t.id, candidate);
  }
  const at = (id: string) => clip.positions[id] ?? { x: 0, y: 0 };
  const offset = pasteOffset(Object.values(doc.layout.nodes), clip.tasks.map((t) => at(t.id)));
  const ops: Operation[] = clip.tasks.map((t) => {
    const p = at(t.id);
    return {
      kind: "addNode",
      task: { ...t, id: rename.get(t.id) as string, dependsOn: t.dependsOn.filter((d) => rename.has(d)).map((d) => rename.get(d) as string) },
      position: { x: p.x + offset.x, y: p.y + offset.y },
    };
  });
  // Parents before children, so every addNode finds its upstream tasks.
  ops.sort((a, b) => (a.kind === "addNode" && b.kind === "addNode" ? a.task.dependsOn.length - b.task.dependsOn.length : 0));
  return { op: { kind: "batch", ops: topological(ops) }, ids: [...rename.values()] };
}

function topological(ops: Operation[]): Operation[] {
  const out: Operation[] = [];
  const placed = new Set<string>();
  let rest = ops.filter((o): o is Extract<Operation, { kind: "addNode" }> => o.kind === "addNode");
  while (rest.length > 0) {
    const ready = rest.filter((o) => o.task.dependsOn.every((d) => placed.has(d)));
    if (ready.length === 0) break;
    for (const o of ready) {
      out.push(o);
      placed.add(o.task.id);
    }
    rest = rest.filter((o) => !placed.has(o.task.id));
  }
  return out;
}

export function deleteOperations(doc: WorkflowDocument, nodes: string[], edges: string[]): Operation | null {
  const gone = new Set(nodes);
  const ops: Operation[] = [];
  for (const e of edges) {
    const [source, target] = e.split("->");
    if (source && target && !gone.has(source) && !gone.has(target)) ops.push({ kind: "deleteEdge", source, target });
  }
  for (const id of nodes) if (doc.spec.tasks.some((t) => t.id === id)) ops.push({ kind: "deleteNode", id });
  if (ops.length === 0) return null;
  return ops.length === 1 ? (ops[0] as Operation) : { kind: "batch", ops };
}
