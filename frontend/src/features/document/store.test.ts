import { beforeEach, describe, expect, it } from "vitest";
import { useEditor } from "./store";
import { pipeline } from "./testing";

describe("editor store", () => {
  beforeEach(() => {
    useEditor.getState().load({ id: "w", version: 1, role: "owner", ownerId: "o", ownerName: "O", createdAt: "", updatedAt: "", document: pipeline() });
  });

  it("keeps the shown steps when the live session's first snapshot equals them, so the canvas is not drawn again", () => {
    const shown = useEditor.getState().doc!;
    const snapshot = structuredClone(shown);
    useEditor.getState().showLive(snapshot, 1, [], snapshot);
    expect(useEditor.getState().doc).toBe(shown);
    const changed = structuredClone(shown);
    changed.spec.tasks[2]!.config = { sep: ";" };
    useEditor.getState().showLive(changed, 2, [], changed);
    expect(useEditor.getState().doc).toEqual(changed);
    expect(useEditor.getState().doc!.spec.tasks[0]).toBe(shown.spec.tasks[0]);
  });

  it("forgets the selection of steps that an undo removed", () => {
    const s = useEditor.getState();
    s.apply({ kind: "addNode", task: { id: "extra", type: "transform.filter", config: {}, dependsOn: ["extract"] }, position: { x: 0, y: 0 } });
    s.select(["extra", "filter"], ["extract->extra"]);
    useEditor.getState().undo();
    expect(useEditor.getState().selectedNodes).toEqual(["filter"]);
    expect(useEditor.getState().selectedEdges).toEqual([]);
  });

  it("tracks unsaved operations, including undo steps, and reports refusals", () => {
    const s = useEditor.getState();
    expect(s.apply({ kind: "moveNode", id: "extract", position: { x: 9, y: 9 } })).toBe(true);
    useEditor.getState().undo();
    expect(useEditor.getState().unsaved).toHaveLength(2);
    expect(useEditor.getState().apply({ kind: "addEdge", source: "export", target: "extract" })).toBe(false);
    expect(useEditor.getState().refusal).toMatch(/cycle/);
  });

  it("hands every local change, undo and redo included, to the live session", () => {
    const sent: string[] = [];
    useEditor.setState({ localOps: (op) => sent.push(op.kind === "moveNode" ? `move ${op.position.x}` : op.kind) });
    const s = useEditor.getState();
    s.apply({ kind: "moveNode", id: "extract", position: { x: 9, y: 9 } });
    useEditor.getState().undo();
    useEditor.getState().redo();
    useEditor.getState().apply({ kind: "addEdge", source: "export", target: "extract" }); // refused: nothing sent
    expect(sent).toEqual(["move 9", "move 0", "move 9"]);
    useEditor.setState({ localOps: null });
  });

  it("shows a remote document without losing the selection of steps that still exist", () => {
    useEditor.getState().select(["filter", "export"]);
    const doc = pipeline();
    const withoutExport = { ...doc, spec: { ...doc.spec, tasks: doc.spec.tasks.filter((t) => t.id !== "export") } };
    useEditor.getState().showLive(withoutExport, 9, [], withoutExport);
    expect(useEditor.getState().version).toBe(9);
    expect(useEditor.getState().selectedNodes).toEqual(["filter"]);
  });
});
