import type { Edge, Node } from "@xyflow/react";
import type { StepRun, TaskType, WorkflowTask } from "@/lib/api/types";
import type { Issue } from "@/features/document/validation";
import type { SelectionMarker } from "@/features/document/store";
import type { CanvasMark } from "@/features/document/versionDiff";

/** What a task node shows: the saved task plus its view model (type, issues, run state, lock). */
export type TaskNodeData = {
  task: WorkflowTask;
  taskType: TaskType | undefined;
  issues: Issue[] | undefined;
  run: StepRun | undefined;
  lockedBy: string | undefined;
  /** Other people who selected this node: an outline in the first one's colour and everyone's initials. */
  selectedBy?: SelectionMarker[];
  /** Added or changed since the version the editor compares with (absent when it compares with none). */
  change?: CanvasMark;
};
export type TaskNode = Node<TaskNodeData, "task">;
export type DependencyEdge = Edge<Record<string, never>>;

/** A node's widest (CSS max-width) and usual height, for layout and placement. */
export const NODE_WIDTH = 220;
export const NODE_HEIGHT = 86;

export function inputHandleId(type: TaskType | undefined, index: number): string {
  if (!type || type.inputs.length === 0) return "in";
  const port = type.inputs[Math.min(index, type.inputs.length - 1)];
  return `in:${port?.name ?? "data"}`;
}
