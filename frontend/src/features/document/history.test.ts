import { describe, expect, it } from "vitest";
import { emptyHistory, perform, redo, undo, type History } from "./history";
import type { WorkflowDocument } from "@/lib/api/types";
import { pipeline } from "./testing";

function ok<T extends { ok: boolean }>(r: T): Extract<T, { ok: true }> {
  if (!r.ok) throw new Error("step refused");
  return r as Extract<T, { ok: true }>;
}

describe("undo and redo", () => {
  it("undoes and redoes a sequence of changes in order", () => {
    const start = pipeline();
    let doc: WorkflowDocument = start;
    let history: History = emptyHistory;
    const states: WorkflowDocument[] = [doc];
    for (const op of [
      { kind: "moveNode", id: "extract", position: { x: 50, y: 50 } },
      { kind: "deleteNode", id: "filter" },
      { kind: "addEdge", source: "extract", target: "export" },
    ] as const) {
      ({ doc, history } = ok(perform(doc, history, op)));
      states.push(doc);
    }
    for (let i = states.length - 2; i >= 0; i--) {
      ({ doc, history } = ok(undo(doc, history)));
      expect(doc).toEqual(states[i]);
    }
    expect(undo(doc, history).ok).toBe(false);
    for (let i = 1; i < states.length; i++) {
      ({ doc, history } = ok(redo(doc, history)));
      expect(doc).toEqual(states[i]);
    }
    expect(redo(doc, history).ok).toBe(false);
  });

  it("a new change clears the redo stack", () => {
    let { doc, history } = ok(perform(pipeline(), emptyHistory, { kind: "moveNode", id: "extract", position: { x: 1, y: 1 } }));
    ({ doc, history } = ok(undo(doc, history)));
    expect(history.future).toHaveLength(1);
    ({ doc, history } = ok(perform(doc, history, { kind: "moveNode", id: "filter", position: { x: 2, y: 2 } })));
    expect(history.future).toHaveLength(0);
    expect(redo(doc, history).ok).toBe(false);
  });

  it("typing into one field is one undo step", () => {
    let doc = pipeline();
    let history = emptyHistory;
    let t = 1000;
    for (const name of ["S", "Sa", "Sal", "Sale"]) {
      ({ doc, history } = ok(perform(doc, history, { kind: "updateSettings", changes: { name } }, "settings.name", (t += 100))));
    }
    expect(history.past).toHaveLength(1);
    ({ doc, history } = ok(undo(doc, history)));
    expect(doc.metadata.name).toBe("Sales");
    ({ doc } = ok(redo(doc, history)));
    expect(doc.metadata.name).toBe("Sale");
  });

  it("a refused change is not recorded", () => {
    const result = perform(pipeline(), emptyHistory, { kind: "addEdge", source: "export", target: "extract" });
    expect(result.ok).toBe(false);
  });
});
