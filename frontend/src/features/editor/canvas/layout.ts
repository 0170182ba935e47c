// Auto-layout: left-to-right layers by dependencies (dagre), returned as positions for moveNode operations.
import dagre from "@dagrejs/dagre";
import type { WorkflowTask } from "@/lib/api/types";
import type { Position } from "@/features/document/operations";
import { NODE_HEIGHT, NODE_WIDTH } from "./types";

export function autoLayout(tasks: WorkflowTask[]): Record<string, Position> {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "LR", nodesep: 40, ranksep: 80, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const t of tasks) g.setNode(t.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const t of tasks) for (const d of t.dependsOn) if (g.hasNode(d)) g.setEdge(d, t.id);
  dagre.layout(g);
  const out: Record<string, Position> = {};
  for (const t of tasks) {
    const n = g.node(t.id);
    out[t.id] = { x: Math.round(n.x - NODE_WIDTH / 2), y: Math.round(n.y - NODE_HEIGHT / 2) };
  }
  return out;
}
