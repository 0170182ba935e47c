"use client";
import { memo, useMemo } from "react";
import { Background, Handle, Position, ReactFlow, type Edge, type Node, type NodeProps } from "@xyflow/react";
import type { WorkflowDocument } from "@/lib/api/types";
import type { StepChangeKind } from "@/features/document/versionDiff";

type DiffNodeData = { label: string; type: string; change: StepChangeKind | "same" };
type DiffNode = Node<DiffNodeData, "diff">;

const LABEL: Record<DiffNodeData["change"], string> = { added: "added", changed: "changed", removed: "removed", same: "" };

const DiffNodeView = memo(function DiffNodeView({ data }: NodeProps<DiffNode>) {
  return (
    <div className={`diff-node ${data.change}`} data-change={data.change} title={data.change === "same" ? data.type : `${data.type}: ${data.change}`}>
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <strong>{data.label}</strong>
      <span className="kind">{data.type}{LABEL[data.change] ? ` · ${LABEL[data.change]}` : ""}</span>
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
});
const nodeTypes = { diff: DiffNodeView };

/**
 * The newer version's graph with what changed highlighted: added steps green, changed amber, removed ones drawn
 * where they were, struck through. Read-only; nothing here edits the workflow.
 */
export function DiffGraph({ before, after, marks }: { before: WorkflowDocument; after: WorkflowDocument; marks: Record<string, StepChangeKind> }) {
  const { nodes, edges } = useMemo(() => {
    const removed = before.spec.tasks.filter((t) => marks[t.id] === "removed");
    const nodes: DiffNode[] = [
      ...after.spec.tasks.map((t): DiffNode => ({ id: t.id, type: "diff", position: after.layout.nodes[t.id] ?? { x: 0, y: 0 }, data: { label: t.id, type: t.type, change: marks[t.id] ?? "same" } })),
      ...removed.map((t): DiffNode => ({ id: t.id, type: "diff", position: before.layout.nodes[t.id] ?? { x: 0, y: 0 }, data: { label: t.id, type: t.type, change: "removed" } })),
    ];
    const edges: Edge[] = [...after.spec.tasks, ...removed].flatMap((t) =>
      t.dependsOn.map((source) => ({ id: `${source}->${t.id}`, source, target: t.id, style: marks[t.id] === "removed" ? { strokeDasharray: "4 3" } : undefined })),
    );
    return { nodes, edges };
  }, [before, after, marks]);
  return (
    <div className="diff-graph" aria-label="Graph of the newer version, changed steps highlighted">
      <ReactFlow nodes={nodes} edges={edges} nodeTypes={nodeTypes} fitView nodesDraggable={false} nodesConnectable={false} elementsSelectable={false} proOptions={{ hideAttribution: true }}>
        <Background />
      </ReactFlow>
    </div>
  );
}
