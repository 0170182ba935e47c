// The editor's state: small slices composed into one zustand store. The saved document changes only
// through applyOperation (via perform/undo/redo); run state, validation and locks live in the view slice.
"use client";
import { create, type StateCreator } from "zustand";
import type { PreviewResult, RunDetail, StepRun, TaskType, WorkflowDetail, WorkflowDocument } from "@/lib/api/types";
import { stepsOf } from "./runSteps";
import { keepUnchanged } from "./sharing";
import type { FriendlyError } from "@/lib/api/problem";
import { emptyHistory, perform, redo, undo, type History } from "./history";
import type { Operation, Position } from "./operations";
import type { IssueMap } from "./validation";

export interface DocumentSlice {
  workflowId: string | null;
  version: number;
  role: WorkflowDetail["role"];
  doc: WorkflowDocument | null;
  /** The document as last loaded or saved; what a conflict compares against. */
  baseDoc: WorkflowDocument | null;
  /** Operations since the last save, replayed when the user keeps their changes on top of a newer version. */
  unsaved: Operation[];
  history: History;
  refusal: string | null;
  /** Set while the page is live: every operation applied here (apply, undo, redo) is handed to it to send. */
  localOps: ((op: Operation) => void) | null;
  load: (detail: WorkflowDetail) => void;
  markSaved: (detail: WorkflowDetail) => void;
  apply: (op: Operation, coalesceKey?: string) => boolean;
  undo: () => void;
  redo: () => void;
  clearRefusal: () => void;
  /** Shows what the live session computed: the confirmed document with this page's pending operations on top. */
  showLive: (doc: WorkflowDocument, version: number, pending: Operation[], confirmed: WorkflowDocument) => void;
}

/** A coloured outline with initials on a node someone else selected. */
export interface SelectionMarker { connectionId: string; initials: string; colour: string; displayName: string }

export interface SelectionSlice {
  selectedNodes: string[];
  selectedEdges: string[];
  clipboard: { tasks: WorkflowDocument["spec"]["tasks"]; positions: Record<string, Position> } | null;
  select: (nodes: string[], edges?: string[]) => void;
  setClipboard: (c: SelectionSlice["clipboard"]) => void;
}

export interface ViewSlice {
  catalog: ReadonlyMap<string, TaskType>;
  serverIssues: IssueMap | null;
  /** The run the editor shows (the latest, or the one just started), and its steps by id for the canvas. */
  run: RunDetail | null;
  runStates: Record<string, StepRun>;
  /** Who else holds the edit lock of each node (filled by the collaboration hub; this page's own locks are not here). */
  locks: Record<string, { userId: string; displayName: string; connectionId?: string }>;
  /** Nodes other people selected, with their colours and initials. */
  remoteSelections: Record<string, SelectionMarker[]>;
  /** Positions of nodes while they are being dragged, before the move becomes an operation. */
  dragging: Record<string, Position>;
  setCatalog: (types: TaskType[]) => void;
  setServerIssues: (issues: IssueMap | null) => void;
  setRun: (run: RunDetail | null) => void;
  setDragging: (positions: Record<string, Position>) => void;
}

export type PanelTab = "preview" | "results" | "outputs" | "log" | "files";
export type PreviewState = { kind: "idle" } | { kind: "running" } | { kind: "done"; result: PreviewResult } | { kind: "failed"; error: FriendlyError };

/** The wide panel under the canvas: a step's data preview, the run's tasks and a task's log. */
export interface PanelSlice {
  panel: { open: boolean; tab: PanelTab; height: number };
  /** The task whose log the panel shows (of the run in the view slice). */
  logTask: { taskId: string; tryNumber: number } | null;
  /** The last preview asked for, and of which step. */
  preview: { taskId: string; state: PreviewState } | null;
  openPanel: (tab: PanelTab) => void;
  closePanel: () => void;
  setPanelHeight: (height: number) => void;
  openLog: (taskId: string, tryNumber: number) => void;
  setPreview: (taskId: string, state: PreviewState) => void;
}

export type EditorState = DocumentSlice & SelectionSlice & ViewSlice & PanelSlice;

/** Drops selected nodes and edges the document no longer has (after undo, a paste undone, a remote delete). */
export function pruneSelection(doc: WorkflowDocument, nodes: string[], edges: string[]): { selectedNodes: string[]; selectedEdges: string[] } {
  const ids = new Set(doc.spec.tasks.map((t) => t.id));
  const edgeIds = new Set(doc.spec.tasks.flatMap((t) => t.dependsOn.map((d) => `${d}->${t.id}`)));
  const keptNodes = nodes.filter((n) => ids.has(n));
  const keptEdges = edges.filter((e) => edgeIds.has(e));
  return {
    selectedNodes: keptNodes.length === nodes.length ? nodes : keptNodes,
    selectedEdges: keptEdges.length === edges.length ? edges : keptEdges,
  };
}

