"use client";
import { useCallback, useMemo, useRef, useState, type DragEvent, type ReactNode } from "react";
import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  useReactFlow,
  type Connection,
  type EdgeChange,
  type NodeChange,
  type IsValidConnection,
} from "@xyflow/react";
import { useEditor } from "@/features/document/store";
import { connectionProblem } from "@/features/document/graph";
import type { Operation, Position } from "@/features/document/operations";
import type { IssueMap } from "@/features/document/validation";
import type { CanvasMark } from "@/features/document/versionDiff";
import { buildEdges, buildNodes, type NodeCache } from "./flow";
import { RemoteCursors, useCursorBroadcast } from "@/features/collab/Presence";
import { TaskNodeView } from "./TaskNodeView";
import { NODE_SIZE, placeInView, type Rect } from "./placement";
import type { DependencyEdge, TaskNode } from "./types";

export const TASK_DRAG_MIME = "application/x-workflowcontrol-task";
const nodeTypes = { task: TaskNodeView };

interface CanvasProps {
  issues: IssueMap;
  readOnly: boolean;
  onAddTask: (typeId: string, position: Position) => void;
  /** Steps marked as added or changed since a version: a view of the document, never a change to it. */
  changes?: Record<string, CanvasMark>;
  /** Shown over the canvas, such as the legend of those marks. */
  children?: ReactNode;
}

