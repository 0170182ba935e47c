// Builds React Flow nodes and edges from the document and the view model, reusing unchanged node
// objects so that a 500-node canvas re-renders only what changed.
import type { StepRun, TaskType, WorkflowDocument } from "@/lib/api/types";
import type { Position } from "@/features/document/operations";
import type { Issue } from "@/features/document/validation";
import type { SelectionMarker } from "@/features/document/store";
import type { CanvasMark } from "@/features/document/versionDiff";
import { inputHandleId, type DependencyEdge, type TaskNode } from "./types";

export interface FlowInputs {
  doc: WorkflowDocument;
  catalog: ReadonlyMap<string, TaskType>;
  dragging: Record<string, Position>;
  selected: ReadonlySet<string>;
  selectedEdges: ReadonlySet<string>;
  issues: Record<string, Issue[]>;
  runStates: Record<string, StepRun>;
  locks: Record<string, { displayName: string }>;
  /** Nodes other people selected (absent outside live editing). */
  remoteSelections?: Record<string, SelectionMarker[]>;
  sizes: Record<string, { width: number; height: number }>;
  /** Steps marked as added or changed since a version; each node is keyed by its own mark only. */
  changes?: Record<string, CanvasMark>;
}

export type NodeCache = Map<string, { key: unknown[]; node: TaskNode }>;

export function buildNodes(input: FlowInputs, cache: NodeCache): TaskNode[] {
  const seen = new Set<string>();
  const nodes = input.doc.spec.tasks.map((task) => {
    seen.add(task.id);
    const position = input.dragging[task.id] ?? input.doc.layout.nodes[task.id] ?? { x: 0, y: 0 };
    const dataKey = [task, input.catalog.get(task.type), input.issues[task.id], input.runStates[task.id], input.locks[task.id], input.remoteSelections?.[task.id], input.changes?.[task.id]];
    const key = [...dataKey, position, input.selected.has(task.id), input.sizes[task.id]];
    const hit = cache.get(task.id);
    if (hit && hit.key.every((v, i) => v === key[i])) return hit.node;
    // Keep the data object when only position, selection or size changed, so the memoised node view skips rendering.
    const sameData = hit !== undefined && dataKey.every((v, i) => v === hit.key[i]);
    const node: TaskNode = {
      id: task.id,
      type: "task",
      position,
      selected: input.selected.has(task.id),
      measured: input.sizes[task.id],
      data:
        sameData && hit
          ? hit.node.data
          : {
              task,
              taskType: input.catalog.get(task.type),
              issues: input.issues[task.id],
              run: input.runStates[task.id],
              lockedBy: input.locks[task.id]?.displayName,
              selectedBy: input.remoteSelections?.[task.id],
              change: input.changes?.[task.id],
            },
    };
    cache.set(task.id, { key, node });
    return node;
  });
  for (const id of [...cache.keys()]) if (!seen.has(id)) cache.delete(id);
  return nodes;
}

export const edgeId = (source: string, target: string) => `${source}->${target}`;

export function buildEdges(doc: WorkflowDocument, catalog: ReadonlyMap<string, TaskType>, selected: ReadonlySet<string>, runStates: Record<string, StepRun>): DependencyEdge[] {
  return doc.spec.tasks.flatMap((task) =>
    task.dependsOn.map((source, index) => {
      const id = edgeId(source, task.id);
      const running = runStates[source]?.state === "success" && runStates[task.id]?.state === "running";
      return {
        id,
        source,
        target: task.id,
        sourceHandle: "out",
        targetHandle: inputHandleId(catalog.get(task.type), index),
        selected: selected.has(id),
        animated: running,
      };
    }),
  );
}