const documentSlice: StateCreator<EditorState, [], [], DocumentSlice> = (set, get) => ({
  workflowId: null,
  version: 0,
  role: "view",
  doc: null,
  baseDoc: null,
  unsaved: [],
  history: emptyHistory,
  refusal: null,
  localOps: null,
  load: (detail) =>
    set({
      workflowId: detail.id,
      version: detail.version,
      role: detail.role,
      doc: detail.document,
      baseDoc: detail.document,
      unsaved: [],
      history: emptyHistory,
      refusal: null,
      selectedNodes: [],
      selectedEdges: [],
      serverIssues: null,
      dragging: {},
      logTask: null,
      preview: null,
    }),
  markSaved: (detail) => set({ version: detail.version, role: detail.role, baseDoc: detail.document, doc: detail.document, unsaved: [] }),
  apply: (op, coalesceKey) => {
    const { doc, history, unsaved } = get();
    if (!doc) return false;
    const result = perform(doc, history, op, coalesceKey);
    if (!result.ok) {
      set({ refusal: result.reason });
      return false;
    }
    set({ doc: result.doc, history: result.history, unsaved: [...unsaved, op], refusal: null, ...pruneSelection(result.doc, get().selectedNodes, get().selectedEdges) });
    get().localOps?.(op);
    return true;
  },
  undo: () => {
    const { doc, history, unsaved } = get();
    if (!doc) return;
    const entry = history.past[history.past.length - 1];
    const result = undo(doc, history);
    if (!result.ok) return set({ refusal: result.reason });
    set({ doc: result.doc, history: result.history, unsaved: entry ? [...unsaved, entry.inverse] : unsaved, refusal: null, ...pruneSelection(result.doc, get().selectedNodes, get().selectedEdges) });
    if (entry) get().localOps?.(entry.inverse);
  },
  redo: () => {
    const { doc, history, unsaved } = get();
    if (!doc) return;
    const entry = history.future[history.future.length - 1];
    const result = redo(doc, history);
    if (!result.ok) return set({ refusal: result.reason });
    set({ doc: result.doc, history: result.history, unsaved: entry ? [...unsaved, entry.op] : unsaved, refusal: null, ...pruneSelection(result.doc, get().selectedNodes, get().selectedEdges) });
    if (entry) get().localOps?.(entry.op);
  },
  clearRefusal: () => set({ refusal: null }),
  showLive: (arrived, version, pending, confirmed) => {
    const st = get();
    // The snapshot on joining is a new copy of what is shown: unchanged steps stay the same objects (not redrawn).
    const doc = keepUnchanged(st.doc, arrived);
    // Positions being dragged stay in the view slice, so a remote change never yanks a node from under the pointer.
    set({ doc, version, unsaved: pending, baseDoc: confirmed, ...pruneSelection(doc, st.selectedNodes, st.selectedEdges) });
  },
});

const selectionSlice: StateCreator<EditorState, [], [], SelectionSlice> = (set) => ({
  selectedNodes: [],
  selectedEdges: [],
  clipboard: null,
  select: (nodes, edges = []) => set({ selectedNodes: nodes, selectedEdges: edges }),
  setClipboard: (clipboard) => set({ clipboard }),
});

const viewSlice: StateCreator<EditorState, [], [], ViewSlice> = (set) => ({
  catalog: new Map(),
  serverIssues: null,
  run: null,
  runStates: {},
  locks: {},
  remoteSelections: {},
  dragging: {},
  setCatalog: (types) => set({ catalog: new Map(types.map((t) => [t.id, t])) }),
  setServerIssues: (serverIssues) => set({ serverIssues }),
  setRun: (run) => set({ run, runStates: stepsOf(run) }),
  setDragging: (dragging) => set({ dragging }),
});

export const PANEL_HEIGHT = { initial: 280, min: 120 };

const panelSlice: StateCreator<EditorState, [], [], PanelSlice> = (set) => ({
  panel: { open: false, tab: "preview", height: PANEL_HEIGHT.initial },
  logTask: null,
  preview: null,
  openPanel: (tab) => set((s) => ({ panel: { ...s.panel, open: true, tab } })),
  closePanel: () => set((s) => ({ panel: { ...s.panel, open: false } })),
  setPanelHeight: (height) => set((s) => ({ panel: { ...s.panel, height: Math.max(PANEL_HEIGHT.min, Math.round(height)) } })),
  openLog: (taskId, tryNumber) => set((s) => ({ logTask: { taskId, tryNumber }, panel: { ...s.panel, open: true, tab: "log" } })),
  setPreview: (taskId, state) => set({ preview: { taskId, state } }),
});

export const useEditor = create<EditorState>()((...a) => ({ ...documentSlice(...a), ...selectionSlice(...a), ...viewSlice(...a), ...panelSlice(...a) }));

/** Applies op for a field that shows its own problems: null when applied, otherwise why not (not repeated in the sidebar). */
export function applyOrReason(op: Operation, coalesceKey?: string): string | null {
  if (useEditor.getState().apply(op, coalesceKey)) return null;
  const reason = useEditor.getState().refusal ?? "This change was not accepted.";
  useEditor.getState().clearRefusal();
  return reason;
}