export function Canvas({ issues, readOnly, onAddTask, changes, children }: CanvasProps) {
  const doc = useEditor((s) => s.doc);
  const catalog = useEditor((s) => s.catalog);
  const dragging = useEditor((s) => s.dragging);
  const selectedNodes = useEditor((s) => s.selectedNodes);
  const selectedEdges = useEditor((s) => s.selectedEdges);
  const runStates = useEditor((s) => s.runStates);
  const locks = useEditor((s) => s.locks);
  const remoteSelections = useEditor((s) => s.remoteSelections);
  const onPointerMove = useCursorBroadcast();
  const apply = useEditor((s) => s.apply);
  const select = useEditor((s) => s.select);
  const setDragging = useEditor((s) => s.setDragging);
  const { screenToFlowPosition } = useReactFlow();
  const [sizes, setSizes] = useState<Record<string, { width: number; height: number }>>({});
  const [hint, setHint] = useState<string | null>(null);
  const cache = useRef<NodeCache>(new Map());
  // Fit a loaded workflow into view once; an empty canvas starts at 100 % so the first step is not blown up.
  const [startsEmpty] = useState(() => (doc?.spec.tasks.length ?? 0) === 0);

  const selectedSet = useMemo(() => new Set(selectedNodes), [selectedNodes]);
  const selectedEdgeSet = useMemo(() => new Set(selectedEdges), [selectedEdges]);
  const nodes = useMemo(
    () => (doc ? buildNodes({ doc, catalog, dragging, selected: selectedSet, selectedEdges: selectedEdgeSet, issues: issues.byNode, runStates, locks, remoteSelections, sizes, changes }, cache.current) : []),
    [doc, catalog, dragging, selectedSet, selectedEdgeSet, issues.byNode, runStates, locks, remoteSelections, sizes, changes],
  );
  const edges = useMemo(() => (doc ? buildEdges(doc, catalog, selectedEdgeSet, runStates) : []), [doc, catalog, selectedEdgeSet, runStates]);

  const onNodesChange = useCallback(
    (changes: NodeChange<TaskNode>[]) => {
      const state = useEditor.getState();
      let nextDragging: Record<string, Position> | null = null;
      const moved: Operation[] = [];
      let selection: Set<string> | null = null;
      const newSizes: Record<string, { width: number; height: number }> = {};
      for (const c of changes) {
        if (c.type === "dimensions" && c.dimensions) newSizes[c.id] = c.dimensions;
        else if (c.type === "position" && !readOnly) {
          if (c.dragging && c.position) (nextDragging ??= { ...state.dragging })[c.id] = c.position;
          else if (c.dragging === false) {
            const p = c.position ?? state.dragging[c.id];
            if (p) moved.push({ kind: "moveNode", id: c.id, position: { x: Math.round(p.x), y: Math.round(p.y) } });
            (nextDragging ??= { ...state.dragging });
            delete nextDragging[c.id];
          }
        } else if (c.type === "select") {
          selection ??= new Set(state.selectedNodes);
          if (c.selected) selection.add(c.id);
          else selection.delete(c.id);
        }
      }
      if (Object.keys(newSizes).length > 0) setSizes((s) => ({ ...s, ...newSizes }));
      if (moved.length > 0) apply(moved.length === 1 ? (moved[0] as Operation) : { kind: "batch", ops: moved });
      if (nextDragging) setDragging(nextDragging);
      if (selection) select([...selection], useEditor.getState().selectedEdges);
    },
    [apply, readOnly, select, setDragging],
  );

  const onEdgesChange = useCallback(
    (changes: EdgeChange<DependencyEdge>[]) => {
      let selection: Set<string> | null = null;
      for (const c of changes) {
        if (c.type === "select") {
          selection ??= new Set(useEditor.getState().selectedEdges);
          if (c.selected) selection.add(c.id);
          else selection.delete(c.id);
        }
      }
      if (selection) select(useEditor.getState().selectedNodes, [...selection]);
    },
    [select],
  );

  // After a run, a step's log is one click away: clicking the step opens it in the bottom panel.
  const onNodeClick = useCallback((_: unknown, node: TaskNode) => {
    const st = useEditor.getState();
    const task = st.runStates[node.id];
    if (task?.state) st.openLog(node.id, Math.max(1, task.tryNumber));
  }, []);

  const isValidConnection: IsValidConnection = useCallback(
    (c) => {
      const s = useEditor.getState();
      if (readOnly || !s.doc || !c.source || !c.target) return false;
      return connectionProblem(s.doc, s.catalog, c.source, c.target) === null;
    },
    [readOnly],
  );

  const onConnect = useCallback(
    (c: Connection) => {
      const s = useEditor.getState();
      if (!s.doc) return;
      const problem = connectionProblem(s.doc, s.catalog, c.source, c.target);
      if (problem) return setHint(problem);
      const target = s.doc.spec.tasks.find((t) => t.id === c.target);
      const type = target ? s.catalog.get(target.type) : undefined;
      const portIndex = type?.inputs.findIndex((p) => `in:${p.name}` === c.targetHandle) ?? -1;
      const isMany = portIndex >= 0 && type?.inputs[portIndex]?.many;
      const index = portIndex >= 0 && !isMany && target ? Math.min(portIndex, target.dependsOn.length) : undefined;
      apply({ kind: "addEdge", source: c.source, target: c.target, index });
      setHint(null);
    },
    [apply],
  );

  const onConnectEnd = useCallback((_: unknown, state: { isValid: boolean | null; fromNode: { id: string } | null; toNode: { id: string } | null }) => {
    const s = useEditor.getState();
    if (state.isValid === false && state.fromNode && state.toNode && s.doc) {
      setHint(connectionProblem(s.doc, s.catalog, state.fromNode.id, state.toNode.id));
    }
  }, []);

  const onDrop = useCallback(
    (e: DragEvent) => {
      e.preventDefault();
      const typeId = e.dataTransfer.getData(TASK_DRAG_MIME);
      if (!typeId || readOnly) return;
      const p = screenToFlowPosition({ x: e.clientX, y: e.clientY });
      const toFlow = (r: DOMRect): Rect => {
        const a = screenToFlowPosition({ x: r.left, y: r.top });
        const b = screenToFlowPosition({ x: r.right, y: r.bottom });
        return { x: a.x, y: a.y, width: b.x - a.x, height: b.y - a.y };
      };
      // Wholly visible: not half under the palette or the sidebar, nor under the zoom buttons or the overview map.
      const pane = e.currentTarget.getBoundingClientRect();
      const view = toFlow(pane);
      const overlays = [...e.currentTarget.querySelectorAll(".react-flow__minimap, .react-flow__controls")].map((el) => toFlow(el.getBoundingClientRect()));
      const steps = nodes.map((n): Rect => ({ ...n.position, width: n.measured?.width ?? NODE_SIZE.width, height: n.measured?.height ?? NODE_SIZE.height }));
      const at = placeInView({ x: p.x - NODE_SIZE.width / 2, y: p.y - 30 }, NODE_SIZE, view, [...overlays, ...steps], (12 * view.width) / Math.max(1, pane.width));
      onAddTask(typeId, { x: Math.round(at.x), y: Math.round(at.y) });
    },
    [nodes, onAddTask, readOnly, screenToFlowPosition],
  );

  const large = nodes.length > 1000;
  return (
    <div className="canvas" onDragOver={(e) => { e.preventDefault(); e.dataTransfer.dropEffect = "copy"; }} onDrop={onDrop} onPointerMove={onPointerMove} data-testid="canvas">
      <ReactFlow<TaskNode, DependencyEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onNodeClick={onNodeClick}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        isValidConnection={isValidConnection}
        nodesDraggable={!readOnly}
        nodesConnectable={!readOnly}
        deleteKeyCode={null}
        selectionKeyCode="Shift"
        multiSelectionKeyCode={["Meta", "Control"]}
        onlyRenderVisibleElements={large}
        minZoom={0.1}
        fitView={!startsEmpty}
        fitViewOptions={{ maxZoom: 1 }}
        defaultViewport={{ x: 0, y: 0, zoom: 1 }}
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={16} />
        <MiniMap pannable zoomable ariaLabel="Overview of the workflow" nodeColor={(n) => minimapColor(n as TaskNode)} />
        <Controls showInteractive={false} />
        <RemoteCursors />
      </ReactFlow>
      {nodes.length === 0 && (
        <div className="canvas-empty">
          <p>Drag a step from the palette on the left onto this canvas, then connect its right port to the next step.</p>
        </div>
      )}
      {children}
      {hint && (
        <div className="canvas-message warn-box" role="status">
          {hint} <button type="button" className="small ghost" onClick={() => setHint(null)} aria-label="Dismiss">×</button>
        </div>
      )}
    </div>
  );
}

function minimapColor(n: TaskNode): string {
  const run = n.data.run?.state;
  if (run === "success") return "#1a7f37";
  if (run === "failed" || run === "upstream_failed") return "#b42318";
  if (run === "running" || run === "queued") return "#0969da";
  if (n.data.issues?.length) return "#e5534b";
  if (n.data.change === "added") return "#2da44e";
  if (n.data.change === "changed") return "#d4a72c";
  return "#9aa4b1";
}
